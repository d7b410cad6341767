import ArgumentParser
import Foundation
import WellBeingAnalysis
import WellBeingCore
import WellBeingReport
import WellBeingStore

extension Weighting: ExpressibleByArgument {}
extension FayHerriot.Method: ExpressibleByArgument {
    public init?(argument: String) { self.init(rawValue: argument.uppercased()) }
}
extension Language: ExpressibleByArgument {}

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
    var smallArea: SmallAreaModel?

    @Option(name: .customLong("sae-method"), help: ArgumentHelp("How --small-area fh estimates the variance between groups: "
                                                               + "REML (default), ML or FH.", valueName: "method"))
    var saeMethod: FayHerriot.Method = .reml

    @Option(name: .customLong("sae-covariates"),
            help: ArgumentHelp("KPIs (ids, comma-separated) whose values in the period predict the groups' means in --small-area.",
                               valueName: "kpis"))
    var saeCovariates: String?

    enum SmallAreaModel: String, ExpressibleByArgument, CaseIterable { case fh }

    /// The KPI ids of --sae-covariates.
    var covariateIDs: [String] {
        (saeCovariates ?? "").split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
    }

    func validate() throws {
        if smallArea == nil && (saeCovariates != nil || saeMethod != .reml) {
            throw ValidationError(Message(.saeOptionsAlone).text(in: Console.language))
        }
        if smallArea != nil && standardize != nil {
            throw ValidationError(Message(.smallAreaWithStandardize).text(in: Console.language))
        }
        if minimumN < 1 { throw ValidationError(Message(.minNAtLeastOne).text(in: Console.language)) }
        for (option, value) in [("--by", by), ("--standardize", standardize)] {
            guard let value else { continue }
            do { _ = try Breakdown(value) } catch let error as WellBeingError {
                throw ValidationError(error.text(in: Console.language).replacingOccurrences(of: "--by", with: option))
            }
        }
    }

    var options: AnalysisOptions {
        var options = AnalysisOptions(weighting: weights, minimumN: minimumN, itemEstimates: items ? .all : .benchmarked,
                                      breakdown: by.flatMap { try? Breakdown($0) })
        options.secondarySuppression = secondarySuppression
        options.standardization = standardize.flatMap { try? Breakdown($0) }
        options.smallArea = smallArea.map { _ in
            var model = SmallAreaOptions(method: saeMethod)
            model.covariateKPIs = covariateIDs
            return model
        }
        return options
    }
}

/// How the analysis commands print their results.
struct OutputOptions: ParsableArguments {
    @Option(help: "table, csv, json, xlsx (an Excel workbook; needs --output) or, for indicators, geojson (the district boundaries with the estimates).")
    var format: OutputFormat = .table

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
        guard let output else {
            Console.output(text)
            return
        }
        try ReportFiles.writeOutputFile(Data(text.utf8), to: output, option: "--output", protecting: protecting)
        Console.say(Message(.wrote, ["path": output]))
    }
}

/// Loads a period's answers and everything that goes with them, and computes its indicators.
struct PeriodAnalysis {
    var instrument: Instrument
    var results: IndicatorResults
    var references: [String: ReferenceFigure]
    var matrix: ResponseMatrix
    var population: PopulationTable?
    /// The same period by other respondent fields (the report's 年代別, 性別), computed with the main results.
    var breakdownResults: [IndicatorResults] = []

