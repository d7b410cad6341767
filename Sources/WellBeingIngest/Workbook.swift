import Foundation
import WellBeingCore
import ZIPFoundation

/// An .xlsx workbook opened for reading rows (Microsoft Forms' "Open in Excel", Excel, LibreOffice, Google
/// Sheets): the ZIP container, the workbook → sheet relationships, shared strings, the date formats of the
/// styles, and one worksheet streamed row by row as `CSVRecord`s, so that survey rows are validated exactly
/// as CSV rows are.
///
/// Defensive by design: every part is inflated with a cap on its size and on its compression ratio (zip
/// bombs), XML with a DTD or unknown entities is refused, relationships pointing outside the package are
/// refused, cells beyond Excel's last column (XFD) or repeated in a row are refused, and macros (`.xlsm`) are
/// never read. Problems are `badData` errors naming the file and the part or cell.
public final class WorkbookReader: RecordSource {
    /// Limits on what a workbook may inflate to.
    public enum Limits {
        /// The worksheet streamed row by row.
        public static let sheetBytes: UInt64 = 4 << 30
        /// The shared-strings part, streamed.
        public static let sharedStringBytes: UInt64 = 512 << 20
        /// What the shared-string table may hold in memory: its texts plus 4 bytes per text.
        public static let sharedStringMemory = 256 << 20
        /// How many shared strings a workbook may have (far more than a survey's distinct answers).
        public static let sharedStringCount = 1 << 23
        /// The small parts: workbook, relationships, styles.
        public static let smallPartBytes: UInt64 = 32 << 20
        /// A part that inflates more than this many times its compressed size (beyond 16 MB) is a zip bomb;
        /// real sheets compress 5 to 50 times.
        public static let ratio: UInt64 = 300
        /// Excel's last column, XFD.
        public static let columns = 16_384
    }

    public let displayName: String
    public let fileSize: Int
    /// The sheet's name as the workbook lists it.
    public let sheetName: String
    private let path: String
    private let archive: Archive
    private let sheetEntry: Entry
    private let sharedStrings: SharedStrings
    /// For each cell style (`s`), whether its number format is a date or time.
    private let dateStyles: [Bool]
    private let uses1904: Bool
    private var inflated: UInt64 = 0

    public var encodingName: String { "Excel .xlsx" }
    public var sheet: String? { sheetName }
    public var rawBytesRead: Int {
        let total = max(sheetEntry.uncompressedSize, 1)
        return Int(Double(fileSize) * min(1, Double(inflated) / Double(total)))
    }

