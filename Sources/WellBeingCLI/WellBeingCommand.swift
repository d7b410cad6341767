import ArgumentParser
import Foundation
import WellBeingCore

/// The `wellbeing` command: regional well-being indicators from a citizen survey, offline, in one SQLite file.
public struct WellBeingCommand: ParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "wellbeing",
        abstract: "Regional well-being (地域幸福度) indicators from a citizen survey, beside the city's KPIs.",
        discussion: """
            Import a survey CSV described by an instrument file, then compute indicators and write reports.
            Everything stays in one SQLite file (--store, $WELLBEING_STORE, else ./wellbeing.sqlite).

            Example:
              wellbeing import responses survey2025.csv --instrument lwc --period 2025
              wellbeing batches
            """,
        version: ToolVersion.description,
        subcommands: [Import.self, Batches.self, Undo.self, Indicators.self, Compare.self, Drivers.self, Trend.self, Progress.self, Report.self, Serve.self, Users.self, Store.self, Instruments.self, Demo.self])

    public init() {}

    /// Parses the arguments and runs the command with its message language bound once, for parsing and running
    /// alike: `--lang` if given, else the environment.
    public static func main() {
        let arguments = Array(CommandLine.arguments.dropFirst())
        Console.$language.withValue(Console.requestedLanguage(arguments) ?? Console.language) {
            do {
                var command = try parseAsRoot(arguments)
                try command.run()
            } catch {
                exit(withError: error)
            }
        }
    }
}
