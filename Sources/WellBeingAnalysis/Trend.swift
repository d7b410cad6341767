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
    /// |difference| > 1.96·SE.
    public var significant: Bool?
    public var fromMean: Double?
    public var toMean: Double?

    enum CodingKeys: String, CodingKey { case group, indicator, diff, se, significant }

    public func encode(to encoder: Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(group?.rawValue, forKey: .group)
        try container.encode(indicator.rawValue, forKey: .indicator)
        try container.encode(difference, forKey: .diff)
        try container.encode(standardError, forKey: .se)
        try container.encode(significant, forKey: .significant)
    }
}

/// Changes between two periods' estimates.
public enum TrendAnalysis {
    /// The critical value DESIGN.md names for a significant change.
    public static let criticalValue = 1.96

    /// One row per indicator and domain present in the later period, in its order.
    public static func compare(from earlier: IndicatorResults, to later: IndicatorResults) -> [TrendRow] {
        var previous: [String: IndicatorEstimate] = [:]
        for estimate in earlier.estimates { previous[key(estimate.group, estimate.indicator)] = estimate }
        return later.estimates.map { current in
            var row = TrendRow(group: current.group, indicator: current.indicator, difference: nil, standardError: nil,
                               significant: nil, fromMean: nil, toMean: current.mean)
            guard let before = previous[key(current.group, current.indicator)] else { return row }
            row.fromMean = before.mean
            if let a = before.mean, let b = current.mean, let seA = before.standardError, let seB = current.standardError {
                let difference = b - a
                let se = (seA * seA + seB * seB).squareRoot()
                row.difference = difference
                row.standardError = se
                row.significant = abs(difference) > criticalValue * se
            }
            return row
        }
    }

    private static func key(_ group: GroupName?, _ indicator: IndicatorID) -> String {
        (group?.rawValue ?? "\u{0}") + "\u{1F}" + indicator.rawValue
    }
}