    /// Opens `path` and the sheet `sheet` (a name, or a number counting from 1; nil: the first sheet).
    ///
    /// - Throws: `inputMissing` when the file cannot be opened; `badData` for a damaged or hostile workbook,
    ///   naming the part; `usage` for a sheet that does not exist, naming the ones that do.
    public init(path: String, displayName: String? = nil, sheet requested: String? = nil) throws {
        self.path = path
        let name = displayName ?? (path as NSString).lastPathComponent
        self.displayName = name
        fileSize = (try? FileManager.default.attributesOfItem(atPath: path)[.size] as? Int) ?? 0
        func refuse(_ reason: Message, part: String? = nil) -> WellBeingError {
            WellBeingError.badData(Message(.workbookUnreadable, ["file": name]), problems: [
                DataProblem(location: SourceLocation(file: name, column: part), message: reason)])
        }
        do {
            archive = try Archive(url: URL(fileURLWithPath: path), accessMode: .read)
        } catch {
            throw refuse(Message(.notAZip))
        }
        // The workbook part, from the package relationships (usually xl/workbook.xml).
        let root = try Self.readSmallPart(archive, "_rels/.rels", file: name, required: false)
        var workbookPath = "xl/workbook.xml"
        if let root {
            for relation in try Self.relationships(root, part: "_rels/.rels", file: name)
            where relation.type.hasSuffix("/officeDocument") {
                workbookPath = try Self.resolve(relation.target, from: "", external: relation.external, file: name)
            }
        }
        guard let workbookXML = try Self.readSmallPart(archive, workbookPath, file: name, required: true) else {
            throw refuse(Message(.partMissing), part: workbookPath)
        }
        let folder = (workbookPath as NSString).deletingLastPathComponent
        let relationsPath = (folder.isEmpty ? "" : folder + "/") + "_rels/" + (workbookPath as NSString).lastPathComponent + ".rels"
        guard let relationsXML = try Self.readSmallPart(archive, relationsPath, file: name, required: true) else {
            throw refuse(Message(.partMissing), part: relationsPath)
        }
        let relations = try Self.relationships(relationsXML, part: relationsPath, file: name)
        // Sheets in workbook order, and the 1904 date system.
        var sheets: [(name: String, relation: String)] = []
        var uses1904 = false
        try Self.scan(workbookXML, part: workbookPath, file: name) { event in
            guard case let .start(tag, attributes, _) = event else { return }
            if XMLScanner.isNamed(tag, "sheet") {
                guard let sheetName = try attributes.string("name"), let relation = try attributes.string("id") else {
                    throw XMLScanner.Refusal(Message(.sheetNoName))
                }
                sheets.append((sheetName, relation))
            } else if XMLScanner.isNamed(tag, "workbookPr"), let value = try attributes.string("date1904") {
                uses1904 = value == "1" || value.lowercased() == "true"
            }
        }
        self.uses1904 = uses1904
        guard !sheets.isEmpty else { throw refuse(Message(.noSheets), part: workbookPath) }
        let chosen: (name: String, relation: String)
        if let requested {
            if let match = sheets.first(where: { $0.name == requested }) {
                chosen = match
            } else if let number = Int(requested), number >= 1, number <= sheets.count {
                chosen = sheets[number - 1]
            } else {
                throw WellBeingError(.usage, Message(.unknownSheet, [
                    "file": name, "sheet": requested,
                    "sheets": sheets.enumerated().map { "\($0.offset + 1) '\($0.element.name)'" }.joined(separator: ", ")]))
            }
        } else {
            chosen = sheets[0]
        }
        sheetName = chosen.name
        guard let relation = relations.first(where: { $0.id == chosen.relation }) else {
            throw refuse(Message(.sheetMissing, ["sheet": chosen.name]), part: relationsPath)
        }
        let sheetPath = try Self.resolve(relation.target, from: folder, external: relation.external, file: name)
        guard let entry = archive[sheetPath] else { throw refuse(Message(.sheetMissing, ["sheet": chosen.name]), part: sheetPath) }
        sheetEntry = entry
        // Shared strings and styles, when the workbook has them.
        var strings = SharedStrings()
        var dates: [Bool] = []
        for relation in relations {
            let target = try Self.resolve(relation.target, from: folder, external: relation.external, file: name)
            if relation.type.hasSuffix("/sharedStrings") {
                strings = try Self.sharedStrings(archive, target, file: name)
            } else if relation.type.hasSuffix("/styles"), let styles = try Self.readSmallPart(archive, target, file: name, required: false) {
                dates = try Self.dateStyles(styles, part: target, file: name)
            }
        }
        sharedStrings = strings
        dateStyles = dates
    }

    public func fileSHA256() throws -> String { try RecordSources.sha256(ofFile: path) }

    /// Whether the file at `path` starts as a ZIP package does.
    public static func isZip(_ prefix: [UInt8]) -> Bool {
        prefix.count >= 4 && prefix[0] == 0x50 && prefix[1] == 0x4B && prefix[2] == 0x03 && prefix[3] == 0x04
    }

    /// Whether the file is an OLE compound document: an old .xls, or an .xlsx saved with a password.
    public static func isCompoundDocument(_ prefix: [UInt8]) -> Bool {
        prefix.starts(with: [0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1])
    }

    // MARK: Rows

