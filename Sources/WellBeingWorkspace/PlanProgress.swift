import Foundation
import WellBeingAnalysis
import WellBeingCore
import WellBeingStore

/// A period's targets compared with the estimates: loads every period the targets need (the period and the baselines)
/// with the same options, and hands them to `TargetProgress`.
public struct PlanProgress: Sendable {
    public var survey: SurveyID
    public var instrument: Instrument
    public var catalog: KPICatalog
    public var rows: [TargetProgressRow]
    public var weighting: Weighting?
    /// The period's analysis summary (who, how weighted); empty when it has no responses.
    public var summaryParts: [Message] = []

    /// - Throws: `usage` when the store has no targets for the period (naming the periods that have some).
    public init(store: SurveyStore, survey requested: String?, period: String, options: AnalysisOptions, by: String?,
         eachGroup: Bool) throws {
        let survey = try store.resolveSurvey(requested)
        let label = PeriodLabel(period)
        let targets = try store.targets(survey: survey, period: label)
        guard !targets.isEmpty else {
            let known = Set(try store.targets(survey: survey).map(\.period.rawValue)).sorted()
            throw WellBeingError(.usage, known.isEmpty ? Message(.noTargetsAtAll, ["survey": survey.rawValue])
                : Message(.noTargetsFor, ["survey": survey.rawValue, "period": period, "known": known.joined(separator: ", ")]))
        }
        try self.init(store: store, survey: survey, period: label, targets: targets, options: options, by: by, eachGroup: eachGroup)
    }

    /// The progress of `targets`, or nil when there are none (a report then has no such section).
    /// - Parameter known: periods already analysed with `options` (a report's), reused rather than computed again.
    public init(store: SurveyStore, survey: SurveyID, period: PeriodLabel, targets: [PlanTarget], options requested: AnalysisOptions,
         by: String?, eachGroup: Bool, known: [PeriodAnalysis] = []) throws {
        self.survey = survey
        instrument = try store.instrument(for: survey).instrument
        catalog = try store.kpiCatalog(survey: survey)
        // Targets are on the survey's own estimates: never standardised or modelled.
        var options = requested
        options.breakdown = nil
        options.standardization = nil
        options.smallArea = nil
        let summaries = Set(instrument.indicatorIDs.map(\.rawValue))
        if targets.contains(where: { !$0.isKPI && !summaries.contains($0.indicator) }) { options.itemEstimates = .all }
        let breakdown = try by.map { try Breakdown($0) }
        let periods = [period] + targets.compactMap(\.baselinePeriod).filter { $0 != period }
        let stored = try store.surveys().first { $0.id == survey }?.periods ?? [:]
        let batches = try store.batches().filter { $0.survey == survey && $0.kind == .responses }
        var inputs = TargetProgress.Inputs(results: [:])
        for label in Set(periods) {
            if targets.contains(where: \.isKPI) { inputs.kpiValues[label] = try store.kpiValues(survey: survey, period: label) }
            guard stored[label] != nil, targets.contains(where: { !$0.isKPI }) else { continue }
            let reusable = known.first { $0.results.period == label && breakdown == nil && $0.results.breakdown == nil
                && options.itemEstimates == requested.itemEstimates && requested.standardization == nil && requested.smallArea == nil }
            let analysis = try reusable ?? PeriodAnalysis(store: store, survey: survey.rawValue, period: label.rawValue, options: options,
                                                          breakdowns: { _, _ in breakdown.map { [$0] } ?? [] })
            inputs.results[label] = analysis.results
            if breakdown != nil { inputs.breakdownResults[label] = analysis.breakdownResults.first }
            let versions = batches.filter { $0.periods.contains(label) }.compactMap(\.instrumentVersion)
            inputs.facts[label] = PeriodFacts(instrumentVersions: Array(Set(versions)).sorted(),
                                              modeShares: PeriodFacts.modeShares(of: analysis.matrix))
            if label == period {
                weighting = analysis.results.weighting
                summaryParts = analysis.summaryParts
            }
        }
        rows = TargetProgress.evaluate(targets, inputs: inputs, eachGroup: eachGroup)
    }
}
