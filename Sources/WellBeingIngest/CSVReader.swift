import WellBeingCore

/// One record of a CSV file, valid only inside the `CSVReader.forEachRecord` callback that receives it.
///
/// Fields are views into the reader's buffer: quotes are already removed and doubled quotes undone.
public struct CSVRecord {
    /// The physical line the record starts on, counting from 1.
    public let line: Int
    /// How many fields the record has.
    public let fieldCount: Int
    /// The first field that had text after its closing quote (`"abc"def`), if any; in a workbook, the first
    /// cell that is an Excel error value or a date Excel cannot show.
    public let malformedField: Int?
    /// Why `malformedField` is malformed, when the reader knows better than "text after a quote" or "an Excel
    /// error value" (a date cell outside Excel's calendar).
    public var malformedReason: Message?
    let base: UnsafePointer<UInt8>
    let starts: UnsafePointer<Int>
    let ends: UnsafePointer<Int>

    /// The bytes of field `index` (UTF-8).
    @inline(__always)
    public func bytes(_ index: Int) -> UnsafeBufferPointer<UInt8> {
        UnsafeBufferPointer(start: base + starts[index], count: ends[index] - starts[index])
    }

    /// Field `index` as text, or `nil` when its bytes are not valid UTF-8.
    public func string(_ index: Int) -> String? {
        String(validating: bytes(index), as: UTF8.self)
    }

    /// Field `index` as text with invalid bytes shown as U+FFFD (for messages).
    public func displayString(_ index: Int) -> String {
        String(decoding: bytes(index), as: UTF8.self)
    }

    /// Whether every field is empty (a blank line, or `,,,` as Excel writes for an empty row).
    public var isBlank: Bool {
        for index in 0..<fieldCount where ends[index] > starts[index] { return false }
        return true
    }
}

/// A streaming RFC 4180 reader over UTF-8 bytes: quoted fields, doubled quotes, embedded newlines,
/// CRLF, LF or CR line ends, comma or tab delimiters. It holds one chunk of the file (plus the record
/// being read) in memory, never the whole file.
public final class CSVReader {
    /// The field delimiter (comma or tab).
    public private(set) var delimiter: UInt8
    let source: TextSource
    private var buffer: [UInt8] = []
    private var consumed = 0
    private var atEnd = false
    private var line = 1
    private var capacity = 64
    private var starts: UnsafeMutablePointer<Int>
    private var ends: UnsafeMutablePointer<Int>
    private var escaped: UnsafeMutablePointer<Bool>

    /// Creates a reader; with `delimiter` nil, it is taken from the first line (tab if it has more tabs
    /// than commas outside quotes, else comma).
    public init(source: TextSource, delimiter: UInt8? = nil) {
        self.source = source
        self.delimiter = delimiter ?? 0
        starts = .allocate(capacity: capacity)
        ends = .allocate(capacity: capacity)
        escaped = .allocate(capacity: capacity)
    }

    deinit {
        starts.deallocate()
        ends.deallocate()
        escaped.deallocate()
    }

    /// The file name used in messages.
    public var displayName: String { source.displayName }

    /// The encoding the file is read in (detected or forced).
    public var sourceEncoding: TextEncoding { source.encoding }

    /// Calls `body` with every record, in order, blank records included.
    ///
    /// - Throws: `badData` for a quoted field that never closes; whatever `body` throws.
    public func forEachRecord(_ body: (CSVRecord) throws -> Void) throws {
        try fill()
        if delimiter == 0 { delimiter = Self.guessDelimiter(buffer) }
        while true {
            let outcome = try scanRecord()
            switch outcome {
            case .needMore:
                try fill()
            case .finished:
                return
            case let .record(end, fieldCount, newlines, malformed):
                unescapeFields(count: fieldCount)
                try buffer.withUnsafeBufferPointer { pointer in
                    let record = CSVRecord(line: line, fieldCount: fieldCount, malformedField: malformed,
                                           base: pointer.baseAddress!, starts: starts, ends: ends)
                    try body(record)
                }
                line += newlines
                consumed = end
            }
        }
    }

    private enum ScanOutcome {
        case record(end: Int, fieldCount: Int, newlines: Int, malformed: Int?)
        case needMore
        case finished
    }

    private func fill() throws {
        if atEnd { return }
        if consumed > 0 {
            buffer.removeSubrange(0..<consumed)
            consumed = 0
        }
        let before = buffer.count
        while buffer.count == before {
            if try !source.read(into: &buffer) { atEnd = true; return }
        }
    }

