import Foundation

/// Writes CSV that Excel opens safely: RFC 4180 quoting, CRLF line ends, and text cells that Excel would
/// run as a formula (starting with = + - @, TAB or CR) prefixed with an apostrophe (CWE-1236).
public struct CSVWriter: Sendable {
    /// Whether the text starts with a UTF-8 byte-order mark, so that Japanese Excel reads it as UTF-8.
    public var includesByteOrderMark: Bool
    private(set) var text: String

    public init(includesByteOrderMark: Bool = true) {
        self.includesByteOrderMark = includesByteOrderMark
        text = includesByteOrderMark ? "\u{FEFF}" : ""
    }

    /// A cell: either text from data (neutralised) or a number we computed (written as is).
    public enum Cell: Sendable, ExpressibleByStringLiteral {
        case text(String)
        case number(String)
        case empty

        public init(stringLiteral value: String) { self = .text(value) }
    }

    /// Appends one record.
    public mutating func append(_ cells: [Cell]) {
        text += cells.map(Self.encode).joined(separator: ",") + "\r\n"
    }

    /// Appends one record of text cells.
    public mutating func append(texts: [String]) {
        append(texts.map { .text($0) })
    }

    /// The CSV document.
    public var document: String { text }

    /// One cell as CSV text.
    public static func encode(_ cell: Cell) -> String {
        switch cell {
        case .empty: return ""
        case let .number(value): return value
        case let .text(value): return quoted(neutralized(value))
        }
    }

    /// Prefixes `'` to a text that a spreadsheet would evaluate as a formula.
    public static func neutralized(_ value: String) -> String {
        guard let first = value.unicodeScalars.first else { return value }
        let dangerous: Set<Unicode.Scalar> = ["=", "+", "-", "@", "\t", "\r", "\u{FF1D}", "\u{FF0B}", "\u{FF0D}", "\u{FF20}", "\u{2212}"]
        return dangerous.contains(first) ? "'" + value : value
    }

    /// Quotes a cell when it holds a comma, quote or line break (doubling inner quotes).
    public static func quoted(_ value: String) -> String {
        if value.contains(where: { $0 == "," || $0 == "\"" || $0 == "\n" || $0 == "\r" }) {
            return "\"" + value.replacingOccurrences(of: "\"", with: "\"\"") + "\""
        }
        return value
    }
}
