import ArgumentParser
import Foundation
import WellBeingCore
import WellBeingReport
import WellBeingStore
import WellBeingWorkspace

struct Batches: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "List every imported file (batch) with its hash, rows and periods.",
        discussion: """
            Example:
              wellbeing batches --format json
            """)

    @OptionGroup var storeOptions: StoreOptions
    @OptionGroup var languageOption: LanguageOption
    @OptionGroup var output: OutputOptions

    func run() throws {
        try reportingFailures {
            let store = try storeOptions.openForReading()
            if output.format == .table, try store.batches().isEmpty {
                Console.say(Message(.noBatches))
                return
            }
            let view = try AnalysisViews.batches(store: store, language: Console.language, format: output.format,
                                                 byteOrderMark: output.bom)
            try show(view, output: output, protecting: storeOptions.protectedFiles)
        }
    }
}

struct Undo: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Delete one batch and everything imported with it.",
        discussion: """
            Example:
              wellbeing undo 3
            """)

    @OptionGroup var storeOptions: StoreOptions
    @OptionGroup var languageOption: LanguageOption
    @Argument(help: ArgumentHelp("The batch number, as 'wellbeing batches' lists it.", valueName: "batch"))
    var batch: Int64

    func run() throws {
        try reportingFailures {
            let removed = try storeOptions.openExistingForWriting().undo(batchID: batch)
            Console.say(Message(.removedBatch, ["batch": "\(removed.id)", "file": removed.fileName, "count": "\(removed.rowCount)"])
                .localizingArgument("kind", AnalysisViews.kindMessage(removed.kind)))
        }
    }
}
