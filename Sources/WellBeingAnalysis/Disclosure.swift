import Foundation
import WellBeingCore

/// Secondary suppression: a withheld group's value must not be derivable from what is published.
///
/// The whole-area estimate includes every group, and the other groups' estimates (and their n) are
/// published; with a single group withheld, its mean follows by subtraction. As statistical offices do,
/// whenever exactly one group of an indicator is withheld (among those with respondents), the published
/// group with the fewest respondents is withheld too, so that only the two groups' combined value can be
/// derived, never either alone.
public enum Disclosure {
    /// Withholds a complementary group wherever one group alone is withheld; returns the notes to show.
    static func applySecondarySuppression(to estimates: [IndicatorEstimate]) -> ([IndicatorEstimate], [AnalysisNote]) {
        var result = estimates
        var complements: [String: (group: GroupName, because: GroupName, count: Int)] = [:]
        let byIndicator = Dictionary(grouping: result.indices.filter { result[$0].group != nil }, by: { result[$0].indicator })
        for (_, positions) in byIndicator.sorted(by: { $0.key < $1.key }) {
            let withheld = positions.filter { result[$0].suppressed && result[$0].n > 0 }
            guard withheld.count == 1 else { continue }
            let candidates = positions.filter { !result[$0].suppressed && result[$0].n > 0 }
            guard let complement = candidates.min(by: { (result[$0].n, $0) < (result[$1].n, $1) }) else { continue }
            result[complement] = withhold(result[complement])
            let group = result[complement].group!, because = result[withheld[0]].group!
            complements[group.rawValue + "\u{1F}" + because.rawValue, default: (group, because, 0)].count += 1
        }
        let notes = complements.values.sorted { ($0.group.rawValue, $0.because.rawValue) < ($1.group.rawValue, $1.because.rawValue) }
            .map { AnalysisNote.secondarySuppression(group: $0.group, protecting: $0.because, indicators: $0.count) }
        return (result, notes)
    }

    private static func withhold(_ estimate: IndicatorEstimate) -> IndicatorEstimate {
        var withheld = estimate
        withheld.mean = nil
        withheld.standardError = nil
        withheld.confidenceLow = nil
        withheld.confidenceHigh = nil
        withheld.topBoxShare = nil
        withheld.topBoxStandardError = nil
        withheld.deviation = nil
        withheld.deviationStandardError = nil
        withheld.withheld = .protectsAnother
        return withheld
    }
}