    /// - Parameter breakdowns: the other fields to break the period down by, chosen from its instrument and answers.
    init(store: SurveyStore, survey requested: String?, period: String, options requestedOptions: AnalysisOptions,
         breakdowns: ((Instrument, ResponseMatrix) throws -> [Breakdown])? = nil) throws {
        var options = requestedOptions
        let survey = try store.resolveSurvey(requested)
        let label = PeriodLabel(period)
        let known = try store.surveys().first { $0.id == survey }?.periods.keys.sorted() ?? []
        guard known.contains(label) else {
            throw WellBeingError(.usage, known.isEmpty
                ? Message(.noResponsesAtAll, ["survey": survey.rawValue, "period": period])
                : Message(.noResponsesForPeriod, ["survey": survey.rawValue, "period": period,
                                                  "known": known.map(\.rawValue).joined(separator: ", ")]))
        }
        matrix = try store.responses(survey: survey, period: label)
        references = try store.referenceFigures(survey: survey, period: label)
        population = try store.population(survey: survey, period: label)
        if let kpis = options.smallArea?.covariateKPIs, !kpis.isEmpty {
            options.smallArea?.covariates = try Self.covariates(kpis, store: store, survey: survey, period: label)
        }
        let engine = IndicatorEngine(matrix: matrix, population: population, references: references, options: options)
        let all = try engine.run(breakdowns: try breakdowns?(matrix.instrument, matrix) ?? [])
        results = all.main
        let answers = matrix
        results.responseRates = try store.sampleSizes(survey: survey, period: label)
            .map { try SurveyTabulation.responseRates(sample: $0, matrix: answers) } ?? []
        breakdownResults = all.breakdowns
        instrument = matrix.instrument
    }

    /// The KPI values of `ids` in the period, as small-area covariates.
    ///
    /// - Throws: `usage` naming a KPI the store does not know, or one without values in the period.
    static func covariates(_ ids: [String], store: SurveyStore, survey: SurveyID, period: PeriodLabel) throws -> [SmallAreaOptions.Covariate] {
        let known = try store.kpiCatalog(survey: survey).kpis.map(\.id.rawValue)
        let values = try store.kpiValues(survey: survey, period: period)
        return try ids.map { id in
            guard known.contains(id) else {
                throw WellBeingError(.usage, known.isEmpty
                    ? Message(.unknownKPINone, ["kpi": id, "survey": survey.rawValue])
                    : Message(.unknownKPI, ["kpi": id, "survey": survey.rawValue, "known": known.joined(separator: ", ")]))
            }
            let byGroup = Dictionary(values.filter { $0.kpi.rawValue == id }.map { ($0.group, $0.value) }, uniquingKeysWith: { a, _ in a })
            guard !byGroup.isEmpty else {
                throw WellBeingError(.usage, Message(.kpiNoValues, ["kpi": id, "period": period.rawValue]))
            }
            return SmallAreaOptions.Covariate(name: id, values: byGroup)
        }
    }

    /// The survey beside its KPIs for this period, or nil when the store has no KPI values for it.
    func comparison(store: SurveyStore) throws -> (rows: [ComparisonRow], scores: [KPIScore], notes: [AnalysisNote])? {
        let survey = results.survey
        let catalog = try store.kpiCatalog(survey: survey)
        let values = try store.kpiValues(survey: survey, period: results.period)
        guard !catalog.kpis.isEmpty, !values.isEmpty else { return nil }
        return ObjectiveComparison.compare(results: results, categories: instrument.categories.map(\.id), catalog: catalog,
                                           values: values, references: references)
    }

    /// The summary's pieces: who, how weighted, which design, what is withheld.
    var summaryParts: [Message] {
        var parts = [Message(.analysisSummary, ["survey": results.survey.rawValue, "period": results.period.rawValue,
                                                "count": "\(results.respondentCount)"])]
        switch results.weighting {
        case .none: parts.append(Message(.analysisWeightingNone))
        case .design: parts.append(Message(.analysisWeightingDesign))
        case .raked: parts.append(Message(.analysisWeightingRaked))
        }
        if results.weighting != .none {
            parts.append(Message(.analysisKish, ["deff": String(format: "%.2f", results.kishDesignEffect)]))
        }
        if let sampling = results.sampling {
            parts.append(Message(sampling.finitePopulationCorrection ? .analysisStrataFPC : .analysisStrata,
                                 ["fields": sampling.fields.specification, "count": "\(sampling.strata.count)"]))
        }
        parts.append(Message(.analysisWithheld, ["minN": "\(results.minimumN)"]))
        if let breakdown = results.breakdown { parts.append(Message(.analysisBy, ["fields": breakdown.specification])) }
        if let standardization = results.standardization {
            parts.append(Message(.analysisStandardized, ["fields": standardization.specification]))
        }
        if let fits = results.smallAreaFits {
            parts.append(Message(.analysisSmallArea, ["method": fits.first?.method.rawValue ?? "REML", "count": "\(fits.count)"]))
        }
        return parts
    }

