import Foundation
import WellBeingAnalysis
import WellBeingCore
import WellBeingReport
import WellBeingStore

/// Gathers what a report needs from one snapshot of the store and renders it.
public enum ReportJob {
    /// The report rendered in `format`'s files, named `<survey>-<period>` (`-en` in English), nothing written.
    public static func bundle(store: SurveyStore, survey requested: String?, period: String, previous: String?,
                              options: AnalysisOptions, language: Language, format: ReportFormat,
                              includeComments: Bool, breakdowns requestedBreakdowns: [Breakdown]? = nil,
                              maps: [IndicatorID]? = nil, about: ReportAbout? = nil) throws -> ReportBundle {
        let (document, input) = try build(store: store, survey: requested, period: period, previous: previous, options: options,
                                          language: language, includeComments: includeComments, breakdowns: requestedBreakdowns,
                                          maps: maps, about: about)
        let baseName = "\(input.results.survey.rawValue)-\(period)" + (language == .ja ? "" : "-\(language.rawValue)")
        return try ReportBundle(document, baseName: safeFileName(baseName), format: format)
    }

    /// The report's document and the computed input it shows, all read from one snapshot of the store.
    public static func build(store: SurveyStore, survey requested: String?, period: String, previous: String?,
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
    public static func safeFileName(_ name: String) -> String {
        String(name.map { $0.isLetter || $0.isNumber || "-_.".contains($0) ? $0 : "_" })
    }
}

/// Checks `report --maps`: every indicator has estimates, and boundaries are stored.
public enum MapRequest {
    public static func check(_ indicators: [IndicatorID], results: IndicatorResults, instrument: Instrument, hasBoundaries: Bool) throws {
        let known = Set(results.estimates.map(\.indicator))
        if let unknown = indicators.first(where: { !known.contains($0) }) {
            let list = instrument.indicatorIDs.map(\.rawValue)
            throw WellBeingError(.usage, Message(.mapsUnknownItem, [
                "item": unknown.rawValue, "known": list.prefix(30).joined(separator: ", ") + (list.count > 30 ? ", …" : "")]))
        }
        if !hasBoundaries { throw WellBeingError(.usage, Message(.mapsNoBoundaries)) }
    }
}
