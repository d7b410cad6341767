import Foundation
import WellBeingCore

/// An estimate beside a mean-only benchmark (a national or prefectural mean): the difference with its
/// 95 % interval, z and the two-sided p, taking the benchmark as fixed (its own sampling error unknown).
public struct BenchmarkComparison: Sendable, Hashable, Encodable {
    /// The benchmark's mean.
    public var mean: Double
    /// The estimate minus the benchmark; nil when the estimate is withheld.
    public var difference: Double?
    /// The estimate's standard error (the benchmark is taken as fixed).
    public var standardError: Double?
    public var confidenceLow: Double?
    public var confidenceHigh: Double?
    /// difference / standardError.
    public var z: Double?
    /// Two-sided p under the normal distribution.
    public var p: Double?
    /// Where the benchmark comes from.
    public var source: String

    enum CodingKeys: String, CodingKey {
        case mean, diff, se, ciLow = "ci_low", ciHigh = "ci_high", z, p, source
    }

    public func encode(to encoder: Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(mean, forKey: .mean)
        try container.encode(difference, forKey: .diff)
        try container.encode(standardError, forKey: .se)
        try container.encode(confidenceLow, forKey: .ciLow)
        try container.encode(confidenceHigh, forKey: .ciHigh)
        try container.encode(z, forKey: .z)
        try container.encode(p, forKey: .p)
        try container.encode(source, forKey: .source)
    }

    /// Compares `estimate` with `benchmark`.
    public init(estimate: IndicatorEstimate, benchmark: ReferenceFigure) {
        mean = benchmark.mean
        source = benchmark.source
        guard let value = estimate.mean else { return }
        let difference = value - benchmark.mean
        self.difference = difference
        guard let se = estimate.standardError, se > 0, se.isFinite else { return }
        standardError = se
        confidenceLow = difference - AnalysisOptions.z975 * se
        confidenceHigh = difference + AnalysisOptions.z975 * se
        let z = difference / se
        self.z = z
        p = Self.twoSidedP(z)
    }

    /// P(|Z| ≥ |z|) for a standard normal Z, as R's 2 * pnorm(-abs(z)).
    public static func twoSidedP(_ z: Double) -> Double {
        erfc(abs(z) / 2.0.squareRoot())
    }

    /// Adds the comparison to every estimate whose indicator has a mean-only benchmark.
    static func apply(to estimates: [IndicatorEstimate], references: [String: ReferenceFigure]) -> [IndicatorEstimate] {
        estimates.map { estimate in
            guard let benchmark = references[estimate.indicator.rawValue], benchmark.standardDeviation == nil else {
                return estimate
            }
            var compared = estimate
            compared.benchmark = BenchmarkComparison(estimate: estimate, benchmark: benchmark)
            return compared
        }
    }
}