    /// Streams the sheet: one record per `<row>` (its number as `line`), cells placed by their reference.
    public func forEachRecord(_ body: (CSVRecord) throws -> Void) throws {
        var state = SheetState(sharedStrings: sharedStrings, dateStyles: dateStyles, uses1904: uses1904)
        var scanner = XMLScanner()
        let part = sheetEntry.path
        let limit = Limits.sheetBytes
        let compressed = max(sheetEntry.compressedSize, 1)
        inflated = 0
        /// An error of `body`, carried through ZIPFoundation untouched: every other error from it is a damaged part.
        struct BodyError: Error { let error: any Error }
        func emit(_ record: CSVRecord) throws {
            do { try body(record) } catch { throw BodyError(error: error) }
        }
        do {
            _ = try archive.extract(sheetEntry, bufferSize: 1 << 20, skipCRC32: true) { data in
                inflated += UInt64(data.count)
                try Self.refuseInflation(inflated, compressed: compressed, limit: limit)
                try data.withUnsafeBytes { raw in
                    try scanner.feed(raw.bindMemory(to: UInt8.self)) { event in try state.handle(event, emit: emit) }
                }
            }
            try scanner.finish()
        } catch let error as BodyError {
            throw error.error
        } catch let refusal as XMLScanner.Refusal {
            throw WellBeingError.badData(Message(.workbookUnreadable, ["file": displayName]), problems: [
                refusal.problem(at: SourceLocation(file: displayName, line: state.row > 0 ? state.row : nil, column: part,
                                                   sheet: sheetName))])
        } catch let error as SheetState.CellProblem {
            throw WellBeingError.badData(Message(.workbookUnreadable, ["file": displayName]), problems: [
                error.refusal.problem(at: SourceLocation(file: displayName, line: error.row, columnNumber: error.column, sheet: sheetName))])
        } catch {
            throw WellBeingError.badData(Message(.workbookUnreadable, ["file": displayName]), problems: [
                DataProblem(location: SourceLocation(file: displayName, column: part),
                            message: Message(.partDamaged, ["detail": "\(error)"]))])
        }
    }

    /// Refuses a part that has inflated to more than `limit`, or (beyond 16 MB) more than `Limits.ratio` times its
    /// compressed size: a zip bomb.
    static func refuseInflation(_ size: UInt64, compressed: UInt64, limit: UInt64) throws {
        guard size > limit || (size > 16 << 20 && size / compressed > Limits.ratio) else { return }
        throw XMLScanner.Refusal(Message(.zipBomb, ["limit": size > limit ? "\(limit >> 20) MB" : "\(Limits.ratio) × compressed"]))
    }

    /// Parsing state of the sheet XML: the row being built and the cell being read.
    private struct SheetState {
        struct CellProblem: Error {
            var row: Int
            var column: Int?
            var refusal: XMLScanner.Refusal

            init(row: Int, column: Int?, _ message: Message) {
                (self.row, self.column, refusal) = (row, column, XMLScanner.Refusal(message))
            }
        }

        let sharedStrings: SharedStrings
        let dateStyles: [Bool]
        let uses1904: Bool
        /// The current row's number (from `r`, or one past the last).
        var row = 0
        var bytes: [UInt8] = []
        var starts: [Int] = []
        var ends: [Int] = []
        /// The number of fields of the current row so far (the last cell with a value, plus one).
        var fields = 0
        /// The header's width (the first row's), so that shorter rows are padded with empty fields.
        var width: Int?
        var errorField: Int?
        /// Why `errorField` is refused, when it is not an Excel error value.
        var errorReason: Message?
        // The current cell.
        var inCell = false
        var cellColumn = 0
        var lastColumn = -1
        var cellType: CellType = .number
        var cellStyle = 0
        var inValue = false
        var inInline = false
        var inPhonetic = false
        var inInlineText = false
        var value: [UInt8] = []
        var sawValue = false

        enum CellType { case number, shared, inline, formulaString, boolean, error, date }

        init(sharedStrings: SharedStrings, dateStyles: [Bool], uses1904: Bool) {
            self.sharedStrings = sharedStrings
            self.dateStyles = dateStyles
            self.uses1904 = uses1904
        }

        mutating func handle(_ event: XMLScanner.Event, emit: (CSVRecord) throws -> Void) throws {
            switch event {
            case let .start(name, attributes, selfClosing):
                switch Self.tag(XMLScanner.localName(name)) {
                case .cell:
                    try startCell(attributes)
                    if selfClosing { try endCell() }
                case .value: inValue = !selfClosing
                case .inlineString: inInline = !selfClosing
                case .text: inInlineText = inInline && !inPhonetic && !selfClosing
                case .phonetic: inPhonetic = !selfClosing
                case .row:
                    try startRow(attributes)
                    if selfClosing { try endRow(emit) }
                case .dimension:
                    if let reference = try attributes.string("ref") {
                        for corner in reference.split(separator: ":") where Self.cellReference(Array(corner.utf8)) == nil {
                            throw CellProblem(row: 0, column: nil, Message(.dimensionOutside, ["reference": reference]))
                        }
                    }
                case .other: break
                }
            case let .end(name):
                switch Self.tag(XMLScanner.localName(name)) {
                case .cell: try endCell()
                case .value: inValue = false
                case .inlineString: inInline = false
                case .text: inInlineText = false
                case .phonetic: inPhonetic = false
                case .row: try endRow(emit)
                case .dimension, .other: break
                }
            case let .text(text):
                if inCell && (inValue || inInlineText) {
                    value.append(contentsOf: text)
                    sawValue = true
                }
            }
        }

