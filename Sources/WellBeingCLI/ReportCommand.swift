import ArgumentParser
import Foundation
import WellBeingAnalysis
import WellBeingCore
import WellBeingIngest
import WellBeingReport
import WellBeingStore
import WellBeingWorkspace

extension ReportFormat: ExpressibleByArgument {}

struct Report: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Write the periodic well-being report (HTML and/or Markdown with SVG charts).",
        discussion: """
            One self-contained HTML file (no network needed, prints on A4) and/or a Markdown file with its
            charts as SVG files beside it. Japanese by default, English with --lang en. Free-text answers
            appear only with --comments, with e-mail addresses and phone numbers masked.

            Examples:
              wellbeing report --period 2025 --previous 2024
              wellbeing report --period 2025 --lang en --format md --out Reports/council
            """)

    @OptionGroup var storeOptions: StoreOptions
    @Option(help: ArgumentHelp("The period to report.", valueName: "label")) var period: String
    @Option(help: ArgumentHelp("The earlier period to compare with.", valueName: "label")) var previous: String?
    @Option(help: "html, md, both, xlsx (every table as one Excel workbook) or all.") var format: ReportFormat = .both
    @Option(help: ArgumentHelp("The folder to write into.", valueName: "dir")) var out: String = "Reports"
    @Flag(help: "Include free-text answers (e-mail addresses and phone numbers masked).") var comments = false
    @Option(help: ArgumentHelp("Map these indicators by district too, beside the headline ones (needs imported boundaries).",
                               valueName: "id,id,…"))
    var maps: String?
    @Option(help: ArgumentHelp("A YAML file with the survey's particulars (purpose, population, sampling, method, fieldwork, "
                               + "publisher, contact), as the instrument's report: block; it replaces that block.", valueName: "file"))
    var about: String?
    @OptionGroup var selection: AnalysisSelection

    func run() throws {
        try reportingFailures {
            let store = try storeOptions.openForReading()
            // --by chooses the breakdown sections (default: one per attribute, 年代別 and 性別); the report's
            // groups stay the instrument's.
            var options = selection.options
            options.breakdown = nil
            let breakdowns = try selection.by.map { [try Breakdown($0)] }
            let particulars = try about.map { try InstrumentLoader.loadAbout(path: $0) }
            let written = try ReportJob.write(store: store, survey: selection.survey, period: period, previous: previous,
                                              options: options, language: selection.lang ?? .ja, format: format,
                                              folder: out, includeComments: comments, breakdowns: breakdowns,
                                              maps: maps.map { $0.split(separator: ",").map { IndicatorID($0.trimmingCharacters(in: .whitespaces)) } },
                                              about: particulars)
            for path in written { Console.say(Message(.wrote, ["path": path])) }
        }
    }
}

/// Gathers what a report needs from the store and writes it.
enum ReportJob {
    static func write(store: SurveyStore, survey requested: String?, period: String, previous: String?,
                      options: AnalysisOptions, language: Language, format: ReportFormat, folder: String,
                      includeComments: Bool, breakdowns requestedBreakdowns: [Breakdown]? = nil,
                      maps: [IndicatorID]? = nil, about: ReportAbout? = nil) throws -> [String] {
        let (document, input) = try build(store: store, survey: requested, period: period, previous: previous, options: options,
                                          language: language, includeComments: includeComments, breakdowns: requestedBreakdowns,
                                          maps: maps, about: about)
        let baseName = "\(input.results.survey.rawValue)-\(period)" + (language == .ja ? "" : "-\(language.rawValue)")
        return try ReportFiles.write(document, folder: folder, baseName: Self.safeFileName(baseName), format: format,
                                     protecting: SurveyStore.protectedFiles(of: store.path))
    }

    /// The report's document and the computed input it shows, all read from one snapshot of the store.
    static func build(store: SurveyStore, survey requested: String?, period: String, previous: String?,
                      options: AnalysisOptions, language: Language, includeComments: Bool,
                      breakdowns requestedBreakdowns: [Breakdown]? = nil,
                      maps: [IndicatorID]? = nil, about: ReportAbout? = nil) throws -> (ReportDocument, ReportInput) {
        try store.snapshot { snapshot in
            try build(snapshot: snapshot, survey: requested, period: period, previous: previous, options: options, language: language,
                      includeComments: includeComments, breakdowns: requestedBreakdowns, maps: maps, about: about)
        }
    }

