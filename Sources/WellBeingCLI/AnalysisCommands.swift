import ArgumentParser
import Foundation
import WellBeingAnalysis
import WellBeingCore
import WellBeingReport
import WellBeingStore
import WellBeingWorkspace

extension Weighting: ExpressibleByArgument {}
extension FayHerriot.Method: ExpressibleByArgument {
    public init?(argument: String) { self.init(rawValue: argument.uppercased()) }
}
extension Language: ExpressibleByArgument {}
extension ResultFormat: ExpressibleByArgument {}
extension AnalysisRequest.SmallAreaModel: ExpressibleByArgument {}

/// Options shared by the commands that compute indicators.
struct AnalysisSelection: ParsableArguments {
    @Option(help: ArgumentHelp("The survey (needed only when the store holds several).", valueName: "id"))
    var survey: String?

    @Option(help: ArgumentHelp("none, design or raked (default: raked when population margins exist, else design "
                               + "weights when the survey has them, else none).", valueName: "weighting"))
    var weights: Weighting?

    // Unconditional: `--min-n -5` is a value (refused as below 1), not a missing value followed by an option.
    @Option(name: .customLong("min-n"), parsing: .unconditional,
            help: ArgumentHelp("Withhold estimates from fewer respondents (a whole number, at least 1).", valueName: "n"))
    var minimumN: Int = 10

    @Option(help: ArgumentHelp("Language of messages, table headers and names: ja or en (default: WELLBEING_LANG, else "
                               + "the locale; reports default to ja)."))
    var lang: Language?

    /// The language of messages and tables: --lang, else the environment.
    var language: Language { lang ?? Console.language }

    @Flag(help: "Estimate every question of the categories on its own too (by default only those with a benchmark).")
    var items = false

    @Flag(inversion: .prefixedNo, help: ArgumentHelp("Withhold further cells wherever a withheld one could be derived by "
          + "subtraction from the whole area, the other groups or the tables by other fields and their crosses (default on; "
          + "turn off only for figures that are not published)."))
    var secondarySuppression = true

    @Option(help: ArgumentHelp("Break the estimates down by a respondent field, or a cross of fields, instead of the "
                               + "group: 年代, 性別, '年代*性別'.", valueName: "field"))
    var by: String?

    @Option(help: ArgumentHelp("Standardise the group means to the whole area's structure by these respondent fields "
                               + "(needs the population table): '年代*性別', 年代. The whole-area row is not changed.",
                               valueName: "fields"))
    var standardize: String?

    @Option(name: .customLong("small-area"),
            help: ArgumentHelp("Model-based estimates for every group, the small ones included: fh (Fay–Herriot, as R sae).",
                               valueName: "model"))
    var smallArea: AnalysisRequest.SmallAreaModel?

    @Option(name: .customLong("sae-method"), help: ArgumentHelp("How --small-area fh estimates the variance between groups: "
                                                               + "REML (default), ML or FH.", valueName: "method"))
    var saeMethod: FayHerriot.Method = .reml

    @Option(name: .customLong("sae-covariates"),
            help: ArgumentHelp("KPIs (ids, comma-separated) whose values in the period predict the groups' means in --small-area.",
                               valueName: "kpis"))
    var saeCovariates: String?

    /// The options as values, shared with the server's query parameters.
    var request: AnalysisRequest {
        var request = AnalysisRequest(language: language)
        request.survey = survey
        request.weights = weights
        request.minimumN = minimumN
        request.items = items
        request.secondarySuppression = secondarySuppression
        request.by = by
        request.standardize = standardize
        request.smallArea = smallArea
        request.saeMethod = saeMethod
        request.saeCovariates = saeCovariates
        return request
    }

    func validate() throws {
        do { try request.validate() } catch let error as WellBeingError {
            throw ValidationError(error.text(in: Console.language))
        }
        for (option, value) in [("--by", by), ("--standardize", standardize)] {
            guard let value else { continue }
            do { _ = try Breakdown(value) } catch let error as WellBeingError {
                throw ValidationError(error.text(in: Console.language).replacingOccurrences(of: "--by", with: option))
            }
        }
    }

    var options: AnalysisOptions { request.options }
}

/// How the analysis commands print their results.
struct OutputOptions: ParsableArguments {
    @Option(help: "table, csv, json, xlsx (an Excel workbook; needs --output) or, for indicators, geojson (the district boundaries with the estimates).")
    var format: ResultFormat = .table

    @Option(help: ArgumentHelp("Write to this file instead of standard output (written whole or not at all).",
                               valueName: "file"))
    var output: String?

    @Flag(inversion: .prefixedNo, help: "Start CSV output with a byte-order mark, so that Excel reads it as UTF-8.")
    var bom = true

    func validate() throws {
        if format == .xlsx && output == nil {
            throw ValidationError(Message(.xlsxNeedsOutput).text(in: Console.language))
        }
        if let output, output.isEmpty { throw ValidationError(Message(.outputEmpty).text(in: Console.language)) }
    }

    /// Prints `text`, or writes it to `--output`.
    func deliver(_ text: String, protecting: [ProtectedFile]) throws {
        try deliver(Data(text.utf8), protecting: protecting)
    }

