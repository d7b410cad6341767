import Foundation
import WellBeingCore

/// A category in a group: what citizens say (subjective) beside what the KPIs say (objective), both as
/// deviation scores.
public struct ComparisonRow: Sendable, Hashable, Encodable {
    public var group: GroupName
    public var indicator: IndicatorID
    /// The survey's deviation score; nil when withheld or missing.
    public var subjective: Double?
    /// The mean of the category's KPI scores; nil when it has none.
    public var objective: Double?
    /// Subjective minus objective.
    public var gap: Double?
    /// The subjective score's standard error on the deviation scale, 10·SE/σ (the KPIs' scores taken as fixed).
    public var gapStandardError: Double?
    /// |gap| ≥ 10 and |gap| > 1.96·gap_se: what the KPIs call fine may not feel fine (or the reverse), by more
    /// than the survey's own uncertainty.
    public var flagged: Bool
    /// How many KPI scores the objective score averages.
    public var kpis: Int

    enum CodingKeys: String, CodingKey { case group, indicator, subjective, objective, gap, gapSE = "gap_se", flagged, kpis }

    public func encode(to encoder: Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(group.rawValue, forKey: .group)
        try container.encode(indicator.rawValue, forKey: .indicator)
        try container.encode(subjective, forKey: .subjective)
        try container.encode(objective, forKey: .objective)
        try container.encode(gap, forKey: .gap)
        try container.encode(gapStandardError, forKey: .gapSE)
        try container.encode(flagged, forKey: .flagged)
        try container.encode(kpis, forKey: .kpis)
    }
}

/// One KPI's score in one group: 50 + 10·direction·(v − μ)/σ.
public struct KPIScore: Sendable, Hashable {
    public var kpi: KPIID
    public var group: GroupName
    public var value: Double
    public var score: Double?
}

/// Sets the survey beside the KPIs.
public enum ObjectiveComparison {
    /// The gap from which a row is flagged.
    public static let flagThreshold = 10.0

    /// Scores every KPI across the groups (or against its reference figure), averages them per category,
    /// and sets them beside the survey's deviation scores.
    ///
    /// - Returns: one row per group and category (groups and categories in report order), the KPI scores,
    ///   and notes on KPIs that could not be scored.
    public static func compare(results: IndicatorResults, categories: [IndicatorID], catalog: KPICatalog,
                               values: [KPIValue], references: [String: ReferenceFigure])
        -> (rows: [ComparisonRow], scores: [KPIScore], notes: [AnalysisNote]) {
        var notes: [AnalysisNote] = []
        var scores: [KPIScore] = []
        let groups = results.groups
        let knownGroups = Set(groups)
        for kpi in catalog.kpis {
            let own = values.filter { $0.kpi == kpi.id && knownGroups.contains($0.group) }
            guard !own.isEmpty else { continue }
            let direction = Double(kpi.direction)
            if let reference = references[kpi.id.rawValue], let spread = reference.standardDeviation {
                for value in own {
                    scores.append(KPIScore(kpi: kpi.id, group: value.group, value: value.value,
                                           score: 50 + 10 * direction * (value.value - reference.mean) / spread))
                }
                continue
            }
            if let scored = DeviationScores.scores(own.map(\.value)) {
                for (value, score) in zip(own, scored.scores) {
                    scores.append(KPIScore(kpi: kpi.id, group: value.group, value: value.value,
                                           score: 50 + direction * (score - 50)))
                }
            } else {
                notes.append(own.count < 2 ? .kpiInOneGroupOnly(kpi.id, name: kpi.name) : .kpiWithoutVariation(kpi.id, name: kpi.name))
                for value in own { scores.append(KPIScore(kpi: kpi.id, group: value.group, value: value.value, score: nil)) }
            }
        }
        let categoryOfKPI = Dictionary(uniqueKeysWithValues: catalog.kpis.map { ($0.id, $0.category) })
        var rows: [ComparisonRow] = []
        for group in groups {
            for category in categories {
                let own = scores.filter { $0.group == group && categoryOfKPI[$0.kpi] == category }.compactMap(\.score)
                let objective = own.isEmpty ? nil : own.reduce(0, +) / Double(own.count)
                let estimate = results.estimate(category, group: group)
                let subjective = estimate?.deviation
                let gap = subjective.flatMap { s in objective.map { s - $0 } }
                let gapSE = gap == nil ? nil : estimate?.deviationStandardError
                let flagged = gap.map { abs($0) >= flagThreshold && abs($0) > TrendAnalysis.criticalValue * (gapSE ?? 0) } ?? false
                rows.append(ComparisonRow(group: group, indicator: category, subjective: subjective, objective: objective,
                                          gap: gap, gapStandardError: gapSE, flagged: flagged, kpis: own.count))
            }
        }
        return (rows, scores, notes)
    }
}

/// A category's importance (its correlation with the outcome) beside its score.
public struct DriverRow: Sendable, Hashable, Encodable {
    /// Where a category falls when importance and score are split at their means.
    public enum Quadrant: String, Sendable, Encodable {
        /// Important and scoring low: act here first.
        case priority
        /// Important and scoring high.
        case strength
        /// Less important, scoring high.
        case maintain
        /// Less important, scoring low.
        case monitor
    }

    public var indicator: IndicatorID
    public var n: Int
    public var r: Double?
    /// The whole-area mean score.
    public var mean: Double?
    public var quadrant: Quadrant?

    enum CodingKeys: String, CodingKey { case indicator, n, r, mean, quadrant }

    public func encode(to encoder: Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(indicator.rawValue, forKey: .indicator)
        try container.encode(n, forKey: .n)
        try container.encode(r, forKey: .r)
        try container.encode(mean, forKey: .mean)
        try container.encode(quadrant?.rawValue, forKey: .quadrant)
    }
}

/// The importance × score matrix.
public enum DriverAnalysis {
    /// Splits the categories at the mean correlation and the mean score.
    public static func rows(from results: IndicatorResults) -> (rows: [DriverRow], meanR: Double?, meanScore: Double?) {
        let base = results.drivers.map { driver in
            DriverRow(indicator: driver.indicator, n: driver.n, r: driver.r,
                      mean: results.estimate(driver.indicator, group: nil)?.mean, quadrant: nil)
        }
        let rs = base.compactMap(\.r), means = base.compactMap(\.mean)
        guard !rs.isEmpty, !means.isEmpty else { return (base, nil, nil) }
        let meanR = rs.reduce(0, +) / Double(rs.count)
        let meanScore = means.reduce(0, +) / Double(means.count)
        let rows = base.map { row -> DriverRow in
            var row = row
            if let r = row.r, let mean = row.mean {
                switch (r >= meanR, mean >= meanScore) {
                case (true, false): row.quadrant = .priority
                case (true, true): row.quadrant = .strength
                case (false, true): row.quadrant = .maintain
                case (false, false): row.quadrant = .monitor
                }
            }
            return row
        }
        return (rows, meanR, meanScore)
    }
}
