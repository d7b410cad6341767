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
    @Option(help: "table, csv or json.") var format: OutputFormat = .table

    func run() throws {
        try reportingFailures {
            let batches = try storeOptions.openExisting().batches()
            switch format {
            case .json:
                Console.output(try JSONOutput.encode(["batches": batches]))
            case .table, .csv:
                let headers = ["batch", "kind", "survey", "file", "rows", "rejected", "periods", "encoding", "imported", "sha256"]
                let rows = batches.map { batch in
                    [String(batch.id), batch.kind.rawValue, batch.survey.rawValue, batch.fileName, String(batch.rowCount),
                     String(batch.rejectedCount), batch.periods.isEmpty ? "all" : batch.periods.map(\.rawValue).joined(separator: ","),
                     batch.encoding, batch.importedAt, String(batch.sha256.prefix(format == .table ? 12 : 64))]
                }
                if format == .csv {
                    var writer = CSVWriter()
                    writer.append(texts: headers)
                    for row in rows { writer.append(texts: row) }
                    Console.output(writer.document)
                } else if rows.isEmpty {
                    Console.message("The store holds no batches yet.")
                } else {
                    Console.output(TextTable(headers: headers, alignments: [.right, .left, .left, .left, .right, .right, .left, .left, .left, .left],
                                             rows: rows).render())
                }
            }
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
    @Argument(help: ArgumentHelp("The batch number, as 'wellbeing batches' lists it.", valueName: "batch"))
    var batch: Int64

    func run() throws {
        try reportingFailures {
            let removed = try storeOptions.openExisting().undo(batchID: batch)
            Console.message("removed batch \(removed.id): \(removed.kind.rawValue) '\(removed.fileName)' "
                            + "(\(removed.rowCount) row(s)).")
        }
    }
}