        enum Tag { case cell, value, inlineString, text, phonetic, row, dimension, other }

        /// The sheet elements that matter, told apart by their first bytes.
        @inline(__always)
        static func tag(_ name: UnsafeBufferPointer<UInt8>) -> Tag {
            switch name.count {
            case 1:
                switch name[0] {
                case UInt8(ascii: "c"): return .cell
                case UInt8(ascii: "v"): return .value
                case UInt8(ascii: "t"): return .text
                default: return .other
                }
            case 2: return name[0] == UInt8(ascii: "i") && name[1] == UInt8(ascii: "s") ? .inlineString : .other
            case 3:
                if XMLScanner.equals(name, StaticString("row").utf8Buffer) { return .row }
                if XMLScanner.equals(name, StaticString("rPh").utf8Buffer) { return .phonetic }
                return .other
            case 9: return XMLScanner.equals(name, StaticString("dimension").utf8Buffer) ? .dimension : .other
            default: return .other
            }
        }

        /// A whole number written in ASCII digits; nil for anything else.
        @inline(__always)
        static func integer(_ bytes: UnsafeBufferPointer<UInt8>) -> Int? {
            guard !bytes.isEmpty, bytes.count <= 18 else { return nil }
            var value = 0
            for byte in bytes {
                guard byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9") else { return nil }
                value = value * 10 + Int(byte - UInt8(ascii: "0"))
            }
            return value
        }

        mutating func startRow(_ attributes: XMLScanner.Attributes) throws {
            if let number = try attributes.raw("r") {
                guard let value = Self.integer(number), value > row, value <= 1_048_576 else {
                    throw CellProblem(row: row + 1, column: nil, Message(.rowOutOfOrder, ["number": String(decoding: number, as: UTF8.self),
                                                                                          "row": "\(row)"]))
                }
                row = value
            } else {
                row += 1
            }
            bytes.removeAll(keepingCapacity: true)
            starts.removeAll(keepingCapacity: true)
            ends.removeAll(keepingCapacity: true)
            fields = 0
            lastColumn = -1
            errorField = nil
            errorReason = nil
        }

        mutating func startCell(_ attributes: XMLScanner.Attributes) throws {
            // r, t and s in one pass (they are one letter each).
            var referenceValue: UnsafeBufferPointer<UInt8>?, typeValue: UnsafeBufferPointer<UInt8>?, styleValue: UnsafeBufferPointer<UInt8>?
            try attributes.forEach { name, value in
                guard name.count == 1 else { return }
                switch name[0] {
                case UInt8(ascii: "r"): referenceValue = value
                case UInt8(ascii: "t"): typeValue = value
                case UInt8(ascii: "s"): styleValue = value
                default: break
                }
            }
            if let reference = referenceValue {
                guard let (column, cellRow) = Self.cellReference(reference) else {
                    throw CellProblem(row: row, column: nil, Message(.cellOutsideGrid, ["reference": String(decoding: reference, as: UTF8.self)]))
                }
                guard cellRow == row else {
                    throw CellProblem(row: row, column: column + 1, Message(.cellWrongRow, ["cellRow": "\(cellRow)", "row": "\(row)"]))
                }
                guard column > lastColumn else {
                    throw CellProblem(row: row, column: column + 1, Message(.cellTwice))
                }
                cellColumn = column
            } else {
                cellColumn = lastColumn + 1
                guard cellColumn < Limits.columns else {
                    throw CellProblem(row: row, column: nil, Message(.tooManyCells))
                }
            }
            lastColumn = cellColumn
            cellType = .number
            if let type = typeValue, let first = type.first {
                switch first {
                case UInt8(ascii: "s"): cellType = type.count == 1 ? .shared : .formulaString
                case UInt8(ascii: "i"): cellType = .inline
                case UInt8(ascii: "b"): cellType = .boolean
                case UInt8(ascii: "e"): cellType = .error
                case UInt8(ascii: "d"): cellType = .date
                default: cellType = .number
                }
            }
            cellStyle = styleValue.flatMap { Self.integer($0) } ?? 0
            inCell = true
            value.removeAll(keepingCapacity: true)
            sawValue = false
        }

