import Foundation
import WellBeingAnalysis
import WellBeingCore
import WellBeingStore

/// One period of a survey analysed: its answers and everything that goes with them (population, sample sizes,
/// reference figures, KPIs), all read from one snapshot of the store, and the indicators computed from them.
///
/// Every front end analyses a period through this type, so the same options give the same figures from the
/// command line and from a server.
public struct PeriodAnalysis: Sendable {
    public var instrument: Instrument
    public var results: IndicatorResults
    public var references: [String: ReferenceFigure]
    public var matrix: ResponseMatrix
    public var population: PopulationTable?
    /// The same period by other respondent fields (the report's 年代別, 性別), computed with the main results.
    public var breakdownResults: [IndicatorResults] = []
    /// The survey's KPI catalogue and the period's KPI values, read with the answers.
    public var kpiCatalog: KPICatalog
    public var kpiValues: [KPIValue]

    /// Reads the period from one snapshot of `store` and computes its indicators.
    ///
    /// - Parameters:
    ///   - survey: the survey named by the user, or nil for the store's only one.
    ///   - breakdowns: the other fields to break the period down by, chosen from its instrument and answers.
    /// - Throws: `usage` for a survey or period the store does not hold, or an unknown covariate KPI; the
    ///   store's and the engine's errors.
    public init(store: SurveyStore, survey requested: String?, period: String, options requestedOptions: AnalysisOptions,
                breakdowns: ((Instrument, ResponseMatrix) throws -> [Breakdown])? = nil) throws {
        self = try store.snapshot { snapshot in
            try PeriodAnalysis(snapshot: snapshot, survey: requested, period: period, options: requestedOptions,
                               breakdowns: breakdowns)
        }
    }

    private init(snapshot store: SurveyStore, survey requested: String?, period: String, options requestedOptions: AnalysisOptions,
                 breakdowns: ((Instrument, ResponseMatrix) throws -> [Breakdown])?) throws {
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
        kpiCatalog = try store.kpiCatalog(survey: survey)
        kpiValues = try store.kpiValues(survey: survey, period: label)
        if let kpis = options.smallArea?.covariateKPIs, !kpis.isEmpty {
            options.smallArea?.covariates = try Self.covariates(kpis, catalog: kpiCatalog, values: kpiValues,
                                                                survey: survey, period: label)
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

    /// Analyses the period off the caller's thread (the store blocks while it reads; a server's cooperative
    /// threads never do); see `init(store:survey:period:options:breakdowns:)`.
    public static func analyse(store: SurveyStore, survey: String?, period: String,
                               options: AnalysisOptions) async throws -> PeriodAnalysis {
        try await BlockingWork.run { try PeriodAnalysis(store: store, survey: survey, period: period, options: options) }
    }

    /// The KPI values of `ids` in the period, as small-area covariates.
    ///
    /// - Throws: `usage` naming a KPI the store does not know, or one without values in the period.
    static func covariates(_ ids: [String], catalog: KPICatalog, values: [KPIValue], survey: SurveyID,
                           period: PeriodLabel) throws -> [SmallAreaOptions.Covariate] {
        let known = catalog.kpis.map(\.id.rawValue)
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
    public func comparison() -> (rows: [ComparisonRow], scores: [KPIScore], notes: [AnalysisNote])? {
        guard !kpiCatalog.kpis.isEmpty, !kpiValues.isEmpty else { return nil }
        return ObjectiveComparison.compare(results: results, categories: instrument.categories.map(\.id), catalog: kpiCatalog,
                                           values: kpiValues, references: references)
    }

    /// The summary's pieces: who, how weighted, which design, what is withheld.
    public var summaryParts: [Message] {
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
        if let breakdown = results.breakdown {
            // 年代 → 「年代別」; 性別 already reads "by sex" (no 「性別別」).
            let specification = breakdown.specification
            parts.append(Message(specification.hasSuffix("別") ? .analysisByField : .analysisBy, ["fields": specification]))
        }
        if let standardization = results.standardization {
            parts.append(Message(.analysisStandardized, ["fields": standardization.specification]))
        }
        if let fits = results.smallAreaFits {
            parts.append(Message(.analysisSmallArea, ["method": fits.first?.method.rawValue ?? "REML", "count": "\(fits.count)"]))
        }
        return parts
    }

    /// The summary line in `language`.
    public func summaryText(in language: Language) -> String {
        summaryParts.map { $0.text(in: language) }.joined()
    }
}
