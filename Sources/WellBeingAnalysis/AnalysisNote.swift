import WellBeingCore

/// Something a reader of the results should know, worded for the terminal or a report in either language.
public enum AnalysisNote: Sendable, Hashable, Encodable {
    /// Fewer than two groups have a non-withheld estimate, or they are all equal.
    case noDeviationScores(IndicatorID)
    /// The KPI has a value for one group only.
    case kpiInOneGroupOnly(KPIID, name: LocalizedText)
    /// The KPI has the same value in every group.
    case kpiWithoutVariation(KPIID, name: LocalizedText)
    /// `groups` are withheld too in `estimates` estimates, so that no withheld value can be derived by subtraction
    /// from the tables published beside them (`Disclosure`).
    case secondarySuppression(groups: [GroupName], estimates: Int)
    /// Strata of the sample with a single respondent: they add nothing to the SEs, which are therefore
    /// somewhat too small (R stops with an error unless `survey.lonely.psu` says otherwise).
    case singleRespondentStrata([String])
    /// The small-area model found no variation between groups beyond sampling error for these indicators:
    /// every group gets the synthetic estimate (all equal without covariates).
    case smallAreaSynthetic([IndicatorID], covariates: Bool)
    /// Fisher scoring did not converge for these indicators (sae gives up there); Â comes from the fallback.
    case smallAreaFallback([IndicatorID])
    /// No model could be fitted (too few groups, or no sampling variance to work with).
    case smallAreaNotFitted([IndicatorID])
    /// Standardised by `by`, `partial` of `groups` groups lack respondents in some cells (`cells` the most
    /// frequent), so their means are standardised over the cells they have.
    case partialStandardization(by: String, partial: Int, groups: Int, cells: [String], coarser: String?)

    /// The note in `language`, naming indicators as `instrument` does.
    public func text(in language: Language, instrument: Instrument? = nil) -> String {
        let list = language == .ja ? "、" : ", "
        func names(_ indicators: [IndicatorID]) -> String {
            indicators.map { instrument?.indicatorName($0, in: language) ?? $0.rawValue }.joined(separator: list)
        }
        func say(_ key: MessageKey, _ arguments: [String: String]) -> String { Message(key, arguments).text(in: language) }
        /// A respondent field's value (a group, a stratum) as `language` prints it.
        func value(_ text: String) -> String { instrument?.respondent.valueText(text, in: language) ?? text }
        switch self {
        case let .noDeviationScores(indicator):
            return say(.noteNoDeviation, ["name": names([indicator])])
        case let .kpiInOneGroupOnly(kpi, name):
            return say(.noteKPIOneGroup, ["kpi": kpi.rawValue, "name": name.text(in: language)])
        case let .kpiWithoutVariation(kpi, name):
            return say(.noteKPINoVariation, ["kpi": kpi.rawValue, "name": name.text(in: language)])
        case let .secondarySuppression(groups, count):
            return say(.noteSecondary, ["groups": groups.map { value($0.rawValue) }.joined(separator: list), "count": "\(count)"])
        case let .partialStandardization(by, partial, groups, cells, coarser):
            let shown = cells.prefix(3).map(value).joined(separator: list) + (cells.count > 3 ? (language == .ja ? " など" : ", …") : "")
            return say(partial == groups ? .notePartialAll : .notePartialSome,
                       ["by": by, "partial": "\(partial)", "groups": "\(groups)", "cells": shown])
                + (coarser.map { say(.noteCoarser, ["field": $0]) } ?? "")
        case let .smallAreaSynthetic(indicators, covariates):
            return say(covariates ? .noteSyntheticCovariates : .noteSyntheticIntercept, ["names": names(indicators)])
        case let .smallAreaFallback(indicators):
            return say(.noteFallback, ["names": names(indicators)])
        case let .smallAreaNotFitted(indicators):
            return say(.noteNotFitted, ["names": names(indicators)])
        case let .singleRespondentStrata(strata):
            return say(.noteSingleStratum, ["strata": strata.map(value).joined(separator: list)])
        }
    }

    /// Encoded as its English text.
    public func encode(to encoder: Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(text(in: .en))
    }
}