        mutating func endCell() throws {
            guard inCell else { return }
            inCell = false
            inValue = false
            var text: [UInt8]
            switch cellType {
            case .shared:
                guard sawValue else { return }
                guard let index = value.withUnsafeBufferPointer({ Self.integer($0) }), index < sharedStrings.count else {
                    throw CellProblem(row: row, column: cellColumn + 1, Message(.sharedStringMissing, ["index": String(decoding: value, as: UTF8.self)]))
                }
                try appendField(sharedStrings[index])
                return
            case .boolean:
                guard sawValue else { return }
                text = Array((value == [UInt8(ascii: "1")] ? "TRUE" : "FALSE").utf8)
            case .number:
                guard sawValue else { return }
                if value.contains(where: XMLScanner.isSpace) { value.removeAll(where: XMLScanner.isSpace) }
                if cellStyle < dateStyles.count, dateStyles[cellStyle], let serial = Double(String(decoding: value, as: UTF8.self)) {
                    if let date = ExcelDate.isoText(serial: serial, uses1904: uses1904) {
                        text = Array(date.utf8)
                    } else {
                        // 1e20, -5, NaN: Excel itself shows ##### there; refused with the cell, never guessed.
                        text = value
                        if errorField == nil {
                            errorField = cellColumn
                            errorReason = Message(.dateSerialOutside, ["first": uses1904 ? "1904-01-01" : "1900-01-01",
                                                                       "last": "9999-12-31",
                                                                       "limit": "\(Int(ExcelDate.lastSerial(uses1904: uses1904)))"])
                        }
                    }
                } else {
                    try appendField(value)
                    return
                }
            case .error:
                text = value
                if errorField == nil { errorField = cellColumn }
            case .inline, .formulaString:
                guard sawValue else { return }
                text = ExcelText.unescape(value)
            case .date:
                guard sawValue else { return }
                text = value
            }
            try appendField(text)
        }

        /// Places the current cell's text at its column, padding the columns before it with empty fields.
        @inline(__always)
        mutating func appendField<Text: Collection<UInt8>>(_ text: Text) throws {
            if text.isEmpty && cellType != .error { return }
            while starts.count < cellColumn {
                starts.append(bytes.count)
                ends.append(bytes.count)
            }
            starts.append(bytes.count)
            bytes.append(contentsOf: text)
            ends.append(bytes.count)
            fields = cellColumn + 1
        }

        mutating func endRow(_ emit: (CSVRecord) throws -> Void) throws {
            let count = max(fields, width ?? 0)
            if width == nil {
                guard fields > 0 else { return }  // rows before the header that hold nothing
                width = fields
            }
            while starts.count < count {
                starts.append(bytes.count)
                ends.append(bytes.count)
            }
            if bytes.isEmpty { bytes.append(0) }  // a valid base address for an all-empty row
            try bytes.withUnsafeBufferPointer { base in
                try starts.withUnsafeBufferPointer { starts in
                    try ends.withUnsafeBufferPointer { ends in
                        try emit(CSVRecord(line: row, fieldCount: count, malformedField: errorField, malformedReason: errorReason,
                                           base: base.baseAddress!, starts: starts.baseAddress!, ends: ends.baseAddress!))
                    }
                }
            }
        }

        /// `J1235` → (column 9, row 1235); nil beyond XFD or row 1048576.
        static func cellReference(_ text: [UInt8]) -> (column: Int, row: Int)? {
            text.withUnsafeBufferPointer { cellReference($0) }
        }

        static func cellReference(_ reference: UnsafeBufferPointer<UInt8>) -> (column: Int, row: Int)? {
            var column = 0, row = 0, position = 0
            while position < reference.count, reference[position] >= UInt8(ascii: "A"), reference[position] <= UInt8(ascii: "Z") {
                column = column * 26 + Int(reference[position] - UInt8(ascii: "A")) + 1
                position += 1
                if column > Limits.columns { return nil }
            }
            guard column > 0, position < reference.count else { return nil }
            while position < reference.count, reference[position] >= UInt8(ascii: "0"), reference[position] <= UInt8(ascii: "9") {
                row = row * 10 + Int(reference[position] - UInt8(ascii: "0"))
                position += 1
                if row > 1_048_576 { return nil }
            }
            guard position == reference.count, row > 0 else { return nil }
            return (column - 1, row)
        }
    }

    // MARK: Parts

