import Foundation
import WellBeingCore

/// Gathers a parser's accepted rows into blocks, one open block per period.
public final class RespondentBlockBuilder {
    private let parser: ResponseParser
    private let freeTextNames: [String]
    private var open: [Int: RespondentBlock] = [:]
    private let emit: (RespondentBlock) throws -> Void

    /// - Parameter emit: receives each full block, and at `finish()` the partly filled ones.
    public init(parser: ResponseParser, instrument: Instrument, emit: @escaping (RespondentBlock) throws -> Void) {
        self.parser = parser
        self.emit = emit
        freeTextNames = instrument.respondent.freeTextColumns.map(\.name)
    }

    public func append(_ row: RespondentRow) throws {
        var block = open.removeValue(forKey: row.periodCode) ?? RespondentBlock(period: parser.periodValues[row.periodCode])
        block.respondentKeys.append(row.respondentKey)
        block.groupCodes.append(UInt16(row.groupCode))
        for code in row.attributeCodes { block.attributeCodes.append(UInt16(code)) }
        if let weight = row.designWeight { block.designWeights?.append(weight) } else { block.designWeights = nil }
        block.answers.append(contentsOf: row.answers)
        for (field, text) in row.freeText {
            block.freeText.append((parser.groupValues[row.groupCode], freeTextNames[field], text))
        }
        if block.count == RespondentBlock.capacity {
            try emit(sealed(block))
        } else {
            open[row.periodCode] = block
        }
    }

    /// Emits every partly filled block.
    public func finish() throws {
        for code in open.keys.sorted() {
            if let block = open.removeValue(forKey: code) { try emit(sealed(block)) }
        }
    }

    /// Attaches the value lists the codes refer to (they only grow, so the current lists cover every code).
    private func sealed(_ block: RespondentBlock) -> RespondentBlock {
        var block = block
        block.groupNames = parser.groupValues
        block.attributeValues = parser.attributeValues
        return block
    }
}

/// Runs a producer on its own thread and hands what it makes to the caller through a bounded queue, so
/// that reading and validating a file overlaps with writing the store.
public final class BackgroundProducer<Element: Sendable>: @unchecked Sendable {
    private let condition = NSCondition()
    private var queue: [Element] = []
    private var finished = false
    private var failure: Error?
    private var cancelled = false
    private let capacity: Int

    /// Starts `produce` on a new thread; it calls `yield` for each element and may throw.
    public init(capacity: Int = 8, produce: @escaping @Sendable (_ yield: @escaping (Element) throws -> Void) throws -> Void) {
        self.capacity = capacity
        let thread = Thread { [self] in
            do {
                try produce { element in try self.push(element) }
                finish(with: nil)
            } catch {
                finish(with: error)
            }
        }
        thread.stackSize = 8 << 20
        thread.start()
    }

    private func push(_ element: Element) throws {
        condition.lock()
        defer { condition.unlock() }
        while queue.count >= capacity && !cancelled { condition.wait() }
        if cancelled { throw CancellationError() }
        queue.append(element)
        condition.broadcast()
    }

    private func finish(with error: Error?) {
        condition.lock()
        finished = true
        failure = error
        condition.broadcast()
        condition.unlock()
    }

    /// The next element, or nil once the producer has finished; rethrows the producer's error.
    public func next() throws -> Element? {
        condition.lock()
        defer { condition.unlock() }
        while queue.isEmpty && !finished { condition.wait() }
        if !queue.isEmpty {
            let element = queue.removeFirst()
            condition.broadcast()
            return element
        }
        if let failure, !(failure is CancellationError) { throw failure }
        return nil
    }

    /// Stops the producer (its next `yield` throws) and waits for it to end.
    public func cancel() {
        condition.lock()
        cancelled = true
        queue.removeAll()
        condition.broadcast()
        while !finished { condition.wait() }
        condition.unlock()
    }
}
