import Foundation

/// Where in an input file a problem was found.
public struct SourceLocation: Hashable, Sendable, Codable {
    /// The file's name as the user gave it.
    public var file: String
    /// The physical line in the file, counting from 1 (a quoted field may span several lines).
    public var line: Int?
    /// The column's header name, or a YAML path for instrument files.
    public var column: String?
    /// The column's position, counting from 1.
    public var columnNumber: Int?
    /// The worksheet, for a workbook: `line` is then the sheet's row and `columnNumber` its column (A = 1).
    public var sheet: String?

    public init(file: String, line: Int? = nil, column: String? = nil, columnNumber: Int? = nil, sheet: String? = nil) {
        self.file = file
        self.line = line
        self.column = column
        self.columnNumber = columnNumber
        self.sheet = sheet
    }

    /// `survey.csv:1235: column q05 (10)`, `回答.xlsx:Sheet1!J1235: column q05` or `lwc.yaml: categories[3].items`.
    public var description: String { text(in: .en) }

    /// Excel's name of column `number` (1 → A, 27 → AA).
    public static func columnLetters(_ number: Int) -> String {
        var letters: [Character] = []
        var rest = number
        while rest > 0 {
            let digit = (rest - 1) % 26
            letters.insert(Character(Unicode.Scalar(UInt8(65 + digit))), at: 0)
            rest = (rest - 1) / 26
        }
        return String(letters)
    }
}

/// One problem found in an input file: where, which value, and why it was refused.
public struct DataProblem: Hashable, Sendable, CustomStringConvertible, Codable {
    public var location: SourceLocation
    /// The value as it stood in the file, if the problem is about one value.
    public var value: String?
    /// Why the value or line was refused, in words a clerk understands (English).
    public var reason: String
    /// The reason as a catalogue message, when it has one (for the Japanese text).
    public var message: Message?

    public init(location: SourceLocation, value: String? = nil, reason: String) {
        self.location = location
        self.value = value
        self.reason = reason
    }

    /// `survey.csv:1235: column q05 (10): '7' is outside 1–5`.
    public var description: String { text(in: .en) }

    /// Cuts a value to a length that fits on a terminal line.
    public static func shortened(_ value: String) -> String {
        let visible = value.replacingOccurrences(of: "\n", with: "⏎").replacingOccurrences(of: "\r", with: "")
            .visibleControlCharacters
        if visible.count <= 60 { return visible }
        return String(visible.prefix(57)) + "…"
    }
}

/// An error of the tool: what happened, what to do, and the kind that decides the exit code.
public struct WellBeingError: Error, Sendable, CustomStringConvertible {
    /// What kind of failure this is; the command line maps each kind to one exit code.
    public enum Kind: String, Sendable {
        /// Wrong arguments or options (exit 64).
        case usage
        /// Bad input data; nothing was written (exit 65).
        case badData
        /// An input file does not exist or cannot be opened (exit 66).
        case inputMissing
        /// An output file or folder cannot be created (exit 73).
        case cannotCreateOutput
        /// Reading or writing failed half-way (exit 74).
        case ioFailure
        /// Another process holds the store (exit 75).
        case storeBusy
        /// Anything else (exit 1).
        case internalFailure
    }

    public var kind: Kind
    /// The message shown to the user.
    public var message: String
    /// The individual problems behind a `badData` error, all of them.
    public var problems: [DataProblem]
    /// The message as a catalogue entry, when it has one (for the Japanese text).
    public var localized: Message?
    /// How many problems the text lists.
    public var problemLimit = 50
    /// Lines under the summary, and advice after them, as catalogue messages.
    public var detailMessages: [Message] = []
    public var adviceMessage: Message?

    public init(_ kind: Kind, _ message: String, problems: [DataProblem] = []) {
        self.kind = kind
        self.message = message
        self.problems = problems
    }

    public var description: String { message }

}
