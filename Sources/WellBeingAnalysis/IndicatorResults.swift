import Foundation
import WellBeingCore

/// One estimate: an indicator in a group (or the whole area) for a period.
public struct IndicatorEstimate: Sendable, Hashable, Encodable {
    /// The group, or nil for the whole area.
    public var group: GroupName?
    public var indicator: IndicatorID
    /// Respondents with an answer (unweighted).
    public var n: Int
    /// The weighted mean; nil when withheld or nobody answered.
    public var mean: Double?
    /// The standard error of the mean.
    public var standardError: Double?
    public var confidenceLow: Double?
    public var confidenceHigh: Double?
    /// The weighted share of top-box answers (score ≥ the scale's `topBoxFrom`).
    public var topBoxShare: Double?
    /// The standard error of the top-box share, as R `svymean` on the 0/1 top-box indicator.
    public var topBoxStandardError: Double?
    /// The deviation score (偏差値) among groups, or against a reference figure.
    public var deviation: Double?
    /// Why the estimate is withheld, or nil when it is published.
    public var withheld: WithheldReason?
    /// Fewer than 30 respondents: shown, but to be read with care.
    public var unstable: Bool
    /// The sum of the weights of the respondents who answered (not printed).
    public var sumOfWeights: Double
    /// The comparison with a mean-only benchmark, when one was imported for this indicator.
    public var benchmark: BenchmarkComparison?
    /// The standard error of the deviation score, 10·SE/σ (σ the spread the score is taken against): a
    /// score within 1.96 of these of 50 cannot be told apart from the average (not printed).
    public var deviationStandardError: Double?
    /// What standardisation did, when the estimate is standardised (`--standardize`).
    public var standardization: StandardizationDetail?
    /// The model-based estimate, with `--small-area fh` (nil for the whole area and for groups outside the model).
    public var smallArea: SmallAreaEstimate?
    /// Whether small-area estimates were asked for (the JSON then has `sae`, null where there is none).
    var smallAreaRequested = false

    enum CodingKeys: String, CodingKey {
        case group, indicator, n, mean, se, ciLow = "ci_low", ciHigh = "ci_high", top2, top2SE = "top2_se", deviation,
             suppressed, suppression, unstable, benchmark, sae, partial, droppedCells = "dropped_cells", lostCells = "lost_cells"
    }

    public func encode(to encoder: Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(group?.rawValue, forKey: .group)
        try container.encode(indicator.rawValue, forKey: .indicator)
        try container.encode(n, forKey: .n)
        try container.encode(mean, forKey: .mean)
        try container.encode(standardError, forKey: .se)
        try container.encode(confidenceLow, forKey: .ciLow)
        try container.encode(confidenceHigh, forKey: .ciHigh)
        try container.encode(topBoxShare, forKey: .top2)
        try container.encode(topBoxStandardError, forKey: .top2SE)
        try container.encode(deviation, forKey: .deviation)
        try container.encode(suppressed, forKey: .suppressed)
        try container.encode(withheld, forKey: .suppression)
        try container.encode(unstable, forKey: .unstable)
        try container.encodeIfPresent(benchmark, forKey: .benchmark)
        if smallAreaRequested { try container.encode(smallArea, forKey: .sae) }
        if let standardization {
            try container.encode(standardization.partial, forKey: .partial)
            try container.encode(standardization.droppedCells, forKey: .droppedCells)
            try container.encode(standardization.lostCells, forKey: .lostCells)
        }
    }
}

extension IndicatorEstimate {
    /// Whether the estimate is withheld, for either reason.
    public var suppressed: Bool { withheld != nil }
}

/// Why an estimate is withheld; reports mark the two apart (秘匿※1, 秘匿※2).
public enum WithheldReason: String, Sendable, Hashable, Encodable {
    /// Fewer than `min_n` respondents answered (primary suppression).
    case fewRespondents = "min_n"
    /// Published, it would let a withheld estimate be derived by subtraction (secondary suppression).
    case protectsAnother = "secondary"
}

/// Cronbach's α of one category (unweighted, respondents who answered every item).
public struct Reliability: Sendable, Hashable, Encodable {
    public var indicator: IndicatorID
    public var items: Int
    public var n: Int
    public var alpha: Double?

    enum CodingKeys: String, CodingKey { case indicator, items, n, alpha }

    public func encode(to encoder: Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(indicator.rawValue, forKey: .indicator)
        try container.encode(items, forKey: .items)
        try container.encode(n, forKey: .n)
        try container.encode(alpha, forKey: .alpha)
    }
}

/// The weighted Pearson correlation of a category score with the outcome item, over the whole area.
public struct DriverCorrelation: Sendable, Hashable, Encodable {
    public var indicator: IndicatorID
    public var n: Int
    public var r: Double?

    enum CodingKeys: String, CodingKey { case indicator, n, r }

    public func encode(to encoder: Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(indicator.rawValue, forKey: .indicator)
        try container.encode(n, forKey: .n)
        try container.encode(r, forKey: .r)
    }
}

/// The top-box share of one item (on its score, so a reverse-worded item counts its low answers).
public struct ItemShare: Sendable, Hashable {
    public var group: GroupName?
    public var item: ItemID
    public var n: Int
    public var share: Double?
}

