import Foundation
import WellBeingCore

/// The change of one indicator in one group between two periods.
public struct TrendRow: Sendable, Hashable, Encodable {
    public var group: GroupName?
    public var indicator: IndicatorID
    /// Later mean minus earlier mean; nil when either is withheld or missing.
    public var difference: Double?
    /// √(SE₁² + SE₂²), the two periods being independent samples.
    public var standardError: Double?
    /// difference / SE.
    public var z: Double?
    /// Two-sided p under the normal distribution; nil when either period is withheld.
    public var p: Double?
    /// The Benjamini–Hochberg adjusted p over every row of the same output that has a p (R `p.adjust(p, "BH")`).
    public var q: Double?
    /// q < 0.05: the change survives the false-discovery control over all the comparisons made.
    public var significant: Bool?
    /// |difference| > 1.96·SE: significant on its own, before any adjustment for the many comparisons.
    public var significantUnadjusted: Bool?
    public var fromMean: Double?
    public var toMean: Double?

    enum CodingKeys: String, CodingKey {
        case group, indicator, diff, se, z, p, q, significant, significantUnadjusted = "significant_unadjusted"
    }

    public func encode(to encoder: Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(group?.rawValue, forKey: .group)
        try container.encode(indicator.rawValue, forKey: .indicator)
        try container.encode(difference, forKey: .diff)
        try container.encode(standardError, forKey: .se)
        try container.encode(z, forKey: .z)
        try container.encode(p, forKey: .p)
        try container.encode(q, forKey: .q)
        try container.encode(significant, forKey: .significant)
        try container.encode(significantUnadjusted, forKey: .significantUnadjusted)
    }
}

/// Changes between two periods' estimates.
public enum TrendAnalysis {
    /// The critical value DESIGN.md names for a change significant on its own.
    public static let criticalValue = 1.96
    /// The false-discovery rate of the adjusted verdict.
    public static let falseDiscoveryRate = 0.05

    /// One row per indicator and domain present in the later period, in its order; p and q over all of them.
    public static func compare(from earlier: IndicatorResults, to later: IndicatorResults) -> [TrendRow] {
        var rows = unadjusted(from: earlier, to: later)
        let tested = rows.indices.filter { rows[$0].p != nil }
        let adjusted = benjaminiHochberg(tested.map { rows[$0].p! })
        for (position, q) in zip(tested, adjusted) {
            rows[position].q = q
            rows[position].significant = q < falseDiscoveryRate
        }
        return rows
    }

    /// The change from an earlier estimate to a later one and its standard error √(SE₁² + SE₂²), the two periods
    /// being independent samples. Every comparison between periods (trend rows, progress towards a target) uses this.
    public static func change(from earlier: (value: Double, se: Double),
                              to later: (value: Double, se: Double)) -> (difference: Double, se: Double) {
        (later.value - earlier.value, (earlier.se * earlier.se + later.se * later.se).squareRoot())
    }

    /// The number of comparisons in the false-discovery family of `rows` (the rows with a p).
    public static func tests(_ rows: [TrendRow]) -> Int { rows.filter { $0.p != nil }.count }

    /// Benjamini–Hochberg adjusted p-values, as R's `p.adjust(p, "BH")`: for the i-th smallest of m p-values,
    /// min over j ≥ i of p₍ⱼ₎·m/j, at most 1; in the order given.
    public static func benjaminiHochberg(_ pValues: [Double]) -> [Double] {
        let m = pValues.count
        guard m > 0 else { return [] }
        let order = pValues.indices.sorted { pValues[$0] < pValues[$1] || (pValues[$0] == pValues[$1] && $0 < $1) }
        var adjusted = [Double](repeating: 1, count: m)
        var running = 1.0
        for rank in stride(from: m, through: 1, by: -1) {
            let index = order[rank - 1]
            running = min(running, pValues[index] * Double(m) / Double(rank))
            adjusted[index] = min(running, 1)
        }
        return adjusted
    }

    private static func unadjusted(from earlier: IndicatorResults, to later: IndicatorResults) -> [TrendRow] {
        var previous: [String: IndicatorEstimate] = [:]
        for estimate in earlier.estimates { previous[key(estimate.group, estimate.indicator)] = estimate }
        return later.estimates.map { current in
            var row = TrendRow(group: current.group, indicator: current.indicator, difference: nil, standardError: nil,
                               z: nil, p: nil, q: nil, significant: nil, significantUnadjusted: nil, fromMean: nil,
                               toMean: current.mean)
            guard let before = previous[key(current.group, current.indicator)] else { return row }
            row.fromMean = before.mean
            if let a = before.mean, let b = current.mean, let seA = before.standardError, let seB = current.standardError {
                let (difference, se) = change(from: (a, seA), to: (b, seB))
                row.difference = difference
                row.standardError = se
                row.significantUnadjusted = abs(difference) > criticalValue * se
                if se > 0 {
                    row.z = difference / se
                    row.p = BenchmarkComparison.twoSidedP(difference / se)
                }
            }
            return row
        }
    }

    private static func key(_ group: GroupName?, _ indicator: IndicatorID) -> String {
        (group?.rawValue ?? "\u{0}") + "\u{1F}" + indicator.rawValue
    }
}
