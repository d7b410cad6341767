import ArgumentParser
import Foundation
import WellBeingCore
import WellBeingIngest
import WellBeingReport
import WellBeingStore

/// `wellbeing import …`: survey responses, KPIs, population margins, reference figures.
struct Import: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Import a survey CSV, KPI values, population margins or reference figures.",
        subcommands: [ImportResponses.self, ImportKPIs.self, ImportPopulation.self, ImportReference.self])
}

struct ImportResponses: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "responses",
        abstract: "Import survey responses (CSV) described by an instrument file.",
        discussion: """
            The file is validated row by row. By default one bad value and nothing is written; every problem
            is listed as file:line: column name (number): 'value' reason.

            Examples:
              wellbeing import responses survey2025.csv --instrument Surveys/lwc.yaml --period 2025
              wellbeing import responses export.csv --instrument Surveys/lwc.yaml --on-error skip --rejects rejected.csv
              wellbeing import responses sjis.csv --instrument Surveys/lwc.yaml --period 2025 --encoding cp932 --dry-run
            """)

    @OptionGroup var storeOptions: StoreOptions

    @Argument(help: ArgumentHelp("The survey CSV (UTF-8, Shift_JIS/CP932 or UTF-16; comma or tab).", valueName: "file"))
    var file: String

    @Option(help: ArgumentHelp("The instrument file that describes the survey.", valueName: "path"))
    var instrument: String

    @Option(help: ArgumentHelp("The period of every row (otherwise read from the instrument's period column).",
                               valueName: "label"))
    var period: String?

    @Option(help: ArgumentHelp("Force the file's encoding instead of detecting it.", valueName: "utf-8|cp932|utf-16"))
    var encoding: TextEncoding?

    @Option(name: .customLong("on-error"),
            help: ArgumentHelp("abort: nothing is written if any row is bad. skip: import the valid rows.",
                               valueName: "abort|skip"))
    var onError: ErrorPolicy = .abort

    @Option(help: ArgumentHelp("With --on-error skip: write the rejected rows and their reasons to this CSV.",
                               valueName: "file"))
    var rejects: String?

    @Flag(name: .customLong("dry-run"), help: "Validate and count only; write nothing.")
    var dryRun = false

    @Flag(help: "Import the file again in place of the batch it was imported as before.")
    var replace = false

    func validate() throws {
        if rejects != nil && onError != .skip {
            throw ValidationError("--rejects goes with --on-error skip.")
        }
        if let period, period.trimmingCharacters(in: .whitespaces).isEmpty {
            throw ValidationError("--period is empty.")
        }
    }

    func run() throws {
        try reportingFailures {
            let loaded = try InstrumentLoader.load(path: instrument)
            let rejectsWriter = try rejects.map { try RejectsFile(path: $0) }
            let store = try storeOptions.open()
            let label = (file as NSString).lastPathComponent
            let request = ResponseImportRequest(
                path: file, instrument: loaded, instrumentFileName: (instrument as NSString).lastPathComponent,
                period: period.map { PeriodLabel($0.trimmingCharacters(in: .whitespaces)) }, encoding: encoding,
                errorPolicy: onError, dryRun: dryRun, replace: replace,
                onReject: rejectsWriter.map { writer in { try writer.append($0) } },
                onProgress: { Console.progress("importing \(label)", done: $0, total: $1) })
            let outcome = try store.importResponses(request)
            Console.endProgress()
            try rejectsWriter?.finish()
            Console.message(ImportSummary.describe(outcome, store: store.path))
        }
    }
}

/// Describes an import for the terminal.
enum ImportSummary {
    static func describe(_ outcome: ImportOutcome, store: String) -> String {
        var lines: [String] = []
        let periods = outcome.periods.map(\.rawValue).joined(separator: ", ")
        if outcome.dryRun {
            lines.append("dry run: \(outcome.importedRows) valid row(s) of '\(outcome.fileName)' (\(outcome.encoding)), "
                         + "period \(periods); nothing was written.")
        } else {
            lines.append("imported \(outcome.importedRows) respondent(s) from '\(outcome.fileName)' (\(outcome.encoding)) "
                         + "as batch \(outcome.batchID ?? 0), period \(periods), into \(store).")
        }
        if outcome.rejectedRows > 0 {
            lines.append("skipped \(outcome.rejectedRows) invalid row(s):")
            for problem in outcome.problems.prefix(20) { lines.append("  " + problem.description) }
            if outcome.problems.count > 20 { lines.append("  … and \(outcome.problems.count - 20) more") }
        }
        if outcome.blankRows > 0 { lines.append("ignored \(outcome.blankRows) blank line(s).") }
        if !outcome.ignoredColumns.isEmpty {
            let shown = outcome.ignoredColumns.prefix(8).map { "'\($0)'" }.joined(separator: ", ")
            lines.append("columns not in the instrument (not imported): \(shown)"
                         + (outcome.ignoredColumns.count > 8 ? ", …" : ""))
        }
        return lines.joined(separator: "\n")
    }
}