/// The weighted distribution of a headline item's answers over the whole area.
public struct AnswerDistribution: Sendable, Hashable {
    public var indicator: IndicatorID
    /// The answer values, from the scale's minimum to its maximum.
    public var values: [Int]
    /// The weighted share of each value among those who answered.
    public var shares: [Double]
    public var n: Int
}

/// Everything `wellbeing indicators` reports for one survey and period.
public struct IndicatorResults: Sendable {
    public var survey: SurveyID
    public var period: PeriodLabel
    public var weighting: Weighting
    public var minimumN: Int
    /// Respondents in the period.
    public var respondentCount: Int
    /// Kish's design effect of the weights, n·Σw²/(Σw)².
    public var kishDesignEffect: Double
    /// Whole-area estimates first, then each group's, indicators in instrument order.
    public var estimates: [IndicatorEstimate]
    public var reliability: [Reliability]
    public var drivers: [DriverCorrelation]
    public var itemShares: [ItemShare]
    /// The groups in report order.
    public var groups: [GroupName]
    /// Where each indicator's deviation scores come from: "groups" or "reference".
    public var deviationBasis: [IndicatorID: String]
    /// Things the reader should know (a deviation left out and why, …).
    public var notes: [AnalysisNote]
    /// The sweeps raking took (0 when not raked).
    public var rakingSweeps: Int
    /// The answer distribution of each headline item.
    public var distributions: [AnswerDistribution] = []
    /// The respondent fields the groups are, when not the instrument's group (`--by`).
    public var breakdown: Breakdown?
    /// The strata the SEs were computed over, for a stratified sample (DESIGN §12); nil for a simple one.
    public var sampling: SamplingSummary?
    /// The Fay–Herriot fit of each indicator, with `--small-area fh`; nil when not asked for.
    public var smallAreaFits: [SmallAreaFit]?
    /// The fields the group means were standardised over (`--standardize`), nil when they were not.
    public var standardization: Breakdown?
    /// Drawn and responded per stratum of the imported sample (`import sample`), when there is one.
    public var responseRates: [ResponseRate] = []

    /// The estimate of `indicator` in `group` (nil group: the whole area).
    public func estimate(_ indicator: IndicatorID, group: GroupName?) -> IndicatorEstimate? {
        estimates.first { $0.indicator == indicator && $0.group == group }
    }
}

extension IndicatorResults: Encodable {
    enum CodingKeys: String, CodingKey {
        case survey, period, by, weighting, minN = "min_n", design, standardization, estimates, smallArea = "small_area", reliability, drivers, notes
    }

    struct Design: Encodable {
        var n: Int
        var kishDeff: Double
        var sampling: SamplingSummary?
        var responseRates: [ResponseRate]
        enum CodingKeys: String, CodingKey {
            case n, kishDeff = "kish_deff", strata, fpc, stratumSizes = "stratum_sizes", lonely = "single_respondent_strata",
                 responseRates = "response_rates"
        }

        func encode(to encoder: Encoder) throws {
            var container = encoder.container(keyedBy: CodingKeys.self)
            try container.encode(n, forKey: .n)
            try container.encode(kishDeff, forKey: .kishDeff)
            if !responseRates.isEmpty { try container.encode(responseRates, forKey: .responseRates) }
            guard let sampling else { return }
            try container.encode(sampling.strata.count, forKey: .strata)
            try container.encode(sampling.finitePopulationCorrection, forKey: .fpc)
            try container.encode(sampling.strata, forKey: .stratumSizes)
            try container.encode(sampling.strata.filter { $0.respondents == 1 }.map(\.stratum), forKey: .lonely)
        }
    }

    public func encode(to encoder: Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(survey.rawValue, forKey: .survey)
        try container.encode(period.rawValue, forKey: .period)
        try container.encodeIfPresent(breakdown?.specification, forKey: .by)
        try container.encode(weighting.rawValue, forKey: .weighting)
        try container.encode(minimumN, forKey: .minN)
        try container.encodeIfPresent(standardization?.specification, forKey: .standardization)
        try container.encode(Design(n: respondentCount, kishDeff: kishDesignEffect, sampling: sampling,
                                        responseRates: responseRates), forKey: .design)
        try container.encode(estimates, forKey: .estimates)
        try container.encodeIfPresent(smallAreaFits, forKey: .smallArea)
        try container.encode(reliability, forKey: .reliability)
        try container.encode(drivers, forKey: .drivers)
        try container.encode(notes, forKey: .notes)
    }
}

/// The strata of a stratified sample as the SEs used them: each stratum's people N_h and respondents n_h.
public struct SamplingSummary: Sendable, Hashable {
    /// One stratum.
    public struct Stratum: Sendable, Hashable, Encodable {
        public var stratum: String
        /// N_h; nil when the population table was not needed (no fpc, a weight column).
        public var population: Double?
        /// n_h: the period's respondents in the stratum.
        public var respondents: Int
    }

    /// `region`, or a cross such as `region*age_band`.
    public var fields: Breakdown
    public var strata: [Stratum]
    public var finitePopulationCorrection: Bool
}
