import Foundation
import WellBeingCore

/// A survey file opened for import (CSV, or a workbook's sheet): the store reads its respondents through
/// `RespondentSource` while `ResponseParser` reads and checks the rows on a thread of its own, so that reading
/// overlaps with writing.
public final class ResponseFile: RespondentSource {
    /// The opened records.
    public let source: RecordSource
    private let path: String
    private let instrument: Instrument
    private let period: PeriodLabel?
    private let onReject: ((RejectedRow) throws -> Void)?
    private let onProgress: ((ReadingProgress) -> Void)?

    /// Opens `path` as CSV (in `encoding`, or detected) or as a workbook's `sheet`.
    ///
    /// - Parameters:
    ///   - period: the period of every row, or nil when the instrument derives it from a column.
    ///   - onReject: called with each rejected row, on the reading thread (for a rejects file).
    ///   - onProgress: called every `ReadingProgress.rowsBetweenReports` rows and once when the last row is read, on
    ///     the reading thread.
    /// - Throws: `inputMissing` when the file cannot be opened; `badData` for an .xls, an encrypted workbook or a
    ///   damaged one; `usage` for a sheet named on a CSV file.
    public init(path: String, instrument: Instrument, period: PeriodLabel?, encoding: TextEncoding? = nil, sheet: String? = nil,
                onReject: ((RejectedRow) throws -> Void)? = nil, onProgress: ((ReadingProgress) -> Void)? = nil) throws {
        source = try RecordSources.open(path: path, encoding: encoding, sheet: sheet)
        self.path = path
        self.instrument = instrument
        self.period = period
        self.onReject = onReject
        self.onProgress = onProgress
    }

    public var fileName: String { source.displayName }
    public var encodingName: String { source.encodingName }
    public var sheet: String? { source.sheet }
    public func fileSHA256() throws -> String { try source.fileSHA256() }
    public func wholeFileSHA256() throws -> String { try RecordSources.sha256(ofFile: path) }

    public func readBlocks(storedRespondent: (@Sendable (_ period: String, _ id: String) -> String?)?,
                           accept: (RespondentBlock) throws -> Void) throws -> ResponseParseSummary {
        let parser = ResponseParser(instrument: instrument, reader: source, fixedPeriod: period)
        parser.storedRespondent = storedRespondent
        // Reading and validating run on a second thread; this one hands the blocks on as they come.
        let work = Unchecked((parser, self))
        let producer = BackgroundProducer<ReadEvent> { yield in
            let (parser, file) = work.value
            try file.read(parser, yield: yield)
        }
        var parsed: ResponseParseSummary?
        do {
            while let event = try producer.next() {
                switch event {
                case let .block(block): try accept(block)
                case let .finished(summary): parsed = summary
                }
            }
        } catch {
            producer.cancel()
            throw error
        }
        guard let summary = parsed else {
            throw WellBeingError(.internalFailure, Message(.internalReading, ["file": fileName]))
        }
        return summary
    }

    /// Reads and checks every row with `parser` (on the reading thread), handing blocks and the summary to `yield`.
    private func read(_ parser: ResponseParser, yield: @escaping (ReadEvent) throws -> Void) throws {
        let builder = RespondentBlockBuilder(parser: parser, instrument: instrument) { try yield(.block($0)) }
        var rowsRead = 0
        func counted() {
            rowsRead += 1
            if rowsRead % ReadingProgress.rowsBetweenReports == 0, let onProgress {
                onProgress(ReadingProgress(rows: rowsRead, bytesRead: source.rawBytesRead, fileBytes: source.fileSize))
            }
        }
        let summary = try parser.parse(accept: { row in
            try builder.append(row)
            counted()
        }, reject: { rejected in
            try onReject?(rejected)
            counted()
        })
        try builder.finish()
        onProgress?(ReadingProgress(rows: rowsRead, bytesRead: source.fileSize, fileBytes: source.fileSize, finished: true))
        try yield(.finished(summary))
    }
}

/// How far the reading of a survey file has come: rows read (accepted or rejected, blank lines not counted) and the
/// bytes of the file behind them (for a workbook, its sheet's share of the file).
public struct ReadingProgress: Sendable, Equatable {
    /// How many rows are read between two reports.
    public static let rowsBetweenReports = 4096

    public var rows: Int
    public var bytesRead: Int
    public var fileBytes: Int
    /// Whether every row has been read (the rows are then the file's count; what remains is writing them).
    public var finished: Bool

    public init(rows: Int, bytesRead: Int, fileBytes: Int, finished: Bool = false) {
        self.rows = rows
        self.bytesRead = bytesRead
        self.fileBytes = fileBytes
        self.finished = finished
    }
}

/// What the reading thread hands to the writing one.
private enum ReadEvent: Sendable {
    case block(RespondentBlock)
    case finished(ResponseParseSummary)
}

/// Carries values that are handed from one thread to another and used by one thread at a time.
struct Unchecked<Value>: @unchecked Sendable {
    let value: Value
    init(_ value: Value) { self.value = value }
}
