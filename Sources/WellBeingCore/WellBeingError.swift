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

/// An error of the tool: what happened, what to do, and the kind that decides the exit code and the HTTP status.
///
/// What a person reads is a catalogue `Message` (shown in their language by whichever front end meets the
/// error); the failure underneath, if any, is kept as `cause` for logs and tests and is never shown raw.
public struct WellBeingError: Error, Sendable, CustomStringConvertible {
    /// What kind of failure this is; `WellBeingError.Kind.outcome` maps each kind to one exit code and one
    /// HTTP status.
    public enum Kind: String, Sendable, CaseIterable {
        /// Wrong arguments or options.
        case usage
        /// Bad input data; nothing was written.
        case badData
        /// An input file does not exist or cannot be opened.
        case inputMissing
        /// Something named (a survey, a period, a batch) does not exist.
        case notFound
        /// The request names no account, or a wrong password.
        case unauthenticated
        /// The account may not do this.
        case forbidden
        /// An upload or input larger than the tool accepts.
        case tooLarge
        /// An output file or folder cannot be created.
        case cannotCreateOutput
        /// Reading or writing failed half-way.
        case ioFailure
        /// Another process or import holds the store (or the survey) too long.
        case storeBusy
        /// The store cannot be reached (a server that does not answer).
        case storeUnreachable
        /// Anything else.
        case internalFailure
    }

    public var kind: Kind
    /// What happened, as a catalogue message: the first line of the text.
    public var message: Message
    /// Lines under the summary, and advice after them, as catalogue messages.
    public var detailMessages: [Message] = []
    public var adviceMessage: Message?
    /// The individual problems behind a `badData` error, all of them.
    public var problems: [DataProblem]
    /// How many problems the text lists.
    public var problemLimit = 50
    /// The failure underneath (a database or system error), for logs and tests; never shown to a clerk.
    public var cause: (any Error)?

    public init(_ kind: Kind, _ message: Message, problems: [DataProblem] = [], cause: (any Error)? = nil) {
        self.kind = kind
        self.message = message
        self.problems = problems
        self.cause = cause
    }

    /// The whole text in English.
    public var description: String { text(in: .en) }
}

extension WellBeingError.Kind {
    /// The exit code and the HTTP status of a failure of this kind: one table for every front end.
    public var outcome: (exitCode: Int32, httpStatus: Int) {
        switch self {
        case .usage: return (64, 400)              // EX_USAGE, Bad Request
        case .badData: return (65, 422)            // EX_DATAERR, Unprocessable Content
        case .inputMissing: return (66, 404)       // EX_NOINPUT, Not Found
        case .notFound: return (66, 404)           // EX_NOINPUT, Not Found
        case .unauthenticated: return (77, 401)    // EX_NOPERM, Unauthorized
        case .forbidden: return (77, 403)          // EX_NOPERM, Forbidden
        case .tooLarge: return (65, 413)           // EX_DATAERR, Content Too Large
        case .cannotCreateOutput: return (73, 500) // EX_CANTCREAT, Internal Server Error
        case .ioFailure: return (74, 500)          // EX_IOERR, Internal Server Error
        case .storeBusy: return (75, 409)          // EX_TEMPFAIL, Conflict: another import holds the survey
        case .storeUnreachable: return (75, 503)   // EX_TEMPFAIL, Service Unavailable
        case .internalFailure: return (1, 500)     // Internal Server Error
        }
    }

    /// The process exit code (sysexits).
    public var exitCode: Int32 { outcome.exitCode }
    /// The HTTP status a server answers with.
    public var httpStatus: Int { outcome.httpStatus }
}
