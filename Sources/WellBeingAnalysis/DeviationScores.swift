import Foundation
import WellBeingCore

/// Deviation scores (偏差値): 50 + 10·(x − μ)/σ.
public enum DeviationScores {
    /// The scores of `values` against their own mean and population SD (divisor N); nil when there are fewer
    /// than two values or they do not vary.
    public static func scores(_ values: [Double]) -> (mean: Double, sd: Double, scores: [Double])? {
        guard values.count >= 2 else { return nil }
        let mean = values.reduce(0, +) / Double(values.count)
        let sd = (values.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / Double(values.count)).squareRoot()
        guard sd > 0, sd.isFinite else { return nil }
        return (mean, sd, values.map { 50 + 10 * ($0 - mean) / sd })
    }

    /// Sets each estimate's deviation score: against the indicator's reference figure when one was imported
    /// (every estimate, the whole area included), otherwise among the groups whose estimate is not withheld.
    static func apply(to estimates: [IndicatorEstimate], references: [String: ReferenceFigure],
                      basis: inout [IndicatorID: String], notes: inout [AnalysisNote]) -> [IndicatorEstimate] {
        var result = estimates
        let byIndicator = Dictionary(grouping: result.indices, by: { result[$0].indicator })
        for (indicator, positions) in byIndicator.sorted(by: { $0.key < $1.key }) {
            if let reference = references[indicator.rawValue], let spread = reference.standardDeviation {
                basis[indicator] = "reference"
                for position in positions {
                    if let mean = result[position].mean {
                        result[position].deviation = 50 + 10 * (mean - reference.mean) / spread
                        result[position].deviationStandardError = result[position].standardError.map { 10 * $0 / spread }
                    }
                }
                continue
            }
            basis[indicator] = "groups"
            let groupPositions = positions.filter { result[$0].group != nil && result[$0].mean != nil }
            guard let scored = scores(groupPositions.map { result[$0].mean! }) else {
                notes.append(.noDeviationScores(indicator))
                continue
            }
            for (position, score) in zip(groupPositions, scored.scores) {
                result[position].deviation = score
                result[position].deviationStandardError = result[position].standardError.map { 10 * $0 / scored.sd }
            }
        }
        return result
    }
}
