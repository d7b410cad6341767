import ArgumentParser
import Foundation
import WellBeingCore
#if canImport(Glibc)
import Glibc
#endif

/// Standard error for messages and progress; standard output stays for machine-readable results.
enum Console {
    /// The language of messages: `--lang` when a command has it and it was given, else the environment
    /// (`WELLBEING_LANG`, then the locale). Set once, before a command runs.
    nonisolated(unsafe) static var language = Language.fromEnvironment()

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

/// The exit code for each kind of failure (sysexits).
extension WellBeingError.Kind {
    var exitCode: Int32 {
        switch self {
        case .usage: return 64
        case .badData: return 65
        case .inputMissing: return 66
        case .cannotCreateOutput: return 73
        case .ioFailure: return 74
        case .storeBusy: return 75
        case .internalFailure: return 1
        }
    }
}

/// Runs a command's work; prints any failure to standard error and exits with its sysexits code.
func reportingFailures(_ body: () throws -> Void) throws {
    do {
        try body()
    } catch let error as WellBeingError {
        Console.endProgress()
        Console.message(Message(.errorPrefix).text(in: Console.language) + error.text(in: Console.language))
        throw ExitCode(error.kind.exitCode)
    } catch let exit as ExitCode {
        throw exit
    } catch {
        Console.endProgress()
        Console.message(Message(.errorPrefix).text(in: Console.language) + "\(error)")
        throw ExitCode(1)
    }
}