    /// Prints `data`, or writes it to `--output` (a workbook always: `validate` asks for `--output` with xlsx).
    func deliver(_ data: Data, protecting: [ProtectedFile]) throws {
        guard let output else {
            FileHandle.standardOutput.write(data)
            return
        }
        try ReportFiles.writeOutputFile(data, to: output, option: "--output", protecting: protecting)
        Console.say(Message(.wrote, ["path": output]))
    }
}

/// Prints a result in the chosen format, or writes it to `--output` (see `ResultRendering.render`).
func emit<T: Encodable>(_ json: T, text: ResultTable, csv: ResultTable, output: OutputOptions, sheet: String,
                        names: ((String) -> String)? = nil, notes: [String]? = nil, protecting: [ProtectedFile]) throws {
    try output.deliver(try ResultRendering.render(json, text: text, csv: csv, format: output.format, byteOrderMark: output.bom,
                                                  sheet: sheet, names: names, notes: notes),
                       protecting: protecting)
}

/// Says a view's messages on standard error and delivers its bytes.
func show(_ view: AnalysisView, output: OutputOptions, protecting: [ProtectedFile]) throws {
    for message in view.messages { Console.message(message) }
    try output.deliver(view.body, protecting: protecting)
}

struct Indicators: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Weighted category and headline estimates per group and for the whole area.",
        discussion: """
            For each group and the whole area: respondents, weighted mean, standard error, 95 % confidence
            interval, top-2 share and deviation score; estimates from fewer than --min-n respondents are
            withheld. With --format json also reliability (Cronbach's α) and driver correlations.

            With --format geojson: the imported district boundaries (import boundaries), one feature per
            district with each indicator's n, mean, se, ci_low, ci_high, top2, deviation and unstable as
            properties (ID_mean, …); a withheld estimate has only ID_withheld, its reason. For QGIS.

            Examples:
              wellbeing indicators --period 2025
              wellbeing indicators --period 2025 --weights none --format csv > indicators.csv
              wellbeing indicators --period 2025 --format geojson --output districts-2025.geojson
            """)

    @OptionGroup var storeOptions: StoreOptions
    @Option(help: ArgumentHelp("The period.", valueName: "label")) var period: String
    @OptionGroup var selection: AnalysisSelection
    @OptionGroup var output: OutputOptions

    func run() throws {
        try reportingFailures {
            let view = try AnalysisViews.indicators(store: try storeOptions.openForReading(), period: period,
                                                    request: selection.request, format: output.format, byteOrderMark: output.bom)
            try show(view, output: output, protecting: storeOptions.protectedFiles)
        }
    }
}

struct Compare: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Citizens' (subjective) scores beside the KPIs' (objective) scores, per group and category.",
        discussion: """
            Both sides are deviation scores (50 ± 10). A KPI is scored across the groups (or against its
            reference figure), lower-is-better KPIs turned round; a category's objective score is the mean of
            its KPIs'. Rows whose gap is 10 or more are flagged.

            Example:
              wellbeing compare --period 2025
            """)

    @OptionGroup var storeOptions: StoreOptions
    @Option(help: ArgumentHelp("The period.", valueName: "label")) var period: String
    @OptionGroup var selection: AnalysisSelection
    @OptionGroup var output: OutputOptions


    func validate() throws {
        if selection.by != nil {
            throw ValidationError(Message(.compareNoBy).text(in: Console.language))
        }
    }

    func run() throws {
        try reportingFailures {
            let view = try AnalysisViews.compare(store: try storeOptions.openForReading(), period: period,
                                                 request: selection.request, format: output.format, byteOrderMark: output.bom)
            try show(view, output: output, protecting: storeOptions.protectedFiles)
        }
    }
}

struct Drivers: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "What moves the outcome (life satisfaction): each category's correlation and score.",
        discussion: """
            The weighted Pearson correlation of each category score with the instrument's outcome item, and
            the quadrant when importance and score are split at their means: priority (important, low score:
            act here first), strength, maintain, monitor.

            Example:
              wellbeing drivers --period 2025
            """)

    @OptionGroup var storeOptions: StoreOptions
    @Option(help: ArgumentHelp("The period.", valueName: "label")) var period: String
    @OptionGroup var selection: AnalysisSelection
    @OptionGroup var output: OutputOptions


    func run() throws {
        try reportingFailures {
            let view = try AnalysisViews.drivers(store: try storeOptions.openForReading(), period: period,
                                                 request: selection.request, format: output.format, byteOrderMark: output.bom)
            try show(view, output: output, protecting: storeOptions.protectedFiles)
        }
    }
}

struct Trend: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "What changed between two periods, and whether the change is larger than chance.",
        discussion: """
            The difference of each estimate between the periods, its standard error √(SE₁² + SE₂²), and
            whether |difference| > 1.96·SE. Withheld estimates give no difference.

            Example:
              wellbeing trend --from 2024 --to 2025
            """)

    @OptionGroup var storeOptions: StoreOptions
    @Option(help: ArgumentHelp("The earlier period.", valueName: "label")) var from: String
    @Option(help: ArgumentHelp("The later period.", valueName: "label")) var to: String
    @OptionGroup var selection: AnalysisSelection
    @OptionGroup var output: OutputOptions


    func run() throws {
        try reportingFailures {
            let view = try AnalysisViews.trend(store: try storeOptions.openForReading(), from: from, to: to,
                                               request: selection.request, format: output.format, byteOrderMark: output.bom)
            try show(view, output: output, protecting: storeOptions.protectedFiles)
        }
    }
}