    private func growFields() {
        let newCapacity = capacity * 2
        let newStarts = UnsafeMutablePointer<Int>.allocate(capacity: newCapacity)
        let newEnds = UnsafeMutablePointer<Int>.allocate(capacity: newCapacity)
        let newEscaped = UnsafeMutablePointer<Bool>.allocate(capacity: newCapacity)
        newStarts.update(from: starts, count: capacity)
        newEnds.update(from: ends, count: capacity)
        newEscaped.update(from: escaped, count: capacity)
        starts.deallocate(); ends.deallocate(); escaped.deallocate()
        starts = newStarts; ends = newEnds; escaped = newEscaped
        capacity = newCapacity
    }

    private func scanRecord() throws -> ScanOutcome {
        let quote: UInt8 = 0x22, cr: UInt8 = 0x0D, lf: UInt8 = 0x0A
        let delimiter = self.delimiter
        let atEnd = self.atEnd
        let start = consumed
        if start >= buffer.count { return atEnd ? .finished : .needMore }
        var unterminatedAt: (line: Int, field: Int)?
        let outcome: ScanOutcome = buffer.withUnsafeBufferPointer { pointer in
            let bytes = pointer.baseAddress!
            let count = pointer.count
            var index = start
            var fieldCount = 0
            var newlines = 0
            var malformed: Int?
            while true {
                if fieldCount == capacity { growFields() }
                if index < count && bytes[index] == quote {
                    index += 1
                    let contentStart = index
                    var hasEscapes = false
                    var closed = false
                    while index < count {
                        let byte = bytes[index]
                        if byte == quote {
                            if index + 1 < count {
                                if bytes[index + 1] == quote { hasEscapes = true; index += 2; continue }
                                closed = true; break
                            }
                            if atEnd { closed = true; break }
                            return .needMore
                        }
                        if byte == lf { newlines += 1 }
                        index += 1
                    }
                    if !closed {
                        if atEnd {
                            unterminatedAt = (line, fieldCount + 1)
                            return .finished
                        }
                        return .needMore
                    }
                    starts[fieldCount] = contentStart
                    ends[fieldCount] = index
                    escaped[fieldCount] = hasEscapes
                    index += 1
                    if index < count && bytes[index] != delimiter && bytes[index] != cr && bytes[index] != lf {
                        if malformed == nil { malformed = fieldCount }
                        while index < count && bytes[index] != delimiter && bytes[index] != cr && bytes[index] != lf {
                            index += 1
                        }
                        if index >= count && !atEnd { return .needMore }
                    }
                } else {
                    let fieldStart = index
                    while index < count {
                        let byte = bytes[index]
                        if byte == delimiter || byte == cr || byte == lf { break }
                        index += 1
                    }
                    if index >= count && !atEnd { return .needMore }
                    starts[fieldCount] = fieldStart
                    ends[fieldCount] = index
                    escaped[fieldCount] = false
                }
                fieldCount += 1
                if index >= count {
                    return .record(end: index, fieldCount: fieldCount, newlines: newlines, malformed: malformed)
                }
                let byte = bytes[index]
                if byte == delimiter { index += 1; continue }
                if byte == cr {
                    index += 1
                    if index < count {
                        if bytes[index] == lf { index += 1 }
                    } else if !atEnd {
                        return .needMore
                    }
                }
                else { index += 1 }  // LF
                newlines += 1
                return .record(end: index, fieldCount: fieldCount, newlines: newlines, malformed: malformed)
            }
        }
        if let unterminatedAt {
            let problem = DataProblem(
                location: SourceLocation(file: source.displayName, line: unterminatedAt.line,
                                         column: nil, columnNumber: unterminatedAt.field),
                message: Message(.quoteNeverCloses))
            throw WellBeingError.badData(Message(.cannotReadCSV, ["file": source.displayName]), problems: [problem])
        }
        return outcome
    }

    /// Turns `""` into `"` inside the quoted fields that have them, in place.
    private func unescapeFields(count: Int) {
        for field in 0..<count where escaped[field] {
            buffer.withUnsafeMutableBufferPointer { pointer in
                var read = starts[field], write = starts[field]
                let end = ends[field]
                while read < end {
                    let byte = pointer[read]
                    pointer[write] = byte
                    write += 1
                    read += (byte == 0x22 && read + 1 < end && pointer[read + 1] == 0x22) ? 2 : 1
                }
                ends[field] = write
            }
        }
    }

    /// Tab when the first line has more tabs than commas outside quotes, else comma.
    static func guessDelimiter(_ bytes: [UInt8]) -> UInt8 {
        var commas = 0, tabs = 0, inQuotes = false
        for byte in bytes {
            if byte == 0x22 { inQuotes.toggle() }
            if inQuotes { continue }
            if byte == 0x0A || byte == 0x0D { break }
            if byte == 0x2C { commas += 1 } else if byte == 0x09 { tabs += 1 }
        }
        return tabs > commas ? 0x09 : 0x2C
    }
}
