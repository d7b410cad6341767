import ArgumentParser
import Foundation
import WellBeingCore
import WellBeingReport
import WellBeingStore

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
            let batches = try storeOptions.openForReading().batches()
            let format = output.format
            switch format {
            case .geojson:
                throw WellBeingError(.usage, Message(.geojsonOnlyIndicators))
            case .json:
                try output.deliver(try JSONOutput.encode(["batches": batches]), protecting: storeOptions.protectedFiles)
            case .table, .csv, .xlsx:
                // CSV and workbooks keep the JSON's keys; the table for people speaks the user's language.
                let keys: [MessageKey] = [.colBatch, .colKind, .colSurvey, .colFile, .colRows, .colRejected, .colPeriods,
                                          .colEncoding, .colImported, .colSHA256]
                let people = format == .table
                let table = ResultTable(
                    headers: people ? keys.map { Message($0).text(in: Console.language) }
                        : ["batch", "kind", "survey", "file", "rows", "rejected", "periods", "encoding", "imported", "sha256"],
                    rows: batches.map { batch in
                        [.integer(Int(batch.id)), .text(people ? Self.kindMessage(batch.kind).text(in: Console.language) : batch.kind.rawValue), .text(batch.survey.rawValue), .text(batch.fileName),
                         .integer(batch.rowCount), .integer(batch.rejectedCount),
                         .text(batch.periods.isEmpty ? (people ? Message(.allPeriods).text(in: Console.language) : "all") : batch.periods.map(\.rawValue).joined(separator: ",")),
                         .text(batch.encoding), .text(batch.importedAt), .text(String(batch.sha256.prefix(format == .table ? 12 : 64)))]
                    })
                if format == .xlsx {
                    try emit(["batches": batches], text: table, csv: table, output: output, sheet: "batches",
                             protecting: storeOptions.protectedFiles)
                } else if format == .csv {
                    try output.deliver(table.renderCSV(byteOrderMark: output.bom), protecting: storeOptions.protectedFiles)
                } else if batches.isEmpty {
                    Console.say(Message(.noBatches))
                } else {
                    try output.deliver(table.renderText(), protecting: storeOptions.protectedFiles)
                }
            }
        }
    }
}

extension Batches {
    /// A batch's kind as a message, named in the reader's language.
    static func kindMessage(_ kind: Batch.Kind) -> Message {
        switch kind {
        case .responses: return Message(.kindResponses)
        case .kpis: return Message(.kindKPIs)
        case .population: return Message(.kindPopulation)
        case .reference: return Message(.kindReference)
        case .sample: return Message(.kindSample)
        case .boundaries: return Message(.kindBoundaries)
        case .targets: return Message(.kindTargets)
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
                .localizingArgument("kind", Batches.kindMessage(removed.kind)))
        }
    }
}