    private static func build(snapshot store: SurveyStore, survey requested: String?, period: String, previous: String?,
                              options: AnalysisOptions, language: Language, includeComments: Bool, breakdowns requestedBreakdowns: [Breakdown]?,
                              maps: [IndicatorID]?, about: ReportAbout?) throws -> (ReportDocument, ReportInput) {
        // By default one section per attribute that the period's answers hold (an optional column may be absent).
        let current = try PeriodAnalysis(store: store, survey: requested, period: period, options: options) { instrument, matrix in
            requestedBreakdowns ?? instrument.respondent.attributes.indices
                .filter { index in matrix.attributeValues[index].contains { !$0.isEmpty } }
                .map { Breakdown(fields: [instrument.respondent.attributes[$0].column.name]) }
        }
        let breakdowns = current.breakdownResults
        let survey = current.results.survey
        let earlier = try previous.map { try PeriodAnalysis(store: store, survey: survey.rawValue, period: $0, options: options) }
        let comparison = current.comparison()
        let periods = Set([period] + (previous.map { [$0] } ?? []))
        let provenance = try store.batches().filter { batch in
            batch.survey == survey && (batch.periods.isEmpty || batch.periods.contains { periods.contains($0.rawValue) })
        }.map { batch in
            ProvenanceEntry(batch: batch.id, kind: batch.kind.rawValue, fileName: batch.fileName, sha256: batch.sha256,
                            rows: batch.rowCount, periods: batch.periods.isEmpty ? "*" : batch.periods.map(\.rawValue).joined(separator: ","))
        }
        let comments = includeComments
            ? try store.freeText(survey: survey, period: PeriodLabel(period)).map { (group: $0.group, text: $0.text) } : nil
        var instrument = current.instrument
        if let about { instrument.about = about }
        // Every mean-only benchmark stored for the survey, of any period it has answers for.
        let storedPeriods = try store.surveys().first { $0.id == survey }?.periods.keys.sorted() ?? []
        let benchmarks = try storedPeriods.flatMap { stored in
            try store.referenceFigures(survey: survey, period: stored).values.filter { $0.standardDeviation == nil }.map {
                StoredBenchmark(period: stored.rawValue, indicator: $0.indicator, mean: $0.mean, source: $0.source)
            }
        }.sorted { ($0.period, $0.indicator) < ($1.period, $1.indicator) }
        var input = ReportInput(
            instrument: instrument, instrumentSHA256: try store.instrument(for: survey).sha256,
            results: current.results, previous: earlier?.results, comparison: comparison?.rows,
            comparisonNotes: comparison?.notes ?? [],
            provenance: provenance, comments: comments, language: language, toolVersion: ToolVersion.current,
            breakdowns: breakdowns, profiles: SurveyTabulation.profiles(matrix: current.matrix, population: current.population),
            tabulation: SurveyTabulation.items(matrix: current.matrix),
            responseRates: current.results.responseRates, storedBenchmarks: benchmarks)
        input.boundaries = try store.boundaries(survey: survey)
        input.answeredDays = try store.answeredDays(survey: survey, period: PeriodLabel(period))
        if let maps {
            try MapRequest.check(maps, results: current.results, instrument: current.instrument, hasBoundaries: input.boundaries != nil)
            input.mapIndicators = maps
        }
        let targets = try store.targets(survey: survey, period: PeriodLabel(period))
        if !targets.isEmpty {
            let known = [current] + (earlier.map { [$0] } ?? [])
            let progress = try PlanProgress(store: store, survey: survey, period: PeriodLabel(period), targets: targets, options: options,
                                            by: nil, eachGroup: false, known: known)
            input.planTargets = ReportTargets(rows: progress.rows, catalog: progress.catalog)
        }
        return (ReportBuilder(input: input).build(), input)
    }

    /// Keeps a file name to letters, digits, '-', '_' and '.'.
    static func safeFileName(_ name: String) -> String {
        String(name.map { $0.isLetter || $0.isNumber || "-_.".contains($0) ? $0 : "_" })
    }
}

/// Checks `report --maps`: every indicator has estimates, and boundaries are stored.
enum MapRequest {
    static func check(_ indicators: [IndicatorID], results: IndicatorResults, instrument: Instrument, hasBoundaries: Bool) throws {
        let known = Set(results.estimates.map(\.indicator))
        if let unknown = indicators.first(where: { !known.contains($0) }) {
            let list = instrument.indicatorIDs.map(\.rawValue)
            throw WellBeingError(.usage, Message(.mapsUnknownItem, [
                "item": unknown.rawValue, "known": list.prefix(30).joined(separator: ", ") + (list.count > 30 ? ", …" : "")]))
        }
        if !hasBoundaries { throw WellBeingError(.usage, Message(.mapsNoBoundaries)) }
    }
}
