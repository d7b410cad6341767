import Foundation

/// A user-facing message as a typed value: what it says (its key) and the values it names. It becomes
/// text only when shown, in the reader's language, from `MessageCatalogue` — so libraries never build
/// user-facing sentences themselves, and every message exists in Japanese and English.
public struct Message: Sendable, Hashable, Codable {
    public var key: MessageKey
    /// The values for the template's `{placeholders}`.
    public var arguments: [String: String]
    /// Values that are messages themselves ("the store", "a folder"), rendered in the same language.
    public var nested: [String: Message] = [:]

    public init(_ key: MessageKey, _ arguments: [String: String] = [:]) {
        self.key = key
        self.arguments = arguments
    }

    /// The arguments that name a file, folder or store.
    static let placeArguments: Set<String> = ["file", "path", "store", "output", "folder"]

    /// The message in `language`, placeholders filled.
    public func text(in language: Language) -> String {
        let template = MessageCatalogue.template(key, language)
        guard template.contains("{") else { return template }
        var result = ""
        var rest = Substring(template)
        while let open = rest.firstIndex(of: "{") {
            result += rest[..<open]
            guard let close = rest[open...].firstIndex(of: "}") else { break }
            let name = String(rest[rest.index(after: open)..<close])
            if let argument = nested[name]?.text(in: language) ?? arguments[name] {
                // A file name or path with a line feed or escape is shown, never obeyed (nor split over lines).
                result += Self.placeArguments.contains(name) ? argument.visibleControlCharacters : argument
            } else {
                result += "{\(name)}"
            }
            rest = rest[rest.index(after: close)...]
        }
        return result + rest
    }
}

extension Message {
    /// The message with the value `name` given as a message of its own, rendered in the reader's language.
    public func localizingArgument(_ name: String, _ value: Message) -> Message {
        var copy = self
        copy.nested[name] = value
        copy.arguments[name] = value.text(in: .en)
        return copy
    }
}

extension Language {
    /// The language of the command line's messages: `WELLBEING_LANG`, else the locale (`LC_ALL`,
    /// `LC_MESSAGES`, `LANG`): Japanese when it starts with `ja`, English otherwise.
    public static func fromEnvironment(_ environment: [String: String] = ProcessInfo.processInfo.environment) -> Language {
        for name in ["WELLBEING_LANG", "LC_ALL", "LC_MESSAGES", "LANG"] {
            guard let value = environment[name]?.trimmingCharacters(in: .whitespaces), !value.isEmpty else { continue }
            return value.lowercased().hasPrefix("ja") ? .ja : .en
        }
        return .en
    }
}

extension DataProblem {
    /// A problem whose reason is a catalogue message (`reason` keeps its English text).
    public init(location: SourceLocation, value: String? = nil, message: Message) {
        self.init(location: location, value: value, reason: message.text(in: .en))
        self.message = message
    }

    /// The problem in `language`: `survey.csv:1235: column q05 (10): '7' is outside 1–5`, or
    /// `survey.csv:1235: q05 列（10 列目）: '7' は 1〜5 の範囲外です`.
    public func text(in language: Language) -> String {
        var text = location.text(in: language)
        let reason = message?.text(in: language) ?? self.reason
        if let value {
            text += ": '\(DataProblem.shortened(value))' " + reason
        } else {
            text += ": " + reason
        }
        return text
    }
}

extension SourceLocation {
    /// The location in `language`: `survey.csv:1235: column q05 (10)`, or in Japanese as a municipal document
    /// names a column, `survey.csv:1235: q05 列（10 列目）`; in a workbook the sheet and cell, `回答.xlsx:Sheet1!J1235`.
    public func text(in language: Language) -> String {
        let ja = language == .ja
        var text = file.visibleControlCharacters
        if let sheet {
            text += ":" + sheet.singleLineVisible
            if let line, let columnNumber {
                text += "!" + Self.columnLetters(columnNumber) + "\(line)"
            } else if let line {
                text += ja ? " \(line) 行目" : "!row \(line)"
            }
            if let column {
                let shown = DataProblem.shortened(column)
                text += ": " + (columnNumber == nil ? shown : (ja ? shown + " 列" : "column " + shown))
            }
            return text
        }
        if let line { text += ":\(line)" }
        if let column {
            let shown = DataProblem.shortened(column)
            if let columnNumber {
                text += ja ? ": \(shown) 列（\(columnNumber) 列目）" : ": column \(shown) (\(columnNumber))"
            } else {
                text += ": \(shown)"
            }
        } else if let columnNumber {
            text += ja ? ": \(columnNumber) 列目" : ": column \(columnNumber)"
        }
        return text
    }
}

extension WellBeingError {
    /// An error made of a summary, indented detail lines and advice after them, each a catalogue message.
    public init(_ kind: Kind, _ summary: Message, details: [Message], advice: Message? = nil, cause: (any Error)? = nil) {
        self.init(kind, summary, cause: cause)
        detailMessages = details
        adviceMessage = advice
    }

    /// A `badData` error with a catalogue summary, listing up to `limit` problems.
    public static func badData(_ summary: Message, problems: [DataProblem], limit: Int = 50) -> WellBeingError {
        var error = WellBeingError(.badData, summary, problems: problems)
        error.problemLimit = limit
        return error
    }

    /// The same error with `advice` after what it says (what happened to the rest of the command).
    public func adding(advice: Message) -> WellBeingError {
        var error = self
        error.adviceMessage = advice
        return error
    }

    /// The error in `language`: the summary, its detail lines, its advice, then each problem (up to the limit).
    public func text(in language: Language) -> String {
        var lines = [message.text(in: language)]
        lines += detailMessages.map { "  " + $0.text(in: language) }
        if let adviceMessage { lines.append(adviceMessage.text(in: language)) }
        return (lines + problemLines(language)).joined(separator: "\n")
    }

    private func problemLines(_ language: Language) -> [String] {
        var lines = problems.prefix(problemLimit).map { "  " + $0.text(in: language) }
        if problems.count > problemLimit {
            lines.append("  " + Message(.andMore, ["count": "\(problems.count - problemLimit)"]).text(in: language))
        }
        return lines
    }
}

extension Message {
    /// The message as the server says it: one that names the command line's options (`--on-error skip`) becomes its
    /// web wording (`MessageCatalogue.webWording`), which speaks of the page's controls instead; nested messages too.
    public var onTheWeb: Message {
        var copy = self
        if let web = MessageCatalogue.webWording[key] { copy.key = web }
        copy.nested = nested.mapValues(\.onTheWeb)
        return copy
    }
}

extension DataProblem {
    /// The problem as the server says it (see `Message.onTheWeb`).
    public var onTheWeb: DataProblem {
        var copy = self
        copy.message = message?.onTheWeb
        return copy
    }
}

extension WellBeingError {
    /// The error as the server says it: its summary, details, advice and problems in their web wording (see
    /// `Message.onTheWeb`).
    public var onTheWeb: WellBeingError {
        var copy = self
        copy.message = message.onTheWeb
        copy.detailMessages = detailMessages.map(\.onTheWeb)
        copy.adviceMessage = adviceMessage?.onTheWeb
        copy.problems = problems.map(\.onTheWeb)
        return copy
    }
}