    /// The summary line in `language`.
    func summaryText(in language: Language) -> String {
        summaryParts.map { $0.text(in: language) }.joined()
    }
}

/// Prints a result in the chosen format, or writes it to `--output`; a workbook holds the CSV's columns (the
/// JSON's fields) on a sheet named `sheet`, with a `name` column after `indicator` when `names` knows them.
func emit<T: Encodable>(_ json: T, text: ResultTable, csv: ResultTable, output: OutputOptions, sheet: String,
                        names: ((String) -> String)? = nil, notes: [String]? = nil, protecting: [ProtectedFile]) throws {
    switch output.format {
    case .geojson: throw WellBeingError(.usage, Message(.geojsonOnlyIndicators))
    case .json: try output.deliver(try JSONOutput.encode(json), protecting: protecting)
    case .csv: try output.deliver(csv.renderCSV(byteOrderMark: output.bom), protecting: protecting)
    case .table: try output.deliver(text.renderText(), protecting: protecting)
    case .xlsx:
        var table = csv
        if let names, let column = table.headers.firstIndex(of: "indicator") {
            table.headers.insert("name", at: column + 1)
            for index in table.rows.indices {
                guard case let .text(id) = table.rows[index][column] else { continue }
                table.rows[index].insert(.text(names(id)), at: column + 1)
            }
        }
        if let notes, notes.count == table.rows.count {
            // Why a cell is empty, in words: a clerk reads it beside the figures.
            table.headers.append("note")
            for index in table.rows.indices { table.rows[index].append(.text(notes[index])) }
        }
        let workbook = SpreadsheetWorkbook(sheets: [.init(name: sheet, table: table)], title: sheet)
        try ReportFiles.writeOutputFile(try workbook.data(), to: output.output!, option: "--output", protecting: protecting)
        Console.say(Message(.wrote, ["path": output.output!]))
    }
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
            let store = try storeOptions.openForReading()
            let analysis = try PeriodAnalysis(store: store, survey: selection.survey, period: period, options: selection.options)
            Console.message(analysis.summaryText(in: selection.language))
            for note in analysis.results.notes { Console.note(note.text(in: selection.language, instrument: analysis.instrument)) }
            if output.format == .geojson {
                guard analysis.results.breakdown == nil else { throw WellBeingError(.usage, Message(.geojsonNotByGroup)) }
                guard let boundaries = try store.boundaries(survey: analysis.results.survey) else {
                    throw WellBeingError(.usage, Message(.geojsonNoBoundaries, ["survey": analysis.results.survey.rawValue]))
                }
                try output.deliver(try IndicatorGeoJSON.render(analysis.results, boundaries: boundaries, instrument: analysis.instrument,
                                                               language: selection.language),
                                   protecting: storeOptions.protectedFiles)
                return
            }
            try emit(analysis.results,
                     text: ResultTables.indicatorsText(analysis.results, instrument: analysis.instrument, language: selection.language),
                     csv: ResultTables.indicatorsCSV(analysis.results), output: output,
                     sheet: selection.language == .ja ? "指標 \(period)" : "indicators \(period)",
                     names: { analysis.instrument.indicatorName(IndicatorID($0), in: selection.language) },
                     notes: analysis.results.estimates.map { ResultTables.estimateNote($0, minimumN: analysis.results.minimumN,
                                                                                      language: selection.language) },
                     protecting: storeOptions.protectedFiles)
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

    struct Output: Encodable {
        var period: String
        var rows: [ComparisonRow]
        var notes: [AnalysisNote]
    }

    func validate() throws {
        if selection.by != nil {
            throw ValidationError(Message(.compareNoBy).text(in: Console.language))
        }
    }

    func run() throws {
        try reportingFailures {
            let store = try storeOptions.openForReading()
            let analysis = try PeriodAnalysis(store: store, survey: selection.survey, period: period, options: selection.options)
            guard let comparison = try analysis.comparison(store: store) else {
                throw WellBeingError(.usage, Message(.noKPIValues, ["survey": analysis.results.survey.rawValue, "period": period]))
            }
            Console.message(analysis.summaryText(in: selection.language))
            let notes = analysis.results.notes + comparison.notes
            for note in notes { Console.note(note.text(in: selection.language, instrument: analysis.instrument)) }
            try emit(Output(period: period, rows: comparison.rows, notes: notes),
                     text: ResultTables.compareText(comparison.rows, instrument: analysis.instrument, language: selection.language),
                     csv: ResultTables.compareCSV(comparison.rows), output: output,
                     sheet: selection.language == .ja ? "主観と客観 \(period)" : "compare \(period)",
                     names: { analysis.instrument.indicatorName(IndicatorID($0), in: selection.language) },
                     protecting: storeOptions.protectedFiles)
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

    struct Output: Encodable {
        var period: String
        var outcome: String?
        var rows: [DriverRow]
    }

    func run() throws {
        try reportingFailures {
            let analysis = try PeriodAnalysis(store: try storeOptions.openForReading(), survey: selection.survey,
                                              period: period, options: selection.options)
            guard let outcome = analysis.instrument.outcome else {
                throw WellBeingError(.usage, Message(.noOutcome, ["survey": analysis.results.survey.rawValue]))
            }
            let rows = DriverAnalysis.rows(from: analysis.results).rows
            Console.message(analysis.summaryText(in: selection.language))
            try emit(Output(period: period, outcome: outcome.itemID.rawValue, rows: rows),
                     text: ResultTables.driversText(rows, instrument: analysis.instrument, language: selection.language),
                     csv: ResultTables.driversCSV(rows), output: output,
                     sheet: selection.language == .ja ? "重要度 \(period)" : "drivers \(period)",
                     names: { analysis.instrument.indicatorName(IndicatorID($0), in: selection.language) },
                     protecting: storeOptions.protectedFiles)
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

    struct Output: Encodable {
        var from: String
        var to: String
        /// The comparisons in the Benjamini–Hochberg family (rows with a p).
        var tests: Int
        var rows: [TrendRow]
    }

    func run() throws {
        try reportingFailures {
            let store = try storeOptions.openForReading()
            let earlier = try PeriodAnalysis(store: store, survey: selection.survey, period: from, options: selection.options)
            let later = try PeriodAnalysis(store: store, survey: selection.survey, period: to, options: selection.options)
            let rows = TrendAnalysis.compare(from: earlier.results, to: later.results)
            Console.message(earlier.summaryText(in: selection.language))
            Console.message(later.summaryText(in: selection.language))
            Console.say(Message(.trendSummary, ["tests": "\(TrendAnalysis.tests(rows))"]))
            try emit(Output(from: from, to: to, tests: TrendAnalysis.tests(rows), rows: rows),
                     text: ResultTables.trendText(rows, instrument: later.instrument, language: selection.language),
                     csv: ResultTables.trendCSV(rows), output: output,
                     sheet: selection.language == .ja ? "経年変化 \(from)-\(to)" : "trend \(from)-\(to)",
                     names: { later.instrument.indicatorName(IndicatorID($0), in: selection.language) },
                     protecting: storeOptions.protectedFiles)
        }
    }
}
