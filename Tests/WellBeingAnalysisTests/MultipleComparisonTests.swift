import Foundation
import Testing
import WellBeingTestSupport
@testable import WellBeingAnalysis
@testable import WellBeingCore

/// Many comparisons at once (DESIGN §15): p and the Benjamini–Hochberg q of every trend row.
@Suite struct MultipleComparisonTests {
    /// The 364 trend rows of `../shared/fixtures/strat-4000/reference_v2.json`, with R's p and q.
    static func fixtureRows() throws -> [[String: Any]] {
        let path = (Paths.shared as NSString).appendingPathComponent("fixtures/strat-4000/reference_v2.json")
        let object = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: path))) as! [String: Any]
        let trend = (object["trends"] as! [String: Any])["2024->2025"] as! [String: Any]
        #expect(trend["tests"] as? Int == 364)
        return trend["rows"] as! [[String: Any]]
    }

    @Test func qValuesEqualRsPAdjust() throws {
        let rows = try Self.fixtureRows().filter { $0["p"] is Double }
        let p = rows.map { $0["p"] as! Double }
        let q = TrendAnalysis.benjaminiHochberg(p)
        for (row, value) in zip(rows, q) {
            let expected = row["q"] as! Double
            #expect(abs(value - expected) <= 1e-12 * max(expected, 1e-300), "\(row["group"] ?? "all") \(row["indicator"]!)")
            #expect((value < 0.05) == (row["significant"] as! Bool))
        }
        // And p from z as R's 2 * pnorm(-abs(z)).
        for row in rows {
            let z = row["z"] as! Double
            #expect(abs(BenchmarkComparison.twoSidedP(z) - (row["p"] as! Double)) <= 1e-12)
        }
    }

    @Test func edgeCases() {
        #expect(TrendAnalysis.benjaminiHochberg([]) == [])
        #expect(TrendAnalysis.benjaminiHochberg([0.5]) == [0.5])
        // R: p.adjust(c(0.01, 0.04, 0.03, 0.2), "BH") = 0.04 0.0533 0.0533 0.2
        let q = TrendAnalysis.benjaminiHochberg([0.01, 0.04, 0.03, 0.2])
        #expect(abs(q[0] - 0.04) < 1e-15 && abs(q[1] - 0.04 * 4 / 3) < 1e-15 && abs(q[2] - 0.04 * 4 / 3) < 1e-15 && q[3] == 0.2)
        #expect(TrendAnalysis.benjaminiHochberg([0.9, 0.95]) == [0.95, 0.95])
    }
}
