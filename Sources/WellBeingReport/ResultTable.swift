import Foundation
import WellBeingAnalysis
import WellBeingCore

/// A table of results that renders as aligned text, as CSV for Excel, or as a Markdown table.
public struct ResultTable: Sendable {
    /// A cell: text from data, or a number we computed (rounded for people, full precision in CSV).
    public enum Cell: Sendable, Hashable {
        case text(String)
        case number(Double?, decimals: Int)
        case integer(Int?)
        case flag(Bool?)
        /// A number with a mark after it (`3.09*`), or, with no number, a withheld value's mark alone
        /// (`秘匿※1`). Aligned as a number; a workbook keeps the number numeric and the mark in a column of its own.
        case marked(Double?, decimals: Int, mark: String)
    }

    public var headers: [String]
    public var rows: [[Cell]]
    /// The cells (row, column) that a report may colour as notably high or low; nil: any number in the
    /// shaded columns. Deviation scores within their own uncertainty of 50 are left out.
    public var distinguishable: Set<[Int]>?
    /// Extra HTML classes of some cells (row, column), such as a target's status colour.
    public var cellClasses: [[Int]: String]?
    /// Whether the table prints smaller on paper, as tables of many columns do (one of long cells that must stay whole).
    public var printsSmall = false

    public init(headers: [String], rows: [[Cell]] = []) {
        self.headers = headers
        self.rows = rows
    }

    /// Aligned text for a terminal; numbers right-aligned and rounded, missing values as "—".
    public func renderText() -> String {
        let alignments: [TextTable.Alignment] = headers.indices.map { isTextColumn($0) ? .left : .right }
        return TextTable(headers: headers, alignments: alignments, rows: rows.map { $0.map { Self.display($0).visibleControlCharacters } }).render()
    }

    /// CSV (UTF-8, optional BOM, CRLF); text cells neutralised against formula injection, numbers exact.
    public func renderCSV(byteOrderMark: Bool = true) -> String {
        var writer = CSVWriter(includesByteOrderMark: byteOrderMark)
        writer.append(texts: headers)
        for row in rows {
            writer.append(row.map { cell -> CSVWriter.Cell in
                switch cell {
                case let .text(text): return .text(text)
                case let .number(value, _): return value.map { .number(Self.exact($0)) } ?? .empty
                case let .integer(value): return value.map { .number(String($0)) } ?? .empty
                case let .flag(value): return value.map { .number($0 ? "true" : "false") } ?? .empty
                case let .marked(value, _, mark): return value.map { .number(Self.exact($0)) } ?? .text(mark)
                }
            })
        }
        return writer.document
    }

    /// A GitHub-flavoured Markdown table; text is escaped so that data cannot break the table.
    public func renderMarkdown() -> String {
        func escape(_ text: String) -> String {
            var escaped = ""
            for character in text.singleLineVisible {
                switch character {
                case "|", "\\", "*", "_", "`", "[", "]", "<", ">", "#": escaped += "\\\(character)"
                case "\n", "\r": escaped += " "
                default: escaped.append(character)
                }
            }
            return escaped
        }
        var lines = ["| " + headers.map(escape).joined(separator: " | ") + " |"]
        lines.append("|" + headers.indices.map { isTextColumn($0) ? " --- |" : " ---: |" }.joined())
        for row in rows { lines.append("| " + row.map { escape(Self.display($0)) }.joined(separator: " | ") + " |") }
        return lines.joined(separator: "\n") + "\n"
    }

    /// Whether most cells of a column are text (left-aligned) rather than figures (right-aligned); marked
    /// figures and withheld marks count as figures.
    func isTextColumn(_ column: Int) -> Bool {
        let texts = rows.filter { row in
            if case .text = row[column] { return true }
            return false
        }.count
        return texts * 2 > rows.count
    }

    /// A cell as people read it.
    public static func display(_ cell: Cell) -> String {
        switch cell {
        case let .text(text): return text
        case let .number(value, decimals): return value.map { fixed($0, decimals: decimals) } ?? "—"
        case let .integer(value): return value.map(String.init) ?? "—"
        case let .flag(value): return value.map { $0 ? "yes" : "no" } ?? "—"
        case let .marked(value, decimals, mark): return (value.map { fixed($0, decimals: decimals) } ?? "") + mark
        }
    }

    /// A fixed number of decimals, with no "-0.00".
    public static func fixed(_ value: Double, decimals: Int) -> String {
        let text = String(format: "%.\(decimals)f", value)
        if text.hasPrefix("-"), Double(text) == 0 { return String(text.dropFirst()) }
        return text
    }

    /// The shortest text that reads back as the same double.
    static func exact(_ value: Double) -> String {
        value == value.rounded() && abs(value) < 1e15 ? String(format: "%.1f", value) : "\(value)"
    }
}