    /// A relationship of a `.rels` part.
    struct Relationship {
        var id: String
        var type: String
        var target: String
        var external: Bool
    }

    static func relationships(_ xml: [UInt8], part: String, file: String) throws -> [Relationship] {
        var result: [Relationship] = []
        try scan(xml, part: part, file: file) { event in
            guard case let .start(tag, attributes, _) = event, XMLScanner.isNamed(tag, "Relationship") else { return }
            guard let id = try attributes.string("Id"), let type = try attributes.string("Type"),
                  let target = try attributes.string("Target") else {
                throw XMLScanner.Refusal(Message(.relationshipIncomplete))
            }
            result.append(Relationship(id: id, type: type, target: target,
                                       external: try attributes.string("TargetMode") == "External"))
        }
        return result
    }

    /// The path inside the package of a relationship's target, relative to `folder` (or absolute with '/').
    static func resolve(_ target: String, from folder: String, external: Bool, file: String) throws -> String {
        guard !external, !target.contains("://") else {
            throw WellBeingError.badData(Message(.workbookUnreadable, ["file": file]), problems: [
                DataProblem(location: SourceLocation(file: file), message: Message(.outsideWorkbook, ["target": target]))])
        }
        var components: [String] = target.hasPrefix("/") ? [] : folder.split(separator: "/").map(String.init)
        for component in target.split(separator: "/") {
            if component == ".." {
                guard !components.isEmpty else {
                    throw WellBeingError.badData(Message(.workbookUnreadable, ["file": file]), problems: [
                        DataProblem(location: SourceLocation(file: file), message: Message(.outsidePackage, ["target": target]))])
                }
                components.removeLast()
            } else if component != "." {
                components.append(String(component))
            }
        }
        return components.joined(separator: "/")
    }

    /// A whole small part, inflated with the limits; nil when absent and not required.
    static func readSmallPart(_ archive: Archive, _ path: String, file: String, required: Bool,
                              limit: UInt64 = Limits.smallPartBytes) throws -> [UInt8]? {
        guard let entry = archive[path] else {
            if required {
                throw WellBeingError.badData(Message(.workbookUnreadable, ["file": file]), problems: [
                    DataProblem(location: SourceLocation(file: file, column: path), message: Message(.partMissing))])
            }
            return nil
        }
        var bytes: [UInt8] = []
        try inflate(archive, entry, path: path, file: file, limit: limit, bufferSize: 1 << 16) { bytes.append(contentsOf: $0) }
        return bytes
    }

    /// Inflates the part `entry` (at `path`) chunk by chunk into `body`, refusing it beyond `limit` or the zip-bomb
    /// ratio, then runs `finish`; refusals and damage become errors naming the file and the part.
    static func inflate(_ archive: Archive, _ entry: Entry, path: String, file: String, limit: UInt64, bufferSize: Int,
                        _ body: (Data) throws -> Void, finish: () throws -> Void = {}) throws {
        var inflated: UInt64 = 0
        let compressed = max(entry.compressedSize, 1)
        do {
            _ = try archive.extract(entry, bufferSize: bufferSize, skipCRC32: false) { data in
                inflated += UInt64(data.count)
                try refuseInflation(inflated, compressed: compressed, limit: limit)
                try body(data)
            }
            try finish()
        } catch let refusal as XMLScanner.Refusal {
            throw WellBeingError.badData(Message(.workbookUnreadable, ["file": file]), problems: [
                refusal.problem(at: SourceLocation(file: file, column: path))])
        } catch {
            throw WellBeingError.badData(Message(.workbookUnreadable, ["file": file]), problems: [
                DataProblem(location: SourceLocation(file: file, column: path), message: Message(.partDamaged, ["detail": "\(error)"]))])
        }
    }

    /// Scans a whole small part, turning XML refusals into located errors.
    static func scan(_ xml: [UInt8], part: String, file: String, handler: (XMLScanner.Event) throws -> Void) throws {
        var scanner = XMLScanner()
        do {
            try xml.withUnsafeBufferPointer { try scanner.feed($0, handler: handler) }
            try scanner.finish()
        } catch let refusal as XMLScanner.Refusal {
            throw WellBeingError.badData(Message(.workbookUnreadable, ["file": file]), problems: [
                refusal.problem(at: SourceLocation(file: file, column: part))])
        }
    }

