import ArgumentParser
import Foundation
import WellBeingCore
#if canImport(Glibc)
import Glibc
#endif

/// Standard error for messages and progress; standard output stays for machine-readable results.
enum Console {
    /// The language of messages: `--lang` when a command has it and it was given, else the environment
    /// (`WELLBEING_LANG`, then the locale).
    ///
    /// A task-local value, bound once by `WellBeingCommand.main` around parsing and running a command and never
    /// written: code on another thread (an import's reading thread) does not see it, and takes the language
    /// as a value captured before the thread starts.
    @TaskLocal static var language = Language.fromEnvironment()

    /// The language named by `--lang` in `arguments` (before a `--`), if any; an unknown value is left to the
    /// parser to refuse.
    static func requestedLanguage(_ arguments: [String]) -> Language? {
        var chosen: Language?
        var index = 0
        while index < arguments.count, arguments[index] != "--" {
            let argument = arguments[index]
            if argument == "--lang", index + 1 < arguments.count {
                chosen = Language(argument: arguments[index + 1]) ?? chosen
                index += 1
            } else if argument.hasPrefix("--lang=") {
                chosen = Language(argument: String(argument.dropFirst("--lang=".count))) ?? chosen
            }
            index += 1
        }
        return chosen
    }

    /// Writes a catalogue message in the console's language.
    static func say(_ message: Message) {
        self.message(message.text(in: language))
    }

    /// Writes a note (`note: …` / `注: …`).
    static func note(_ text: String) {
        message(Message(.notePrefix).text(in: language) + text)
    }

    /// Writes a message line to standard error; control characters from file names or data are shown as
    /// `\u{…}` so that they cannot act on the terminal.
    static func message(_ text: String) {
        let visible = text.split(separator: "\n", omittingEmptySubsequences: false)
            .map { String($0).visibleControlCharacters }.joined(separator: "\n")
        FileHandle.standardError.write(Data((visible + "\n").utf8))
    }

    /// Writes to standard output.
    static func output(_ text: String) {
        FileHandle.standardOutput.write(Data(text.utf8))
    }

    /// Whether standard error is a terminal (progress bars only then).
    static var isInteractive: Bool { isatty(STDERR_FILENO) == 1 }

    /// Shows a one-line progress bar on a terminal; does nothing otherwise.
    static func progress(_ label: String, done: Int, total: Int) {
        guard isInteractive, total > 0 else { return }
        let fraction = min(1, Double(done) / Double(total))
        let filled = Int(fraction * 30)
        let bar = String(repeating: "█", count: filled) + String(repeating: "·", count: 30 - filled)
        FileHandle.standardError.write(Data("\r\(label) \(bar) \(Int(fraction * 100))%".utf8))
    }

    /// Clears the progress line.
    static func endProgress() {
        guard isInteractive else { return }
        FileHandle.standardError.write(Data("\r\u{1B}[2K".utf8))
    }
}

/// Runs a command's work; prints any failure to standard error and exits with its sysexits code
/// (`WellBeingError.Kind.exitCode`, the table every front end shares).
func reportingFailures(_ body: () throws -> Void) throws {
    do {
        try body()
    } catch let exit as ExitCode {
        throw exit
    } catch {
        Console.endProgress()
        let failure = WellBeingError.said(error)
        Console.message(Message(.errorPrefix).text(in: Console.language) + failure.text(in: Console.language))
        throw ExitCode(failure.kind.exitCode)
    }
}

extension WellBeingError {
    /// `error` as the tool says it: itself, or for an error the libraries did not put in words, an internal
    /// failure that names only its type (its own text may hold data or internals) and keeps it as `cause`.
    static func said(_ error: any Error) -> WellBeingError {
        if let error = error as? WellBeingError { return error }
        return WellBeingError(.internalFailure, Message(.unexpectedFailure, ["type": "\(type(of: error))"]), cause: error)
    }
}
