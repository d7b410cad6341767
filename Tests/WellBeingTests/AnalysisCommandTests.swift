import Foundation
import Testing
import WellBeingTestSupport
@testable import WellBeingAnalysis
@testable import WellBeingCore

/// `indicators`, `compare`, `drivers` and `trend` through the built executable, on the demo samples.
@Suite(.serialized) struct AnalysisCommandTests {
    /// A demo store built once for this suite.
    static let demo: Result<(folder: TemporaryFolder, store: String), Error> = Result {
        let folder = try TemporaryFolder()
        let run = try CommandLineTests.run(["demo", "--out", folder.file("demo"), "--surveys", Paths.surveys], in: folder.path)
        guard run.status == 0 else { throw TestFailure(description: run.errors) }
        return (folder, folder.file("demo/wellbeing.sqlite"))
    }

    static func run(_ arguments: [String]) throws -> CommandLineTests.Run {
        let (folder, store) = try demo.get()
        return try CommandLineTests.run(arguments + ["--store", store], in: folder.path)
    }

    static func json(_ arguments: [String]) throws -> [String: Any] {
        let run = try run(arguments + ["--format", "json"])
        #expect(run.status == 0, "\(run.errors)")
        return try JSONSerialization.jsonObject(with: Data(run.output.utf8)) as! [String: Any]
    }

    @Test func indicatorsJSONHasTheDesignedShape() throws {
        let object = try Self.json(["indicators", "--period", "2025", "--survey", "lwc"])
        #expect(object["survey"] as? String == "lwc")
        #expect(object["period"] as? String == "2025")
        #expect(object["weighting"] as? String == "raked")
        #expect(object["min_n"] as? Int == 10)
        let design = try #require(object["design"] as? [String: Any])
        #expect(design["n"] as? Int == 1091)
        #expect((design["kish_deff"] as? Double ?? 0) > 1)
        let estimates = try #require(object["estimates"] as? [[String: Any]])
        #expect(estimates.count == 30 * 14)  // 24 categories, h1–h4 and the local f1, f2; 13 districts and the city
        let keys: Set<String> = ["group", "indicator", "n", "mean", "se", "ci_low", "ci_high", "top2", "top2_se", "deviation",
                                 "suppressed", "suppression", "unstable"]
        #expect(estimates.allSatisfy { Set($0.keys).subtracting(["benchmark"]) == keys })
        // The national 幸福度 is a mean-only benchmark of h1 in 2025: every h1 estimate is compared with it.
        let benchmarked = estimates.filter { $0["benchmark"] != nil }
        #expect(benchmarked.count == 14 && benchmarked.allSatisfy { $0["indicator"] as? String == "h1" })
        let national = try #require(benchmarked.first { $0["group"] is NSNull }?["benchmark"] as? [String: Any])
        #expect(Set(national.keys) == ["mean", "diff", "se", "ci_low", "ci_high", "z", "p", "source"])
        #expect(national["mean"] as? Double == 6.49)
        let whole = try #require(estimates.first { $0["group"] is NSNull && $0["indicator"] as? String == "c01" })
        #expect(whole["deviation"] is NSNull)
        let withheld = estimates.filter { $0["suppressed"] as? Bool == true }
        #expect(!withheld.isEmpty)  // 遠藤 is tiny in the samples
        #expect(withheld.allSatisfy { $0["mean"] is NSNull && $0["se"] is NSNull && $0["deviation"] is NSNull })
        let reliability = try #require(object["reliability"] as? [[String: Any]])
        #expect(reliability.count == 15)  // the categories with two or more items
        let drivers = try #require(object["drivers"] as? [[String: Any]])
        #expect(drivers.count == 24 && drivers.allSatisfy { Set($0.keys) == ["indicator", "n", "r"] })
    }