    /// The shared strings, each the concatenation of its `<t>` runs (phonetic `<rPh>` runs left out), streamed
    /// from the part into one compact table; a table beyond `Limits.sharedStringCount` texts or
    /// `Limits.sharedStringMemory` bytes is refused with the part named.
    static func sharedStrings(_ archive: Archive, _ path: String, file: String, countLimit: Int = Limits.sharedStringCount,
                              memoryLimit: Int = Limits.sharedStringMemory) throws -> SharedStrings {
        guard let entry = archive[path] else { return SharedStrings() }
        var strings = SharedStrings()
        var current: [UInt8] = []
        var inItem = false, inText = false, inPhonetic = false
        let refusal = XMLScanner.Refusal(Message(.sharedStringsTooLarge, [
            "count": "\(countLimit)", "limit": memoryLimit >= 1 << 20 ? "\(memoryLimit >> 20) MB" : "\(memoryLimit) bytes"]))
        func add(_ text: [UInt8]) throws {
            guard strings.count < countLimit, strings.bytes.count + text.count + 4 * (strings.count + 1) <= memoryLimit else {
                throw refusal
            }
            strings.append(text)
        }
        var scanner = XMLScanner()
        try inflate(archive, entry, path: path, file: file, limit: Limits.sharedStringBytes, bufferSize: 1 << 20, { data in
            try data.withUnsafeBytes { raw in
                try scanner.feed(raw.bindMemory(to: UInt8.self)) { event in
                    switch event {
                    case let .start(tag, attributes, selfClosing):
                        if XMLScanner.isNamed(tag, "si") {
                            current.removeAll(keepingCapacity: true)
                            inItem = true
                            if selfClosing { try add([]); inItem = false }
                        } else if XMLScanner.isNamed(tag, "sst") {
                            // Excel says how many texts follow: a table beyond the bound is refused before reading it.
                            if let declared = try attributes.string("uniqueCount").flatMap({ Int($0) }), declared > countLimit {
                                throw refusal
                            }
                        } else if XMLScanner.isNamed(tag, "rPh") {
                            inPhonetic = !selfClosing
                        } else if XMLScanner.isNamed(tag, "t") {
                            inText = inItem && !inPhonetic && !selfClosing
                        }
                    case let .end(tag):
                        if XMLScanner.isNamed(tag, "si") {
                            try add(ExcelText.unescape(current))
                            inItem = false
                        } else if XMLScanner.isNamed(tag, "rPh") {
                            inPhonetic = false
                        } else if XMLScanner.isNamed(tag, "t") {
                            inText = false
                        }
                    case let .text(text):
                        guard inText else { return }
                        current.append(contentsOf: text)
                        if current.count > memoryLimit { try add(current) }  // refused: one text too long
                    }
                }
            }
        }, finish: { try scanner.finish() })
        return strings
    }

    /// For each cell format of `cellXfs`, whether its number format shows a date or time.
    static func dateStyles(_ xml: [UInt8], part: String, file: String) throws -> [Bool] {
        var customDates: Set<Int> = []
        var styles: [Bool] = []
        var inCellFormats = false
        try scan(xml, part: part, file: file) { event in
            switch event {
            case let .start(tag, attributes, selfClosing):
                if XMLScanner.isNamed(tag, "numFmt"), let id = try attributes.string("numFmtId").flatMap({ Int($0) }),
                   let code = try attributes.string("formatCode"), ExcelDate.isDateFormat(code) {
                    customDates.insert(id)
                } else if XMLScanner.isNamed(tag, "cellXfs") {
                    inCellFormats = !selfClosing
                } else if inCellFormats && XMLScanner.isNamed(tag, "xf") {
                    let id = try attributes.string("numFmtId").flatMap { Int($0) } ?? 0
                    styles.append(ExcelDate.builtInDateFormats.contains(id) || customDates.contains(id))
                }
            case let .end(tag):
                if XMLScanner.isNamed(tag, "cellXfs") { inCellFormats = false }
            case .text:
                break
            }
        }
        return styles
    }
}

/// A workbook's shared strings in one buffer, with where each ends: 4 bytes per text beside the text itself
/// (an array per text would cost some 50 bytes more each, gigabytes for a package of millions of short texts).
struct SharedStrings {
    private(set) var bytes: [UInt8] = []
    private var ends: [UInt32] = []

    var count: Int { ends.count }

    /// The text at `index` (0 ≤ index < count).
    subscript(index: Int) -> ArraySlice<UInt8> {
        bytes[(index == 0 ? 0 : Int(ends[index - 1]))..<Int(ends[index])]
    }