/// The `--rejects` file: the rejected rows with their line and reasons, as CSV for Excel, mode 0600.
final class RejectsFile {
    private let path: String
    private var writer = CSVWriter()
    private var rows = 0

    init(path: String) throws {
        self.path = path
        guard FileManager.default.createFile(atPath: path, contents: nil, attributes: [.posixPermissions: 0o600]) else {
            throw WellBeingError(.cannotCreateOutput, "Cannot create the rejects file '\(path)'.")
        }
        writer.append(texts: ["line", "problems", "cells"])
    }

    func append(_ row: RejectedRow) throws {
        let reasons = row.problems.map { problem -> String in
            var text = problem.location.column.map { "\($0): " } ?? ""
            if let value = problem.value { text += "'\(value)' " }
            return text + problem.reason
        }
        writer.append([.number(String(row.line)), .text(reasons.joined(separator: "; "))] + row.cells.map { .text($0) })
        rows += 1
    }

    func finish() throws {
        do {
            try Data(writer.document.utf8).write(to: URL(fileURLWithPath: path))
        } catch {
            throw WellBeingError(.ioFailure, "Writing the rejects file '\(path)' failed: \(error.localizedDescription)")
        }
        if rows > 0 { Console.message("wrote \(rows) rejected row(s) to \(path).") }
    }
}

struct ImportKPIs: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "kpis",
        abstract: "Import KPI values (kpi,group,period,value) with their catalogue.",
        discussion: """
            Example:
              wellbeing import kpis Surveys/samples/kpis.csv --catalog Surveys/kpis-lwc.yaml
            """)

    @OptionGroup var storeOptions: StoreOptions
    @Argument(help: ArgumentHelp("The KPI values CSV.", valueName: "file")) var file: String
    @Option(help: ArgumentHelp("The KPI catalogue (YAML).", valueName: "file")) var catalog: String
    @OptionGroup var options: SmallImportOptions

    func run() throws {
        try reportingFailures {
            let store = try storeOptions.openExisting()
            let outcome = try store.importKPIs(valuesPath: file, catalogPath: catalog, survey: options.survey,
                                               encoding: options.encoding, replace: options.replace)
            Console.message("imported \(outcome.rowCount) KPI value(s) from '\(outcome.fileName)' as batch "
                            + "\(outcome.batchID) (\(outcome.detail); periods "
                            + "\(outcome.periods.map(\.rawValue).joined(separator: ", "))).")
        }
    }
}

struct ImportPopulation: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "population",
        abstract: "Import population counts by respondent fields, for raking.",
        discussion: """
            The file holds counts by the cross of its fields, then count: region,age_band,sex,count.
            --margins says which marginal tables to rake to, in order; by default one per field.

            Example:
              wellbeing import population Surveys/samples/population.csv --margins 'age_band*sex,region'
            """)

    @OptionGroup var storeOptions: StoreOptions
    @Argument(help: ArgumentHelp("The population CSV.", valueName: "file")) var file: String
    @Option(help: ArgumentHelp("The margins to rake to, in order, such as 'age_band*sex,region'.", valueName: "spec"))
    var margins: String?
    @Option(help: ArgumentHelp("The period these counts are for (default: every period).", valueName: "label"))
    var period: String?
    @OptionGroup var options: SmallImportOptions

    func run() throws {
        try reportingFailures {
            let store = try storeOptions.openExisting()
            let outcome = try store.importPopulation(path: file, survey: options.survey, period: period.map { PeriodLabel($0) },
                                                     marginSpec: margins, encoding: options.encoding,
                                                     replace: options.replace)
            Console.message("imported \(outcome.rowCount) population cell(s) from '\(outcome.fileName)' as batch "
                            + "\(outcome.batchID) (\(outcome.detail)).")
        }
    }
}

struct ImportReference: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "reference",
        abstract: "Import reference figures (indicator,mean,sd,source) for deviation scores.",
        discussion: """
            Example:
              wellbeing import reference Surveys/samples/reference.csv
            """)

    @OptionGroup var storeOptions: StoreOptions
    @Argument(help: ArgumentHelp("The reference CSV.", valueName: "file")) var file: String
    @Option(help: ArgumentHelp("The period these figures are for (default: every period).", valueName: "label"))
    var period: String?
    @OptionGroup var options: SmallImportOptions

    func run() throws {
        try reportingFailures {
            let store = try storeOptions.openExisting()
            let outcome = try store.importReference(path: file, survey: options.survey, period: period.map { PeriodLabel($0) },
                                                    encoding: options.encoding, replace: options.replace)
            Console.message("imported \(outcome.rowCount) reference figure(s) from '\(outcome.fileName)' as batch "
                            + "\(outcome.batchID).")
        }
    }
}