    @Test func weightingCanBeChosen() throws {
        let none = try Self.json(["indicators", "--period", "2025", "--survey", "lwc", "--weights", "none", "--min-n", "30"])
        #expect(none["weighting"] as? String == "none")
        #expect(none["min_n"] as? Int == 30)
        let design = try Self.run(["indicators", "--period", "2025", "--survey", "lwc", "--weights", "design"])
        #expect(design.status == 64)
        #expect(design.errors.contains("no design weights"))
    }

    @Test func indicatorsCSVIsForExcel() throws {
        let run = try Self.run(["indicators", "--period", "2024", "--survey", "lwc", "--format", "csv"])
        #expect(run.status == 0)
        #expect(run.output.hasPrefix("\u{FEFF}group,indicator,n,mean,se,ci_low,ci_high,top2,top2_se,deviation,suppressed,suppression,unstable,"
                                     + "benchmark_mean,benchmark_diff,benchmark_se,benchmark_ci_low,benchmark_ci_high,benchmark_z,"
                                     + "benchmark_p,benchmark_source\r\n"))
        // 2024 has Osaka Prefecture's means of all 50 questions: the 46 items are estimated on their own too.
        #expect(run.output.components(separatedBy: "\r\n").count == (30 + 46) * 14 + 2)
        let plain = try Self.run(["indicators", "--period", "2024", "--survey", "lwc", "--format", "csv", "--no-bom"])
        #expect(plain.output.hasPrefix("group,"))
    }

    @Test func tableShowsNamesAndWithheldCells() throws {
        // In English (the tests' environment says WELLBEING_LANG=en): headers, names, notes and the summary.
        let english = try Self.run(["indicators", "--period", "2025", "--survey", "lwc"])
        #expect(english.status == 0)
        #expect(english.output.contains("Medical care and welfare") && english.output.contains("withheld (n < 10)"))
        #expect(english.output.hasPrefix("group "))
        #expect(english.errors.contains("weighting raked"))
        // In Japanese with --lang ja: the same table as a municipal document words it.
        let japanese = try Self.run(["indicators", "--period", "2025", "--survey", "lwc", "--lang", "ja"])
        #expect(japanese.output.contains("医療・福祉") && japanese.output.contains("秘匿（10 人未満）"))
        #expect(japanese.output.hasPrefix("区分 ") && japanese.output.contains("標準誤差") && japanese.output.contains("95%信頼区間"))
        #expect(japanese.errors.contains("レイキングで重み付け") && japanese.errors.contains("回答者 10 人未満の推定値は秘匿"))
        // And --lang en wins over a Japanese environment.
        let (folder, store) = try Self.demo.get()
        let forced = try CommandLineTests.run(["indicators", "--period", "2025", "--survey", "lwc", "--lang", "en", "--store", store],
                                              environment: ["WELLBEING_LANG": "ja"], in: folder.path)
        #expect(forced.output.contains("Medical care and welfare") && forced.errors.contains("weighting raked"))
    }

    @Test func compareJSON() throws {
        let object = try Self.json(["compare", "--period", "2025", "--survey", "lwc"])
        #expect(object["period"] as? String == "2025")
        let rows = try #require(object["rows"] as? [[String: Any]])
        #expect(rows.count == 13 * 24)
        #expect(rows.allSatisfy { Set($0.keys) == ["group", "indicator", "subjective", "objective", "gap", "gap_se", "flagged", "kpis"] })
        #expect(rows.contains { $0["flagged"] as? Bool == true })
        // gap_se = 10·SE/σ: the district's SE from `indicators`, σ the population SD of the districts' means.
        let estimates = try #require(try Self.json(["indicators", "--period", "2025", "--survey", "lwc"])["estimates"] as? [[String: Any]])
        var checked = 0
        for row in rows {
            guard let gap = row["gap"] as? Double, let gapSE = row["gap_se"] as? Double else { continue }
            let indicator = row["indicator"] as! String
            let means = estimates.filter { $0["indicator"] as? String == indicator && $0["group"] is String }.compactMap { $0["mean"] as? Double }
            let mean = means.reduce(0, +) / Double(means.count)
            let sigma = (means.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / Double(means.count)).squareRoot()
            let se = try #require(estimates.first { $0["indicator"] as? String == indicator && $0["group"] as? String == row["group"] as? String }?["se"] as? Double)
            #expect(abs(gapSE - 10 * se / sigma) < 1e-9 * gapSE, "\(indicator) gap_se")
            #expect((row["flagged"] as? Bool) == (abs(gap) >= 10 && abs(gap) > 1.96 * gapSE))
            checked += 1
        }
        #expect(checked > 100)
        let notes = try #require(object["notes"] as? [String])
        #expect(notes.contains { $0.contains("real_debt_service_ratio") })  // the same value in every district
    }

    @Test func compareNeedsKPIs() throws {
        let run = try Self.run(["compare", "--period", "2025", "--survey", "staff-dx"])
        #expect(run.status == 64)
        #expect(run.errors.contains("no KPI values of staff-dx"))
    }

    @Test func driversJSON() throws {
        let object = try Self.json(["drivers", "--period", "2025", "--survey", "lwc"])
        #expect(object["outcome"] as? String == "h1")
        let rows = try #require(object["rows"] as? [[String: Any]])
        #expect(rows.count == 24)
        let quadrants = Set(rows.compactMap { $0["quadrant"] as? String })
        #expect(quadrants.isSubset(of: ["priority", "strength", "maintain", "monitor"]) && quadrants.count >= 3)
    }

    @Test func trendJSON() throws {
        let object = try Self.json(["trend", "--from", "2024", "--to", "2025", "--survey", "lwc"])
        #expect(object["from"] as? String == "2024" && object["to"] as? String == "2025")
        let rows = try #require(object["rows"] as? [[String: Any]])
        #expect(rows.count == 30 * 14)
        #expect(rows.allSatisfy {
            Set($0.keys) == ["group", "indicator", "diff", "se", "z", "p", "q", "significant", "significant_unadjusted"]
        })
        let tested = rows.filter { $0["p"] is Double }
        #expect(object["tests"] as? Int == tested.count && tested.count > 300)
        let q = TrendAnalysis.benjaminiHochberg(tested.map { $0["p"] as! Double })
        for (row, expected) in zip(tested, q) {
            let diff = row["diff"] as! Double, se = row["se"] as! Double
            #expect((row["significant_unadjusted"] as? Bool) == (abs(diff) > 1.96 * se))
            #expect(abs((row["q"] as! Double) - expected) < 1e-12)
            #expect((row["significant"] as? Bool) == (expected < 0.05))
        }
        #expect(rows.filter { !($0["p"] is Double) }.allSatisfy { $0["q"] is NSNull && $0["significant"] is NSNull })
    }

    @Test func aPeriodWithoutDataIsNamed() throws {
        let run = try Self.run(["indicators", "--period", "2031", "--survey", "lwc"])
        #expect(run.status == 64)
        #expect(run.errors.contains("no responses of lwc for period 2031; it has 2024, 2025"))
        let several = try Self.run(["indicators", "--period", "2025"])
        #expect(several.status == 64)
        #expect(several.errors.contains("--survey"))
    }

    @Test func staffTiersAreGroupsToo() throws {
        let object = try Self.json(["indicators", "--period", "2025", "--survey", "staff-dx"])
        let estimates = try #require(object["estimates"] as? [[String: Any]])
        let groups = Set(estimates.compactMap { $0["group"] as? String })
        #expect(groups == ["第1階層", "第2階層", "第3階層", "第4階層", "第5階層"])
    }
}

extension AnalysisCommandTests {
    /// Writes the demo store's report for 2025 with `options` into a new folder named `name` and returns that folder.
    static func demoReport(_ options: [String], into name: String) throws -> String {
        let (folder, store) = try demo.get()
        let out = folder.file(name)
        let run = try CommandLineTests.run(["report", "--period", "2025", "--survey", "lwc"] + options + ["--out", out, "--store", store],
                                           in: folder.path)
        #expect(run.status == 0, "\(run.errors)")
        return out
    }
}
