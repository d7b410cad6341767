import Foundation
import WellBeingCore

/// A small CSV file with named columns (KPI values, population margins, reference figures), read whole
/// into text cells, with helpers that record located problems.
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
    public var encoding: TextEncoding

    /// Reads `path`; every data row must have as many cells as the header. Blank rows are skipped.
    public static func read(path: String, encoding: TextEncoding? = nil) throws -> TableFile {
        let source = try TextSource(path: path, encoding: encoding)
        let reader = CSVReader(source: source)
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
                problems.append(DataProblem(location: SourceLocation(file: source.displayName, line: record.line),
                                            reason: "has \(cells.count) fields but the header has \(columns.count)"))
                return
            }
            if let bad = (0..<record.fieldCount).first(where: { record.string($0) == nil }) {
                problems.append(DataProblem(location: SourceLocation(file: source.displayName, line: record.line,
                                                                     column: columns[bad], columnNumber: bad + 1),
                                            reason: "is not valid \(source.encoding.displayName) text"))
                return
            }
            rows.append(Row(line: record.line, cells: cells))
        }
        guard let header else {
            throw WellBeingError.badData("'\(source.displayName)' is empty.", problems: [
                DataProblem(location: SourceLocation(file: source.displayName, line: 1),
                            reason: "expected a header line naming the columns")])
        }
        if !problems.isEmpty {
            throw WellBeingError.badData("'\(source.displayName)' is not well-formed CSV:", problems: problems)
        }
        return TableFile(fileName: source.displayName, header: header, rows: rows, sha256: source.sha256Hex,
                         encoding: source.encoding)
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
            throw WellBeingError.badData("The header of '\(fileName)' is not as expected:", problems: [
                DataProblem(location: SourceLocation(file: fileName, line: 1),
                            reason: "missing column(s) \(missing.joined(separator: ", ")); expected "
                                + names.joined(separator: ",") + "; found " + header.joined(separator: ","))])
        }
        return positions
    }

    /// A problem at a cell.
    public func problem(_ row: Row, column: Int?, value: String? = nil, _ reason: String) -> DataProblem {
        DataProblem(location: SourceLocation(file: fileName, line: row.line, column: column.map { header[$0] },
                                             columnNumber: column.map { $0 + 1 }),
                    value: value, reason: reason)
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
