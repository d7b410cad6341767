import Foundation
import WellBeingCore

/// A small table with named columns (KPI values, population margins, reference figures, samples), from a
/// CSV file or a sheet of an .xlsx workbook, read whole into text cells, with helpers that record located
/// problems.
public struct TableFile: Sendable {
    /// One data row: its physical line and its cells, trimmed.
    public struct Row: Sendable {
        public var line: Int
        public var cells: [String]
    }

    public var fileName: String
    public var header: [String]
    public var rows: [Row]
    public var sha256: String
    /// What the file was read as ("UTF-8", "Excel .xlsx").
    public var encodingName: String
    /// The sheet, for a workbook.
    public var sheet: String?

    /// Reads `path` (CSV, or the workbook's `sheet`); every data row must have as many cells as the header.
    /// Blank rows are skipped.
    public static func read(path: String, encoding: TextEncoding? = nil, sheet: String? = nil) throws -> TableFile {
        let reader = try RecordSources.open(path: path, encoding: encoding, sheet: sheet)
        let name = reader.displayName
        var header: [String]?
        var rows: [Row] = []
        var problems: [DataProblem] = []
        try reader.forEachRecord { record in
            let cells = (0..<record.fieldCount).map {
                (record.string($0) ?? record.displayString($0)).trimmingCharacters(in: .whitespaces)
            }
            guard let columns = header else {
                header = cells.map { $0.replacingOccurrences(of: "\u{FEFF}", with: "") }
                return
            }
            if record.isBlank { return }
            if cells.count != columns.count {
                problems.append(DataProblem(location: SourceLocation(file: name, line: record.line, sheet: reader.sheet),
                                            message: Message(.tableFieldCount, ["count": "\(cells.count)", "expected": "\(columns.count)"])))
                return
            }
            if let bad = (0..<record.fieldCount).first(where: { record.string($0) == nil }) {
                problems.append(DataProblem(location: SourceLocation(file: name, line: record.line,
                                                                     column: columns[bad], columnNumber: bad + 1, sheet: reader.sheet),
                                            message: Message(.notValidText, ["encoding": reader.encodingName])))
                return
            }
            if let malformed = record.malformedField, reader.sheet != nil {
                problems.append(DataProblem(location: SourceLocation(file: name, line: record.line, column: columns[malformed],
                                                                     columnNumber: malformed + 1, sheet: reader.sheet),
                                            value: cells[malformed], message: record.malformedReason ?? Message(.excelErrorValue)))
                return
            }
            rows.append(Row(line: record.line, cells: cells))
        }
        guard let header else {
            throw WellBeingError.badData(Message(.tableEmpty, ["file": name]), problems: [
                DataProblem(location: SourceLocation(file: name, line: 1, sheet: reader.sheet), message: Message(.tableHeaderLine))])
        }
        if !problems.isEmpty {
            throw WellBeingError.badData(reader.sheet.map { Message(.notATable, ["file": name, "sheet": $0]) }
                                         ?? Message(.notWellFormedCSV, ["file": name]), problems: problems)
        }
        return TableFile(fileName: name, header: header, rows: rows, sha256: try reader.fileSHA256(),
                         encodingName: reader.encodingName, sheet: reader.sheet)
    }

    /// The positions of `names` in the header (matched like survey headers), or a `badData` error naming
    /// what is missing.
    public func requireColumns(_ names: [String]) throws -> [Int] {
        let normalized = header.map(HeaderMatcher.normalize)
        var positions: [Int] = []
        var missing: [String] = []
        for name in names {
            if let position = normalized.firstIndex(of: HeaderMatcher.normalize(name)) {
                positions.append(position)
            } else {
                missing.append(name)
            }
        }
        if !missing.isEmpty {
            throw WellBeingError.badData(Message(.headerNotExpected, ["file": fileName]), problems: [
                DataProblem(location: SourceLocation(file: fileName, line: 1, sheet: sheet),
                            message: Message(.missingColumns, ["missing": missing.joined(separator: ", "),
                                                               "expected": names.joined(separator: ","),
                                                               "found": header.joined(separator: ",")]))])
        }
        return positions
    }

    /// A problem at a cell.
    public func problem(_ row: Row, column: Int?, value: String? = nil, _ reason: Message) -> DataProblem {
        DataProblem(location: SourceLocation(file: fileName, line: row.line, column: column.map { header[$0] },
                                             columnNumber: column.map { $0 + 1 }, sheet: sheet),
                    value: value, message: reason)
    }

    /// Reads a number written as `12.5`, `１２．５`, `1,234` or `-3`; nil when it is not one.
    public static func number(_ text: String) -> Double? {
        var normalized = text.precomposedStringWithCompatibilityMapping.trimmingCharacters(in: .whitespaces)
        if normalized.range(of: #"^[+-]?\d{1,3}(,\d{3})+(\.\d+)?$"#, options: .regularExpression) != nil {
            normalized = normalized.replacingOccurrences(of: ",", with: "")
        }
        guard normalized.range(of: #"^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$"#, options: .regularExpression) != nil,
              let value = Double(normalized), value.isFinite else { return nil }
        return value
    }
}

extension TableFile {
    /// The file as the store records it.
    public var imported: ImportedFile { ImportedFile(fileName: fileName, sha256: sha256, encodingName: encodingName) }

    /// Where `row` stands in the file.
    public func location(of row: Row) -> SourceLocation {
        SourceLocation(file: fileName, line: row.line, sheet: sheet)
    }
}