    /// Adds a text; the table's total stays below 4 GB (the caller bounds it far lower).
    mutating func append(_ text: [UInt8]) {
        bytes.append(contentsOf: text)
        ends.append(UInt32(bytes.count))
    }
}

/// Excel's escapes in strings: a character XML cannot hold is written `_xHHHH_` (and a literal `_x` that
/// would read as one is written `_x005F_x…`).
enum ExcelText {
    static func unescape(_ bytes: [UInt8]) -> [UInt8] {
        guard bytes.count >= 7, bytes.contains(UInt8(ascii: "_")) else { return bytes }
        var result: [UInt8] = []
        result.reserveCapacity(bytes.count)
        var index = 0
        while index < bytes.count {
            if bytes[index] == UInt8(ascii: "_"), index + 6 < bytes.count, bytes[index + 1] == UInt8(ascii: "x"),
               bytes[index + 6] == UInt8(ascii: "_"),
               let value = UInt32(String(decoding: bytes[(index + 2)...(index + 5)], as: UTF8.self), radix: 16),
               let scalar = Unicode.Scalar(value) {
                result.append(contentsOf: Array(String(Character(scalar)).utf8))
                index += 7
            } else {
                result.append(bytes[index])
                index += 1
            }
        }
        return result
    }
}

/// Excel's date serials: days since 1899-12-30 (the 1900 system, counting Excel's phantom 29 February 1900)
/// or since 1904-01-01, the fraction being the time of day.
enum ExcelDate {
    /// Number formats 14–22 and 45–47 are dates or times in every locale; 27–36 and 50–58 are the East Asian
    /// date formats (年月日, 和暦).
    static let builtInDateFormats: Set<Int> = Set(14...22).union(45...47).union(27...36).union(50...58)

    /// Whether a custom format code shows a date or time: y, m, d, h or s outside quotes, brackets and escapes
    /// (`[$-411]ggge"年"m"月"d"日"` is a date; `0.00"m"` is not).
    static func isDateFormat(_ code: String) -> Bool {
        if code.lowercased() == "general" { return false }
        var inQuotes = false, inBrackets = false, escaped = false
        for character in code.lowercased() {
            if escaped { escaped = false; continue }
            switch character {
            case "\\": escaped = true
            case "\"": inQuotes.toggle()
            case "[": if !inQuotes { inBrackets = true }
            case "]": if !inQuotes { inBrackets = false }
            case "y", "m", "d", "h", "s":
                if !inQuotes && !inBrackets { return true }
            default: break
            }
        }
        return false
    }

    /// The serial of 9999-12-31, Excel's last day: 2958465 in the 1900 system, 2957003 in the 1904 one.
    static func lastSerial(uses1904: Bool) -> Double { uses1904 ? 2_957_003 : 2_958_465 }

    /// `2025-09-01` for a whole day, `2025-09-01T10:30:00` with a time (seconds rounded); nil for a serial
    /// Excel cannot show as a date (negative, beyond 9999-12-31, not finite).
    static func isoText(serial: Double, uses1904: Bool) -> String? {
        // 0 ≤ serial < 1 is a time of day alone (in the 1900 system shown on the day before 1900-01-01).
        guard serial.isFinite, serial >= 0, serial < lastSerial(uses1904: uses1904) + 1 else { return nil }
        var days = serial.rounded(.down)
        var seconds = ((serial - days) * 86_400).rounded()
        if seconds >= 86_400 { days += 1; seconds -= 86_400 }
        // The 1900 system counts 1900-02-29, which never was: serials before 61 are a day later than their date.
        var offset = days
        if !uses1904 && days < 61 { offset += 1 }
        let base = uses1904 ? DateComponents(year: 1904, month: 1, day: 1) : DateComponents(year: 1899, month: 12, day: 30)
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "UTC")!
        let start = calendar.date(from: base)!
        let date = calendar.date(byAdding: .day, value: Int(offset), to: start)!
        let parts = calendar.dateComponents([.year, .month, .day], from: date)
        var text = String(format: "%04d-%02d-%02d", parts.year!, parts.month!, parts.day!)
        if seconds > 0 {
            let whole = Int(seconds)
            text += String(format: "T%02d:%02d:%02d", whole / 3600, whole / 60 % 60, whole % 60)
        }
        return text
    }
}
