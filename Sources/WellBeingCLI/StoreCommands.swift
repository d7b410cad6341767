import ArgumentParser
import Foundation
import WellBeingCore
import WellBeingStore
import WellBeingWorkspace

/// `wellbeing store …`: work on a whole store.
struct Store: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Work on a whole store (copy it between a file and a PostgreSQL server).",
        subcommands: [StoreCopyCommand.self])
}

/// `wellbeing store copy FROM TO`: a whole store, from a file up to a server or back down.
struct StoreCopyCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "copy",
        abstract: "Copy every batch of one store into a new or empty one (SQLite file ↔ PostgreSQL).",
        discussion: """
            The copy keeps batch numbers, instruments, answers, KPIs, margins and reference figures; it is written in \
            one transaction and read back before it commits: every table's SHA-256 must equal the source's, or \
            nothing is kept. The destination must be a new file or an empty database.

            Examples:
              wellbeing store copy city.sqlite postgresql://importer@db.example.lg.jp/wellbeing
              wellbeing store copy postgresql://reader@db.example.lg.jp/wellbeing offline-copy.sqlite
            """)

    @OptionGroup var languageOption: LanguageOption
    @Argument(help: ArgumentHelp("The store to copy: a file or a postgresql:// URL.", valueName: "from"))
    var from: String
    @Argument(help: ArgumentHelp("The new store: a file that does not exist yet, or an empty database.", valueName: "to"))
    var to: String

    /// A password in either URL would stand in the process list for the whole copy: refused before anything is done.
    func validate() throws {
        try reportingFailures {
            try SurveyStore.refusePasswordInArgument(from)
            try SurveyStore.refusePasswordInArgument(to)
        }
    }

    func run() throws {
        try reportingFailures {
            let outcome = try SurveyStore.copy(from: from, to: to)
            Console.say(Message(.copiedStore, ["batches": "\(outcome.batches)", "respondents": "\(outcome.respondents)",
                                               "from": SurveyStore.displayName(of: from), "to": SurveyStore.displayName(of: to)]))
        }
    }
}
