import Foundation
import Testing
import WellBeingTestSupport
@testable import WellBeingAnalysis
@testable import WellBeingCore
@testable import WellBeingIngest
@testable import WellBeingStore
import WellBeingWorkspace

/// Every figure of the R reference fixtures that their mapping tables list, for both periods, every
/// district and the whole city: 1e-9 relative for unweighted, 1e-6 for weighted figures.
/// `lwc-3000` is the first round's synthetic 48-item layout (`lwc-synthetic.yaml`); `lwc-standard-3000`
/// is the Digital Agency's standard questionnaire (`lwc.yaml`: h1–h4, i01–i46, 居住地区/年代/性別).
@Suite struct ReferenceFixtureTests {
    /// The two fixtures and how each is imported.
    enum Layout: String, CaseIterable, Sendable, CustomTestStringConvertible {
        case synthetic = "lwc-3000"
        case standard = "lwc-standard-3000"

        var instrument: String { self == .synthetic ? "lwc-synthetic.yaml" : "lwc.yaml" }
        var margins: String { self == .synthetic ? "age_band*sex,region" : "年代*性別,居住地区" }
        var outcome: String { self == .synthetic ? "life_satisfaction" : "h1" }
        var reversedItems: Set<String> { self == .synthetic ? ["q08", "q30", "q32", "q40"] : ["i06"] }
        func file(_ name: String) -> String {
            ((Paths.shared as NSString).appendingPathComponent("fixtures/\(rawValue)") as NSString).appendingPathComponent(name)
        }
        var testDescription: String { rawValue }
    }

    /// A fixture imported once: both periods, population margins as its README says.
    struct Fixture: @unchecked Sendable {
        let store: SurveyStore
        let reference: [String: Any]
        let regions: [String]
        let layout: Layout

        static let synthetic: Result<Fixture, Error> = Result { try load(.synthetic) }
        static let standard: Result<Fixture, Error> = Result { try load(.standard) }
        static func shared(_ layout: Layout) throws -> Fixture {
            try (layout == .synthetic ? synthetic : standard).get()
        }

        static func load(_ layout: Layout) throws -> Fixture {
            let store = try SurveyStore()
            let instrument = try InstrumentLoader.load(path: Paths.survey(layout.instrument))
            try importResponses(store, layout.file("responses.csv"), instrument: instrument, period: nil)
            _ = try store.importPopulation(path: layout.file("population.csv"), survey: "lwc", period: nil,
                                           marginSpec: layout.margins, encoding: nil, replace: false)
            let data = try Data(contentsOf: URL(fileURLWithPath: layout.file("reference.json")))
            let reference = try JSONSerialization.jsonObject(with: data) as! [String: Any]
            let regions = (reference["meta"] as! [String: Any])["regions"] as! [String]
            return Fixture(store: store, reference: reference, regions: regions, layout: layout)
        }

        func period(_ label: String) -> [String: Any] {
            (reference["periods"] as! [String: Any])[label] as! [String: Any]
        }

        func results(_ label: String, weighting: Weighting, designWeights: [Double]? = nil) throws -> IndicatorResults {
            var matrix = try store.responses(survey: SurveyID("lwc"), period: PeriodLabel(label))
            if let designWeights { matrix.designWeights = designWeights }
            let population = try store.population(survey: SurveyID("lwc"), period: PeriodLabel(label))
            // The R figures have primary suppression only (n < 10); secondary suppression is a publication rule.
            var options = AnalysisOptions(weighting: weighting, minimumN: 10)
            options.secondarySuppression = false
            return try IndicatorEngine(matrix: matrix, population: population, options: options).run()
        }
    }

    /// Compares and records every mismatch with its place.
    final class Checker {
        var compared = 0
        var failures: [String] = []

        func check(_ actual: Double?, _ expected: Any?, tolerance: Double, _ place: @autoclosure () -> String) {
            compared += 1
            let wanted = expected as? Double ?? (expected as? NSNumber)?.doubleValue
            switch (actual, wanted) {
            case (nil, nil): return
            case let (a?, e?):
                let scale = max(abs(e), 1e-12)
                if abs(a - e) / scale > tolerance && abs(a - e) > 1e-14 {
                    failures.append("\(place()): \(a) ≠ \(e) (relative \(abs(a - e) / scale))")
                }
            default:
                failures.append("\(place()): \(String(describing: actual)) ≠ \(String(describing: wanted))")
            }
        }

        func report() {
            let shown = failures.prefix(30).joined(separator: "\n")
            #expect(failures.isEmpty, "\(failures.count) of \(compared) figures differ:\n\(shown)")
            #expect(compared > 0)
        }
    }

    static let periods = ["2024", "2025"]
    static let cases: [(Layout, String)] = Layout.allCases.flatMap { layout in periods.map { (layout, $0) } }

    /// The whole area (nil) and each region, with the reference values of each.
    static func places(_ domains: [String: Any]) -> [(GroupName?, [String: Any])] {
        [(nil, domains["overall"] as! [String: Any])]
            + (domains["regions"] as! [String: [String: Any]]).map { (GroupName($0.key), $0.value) }
    }

    @Test(arguments: cases)
    func meansStandardErrorsAndIntervals(_ layout: Layout, _ label: String) throws {
        let fixture = try Fixture.shared(layout)
        let reference = fixture.period(label)
        let means = reference["means"] as! [String: [String: Any]]
        let unweighted = try fixture.results(label, weighting: .none)
        let raked = try fixture.results(label, weighting: .raked)
        let rakedWeights = try IndicatorEngine(
            matrix: try fixture.store.responses(survey: SurveyID("lwc"), period: PeriodLabel(label)),
            population: try fixture.store.population(survey: SurveyID("lwc"), period: PeriodLabel(label)),
            options: AnalysisOptions(weighting: .raked)).resolveWeights().weights
        let design = try fixture.results(label, weighting: .design, designWeights: rakedWeights)
        let checker = Checker()
        for (indicator, domains) in means {
            let places = Self.places(domains)
            for (group, expected) in places {
                let place = "\(label) \(indicator) \(group?.rawValue ?? "overall")"
                let n = expected["n"] as! Int
                let none = try #require(unweighted.estimate(IndicatorID(indicator), group: group))
                #expect(none.n == n, "\(place) n")
                if n < 10 {
                    #expect(none.suppressed && none.mean == nil, "\(place) should be withheld")
                    continue
                }
                checker.check(none.mean, expected["mean_unweighted"], tolerance: 1e-9, "\(place) mean_unweighted")
                checker.check(none.standardError, expected["se_equalw"], tolerance: 1e-9, "\(place) se_equalw")
                let ciEqual = expected["ci_equalw"] as! [Double]
                checker.check(none.confidenceLow, ciEqual[0], tolerance: 1e-9, "\(place) ci_equalw low")
                checker.check(none.confidenceHigh, ciEqual[1], tolerance: 1e-9, "\(place) ci_equalw high")
                checker.check(none.topBoxShare, expected["top2_unweighted"], tolerance: 1e-9, "\(place) top2_unweighted")
                let rakedEstimate = try #require(raked.estimate(IndicatorID(indicator), group: group))
                checker.check(rakedEstimate.mean, expected["mean_weighted"], tolerance: 1e-6, "\(place) mean_weighted")
                checker.check(rakedEstimate.standardError, expected["se_raked"], tolerance: 1e-6, "\(place) se_raked")
                let ciRaked = expected["ci_raked"] as! [Double]
                checker.check(rakedEstimate.confidenceLow, ciRaked[0], tolerance: 1e-6, "\(place) ci_raked low")
                checker.check(rakedEstimate.confidenceHigh, ciRaked[1], tolerance: 1e-6, "\(place) ci_raked high")
                checker.check(rakedEstimate.topBoxShare, expected["top2_weighted"], tolerance: 1e-6, "\(place) top2_weighted")
                checker.check(rakedEstimate.sumOfWeights, expected["sum_w"], tolerance: 1e-6, "\(place) sum_w")
                let fixed = try #require(design.estimate(IndicatorID(indicator), group: group))
                checker.check(fixed.mean, expected["mean_weighted"], tolerance: 1e-6, "\(place) design mean")
                checker.check(fixed.standardError, expected["se_fixedw"], tolerance: 1e-6, "\(place) se_fixedw")
                let ciFixed = expected["ci_fixedw"] as! [Double]
                checker.check(fixed.confidenceLow, ciFixed[0], tolerance: 1e-6, "\(place) ci_fixedw low")
            }
        }
        checker.report()
        let raking = reference["raking"] as! [String: Any]
        let check = Checker()
        check.check(raked.kishDesignEffect, raking["kish_deff"], tolerance: 1e-6, "\(label) kish_deff")
        check.check(rakedWeights.reduce(0, +), raking["weight_sum"], tolerance: 1e-9, "\(label) weight_sum")
        check.check(rakedWeights.min(), raking["weight_min"], tolerance: 1e-6, "\(label) weight_min")
        check.check(rakedWeights.max(), raking["weight_max"], tolerance: 1e-6, "\(label) weight_max")
        check.report()
    }

    /// Item top-2 shares and their SEs with the raked weights as fixed design weights (`top2box.se_fixedw`),
    /// for the items scored as answered (the reverse-worded ones are recoded here, so they are left out).
    @Test(arguments: cases)
    func topTwoSharesHaveRsStandardErrors(_ layout: Layout, _ label: String) throws {
        let fixture = try Fixture.shared(layout)
        var matrix = try fixture.store.responses(survey: SurveyID("lwc"), period: PeriodLabel(label))
        let population = try fixture.store.population(survey: SurveyID("lwc"), period: PeriodLabel(label))
        matrix.designWeights = try IndicatorEngine(matrix: matrix, population: population,
                                                   options: AnalysisOptions(weighting: .raked)).resolveWeights().weights
        var options = AnalysisOptions(weighting: .design, minimumN: 10, itemEstimates: .all)
        options.secondarySuppression = false
        let results = try IndicatorEngine(matrix: matrix, population: population, options: options).run()
        let checker = Checker()
        for (item, domains) in fixture.period(label)["top2box"] as! [String: [String: Any]] where !layout.reversedItems.contains(item) {
            for (group, expected) in Self.places(domains) where (expected["n"] as! Int) >= 10 {
                let estimate = try #require(results.estimate(IndicatorID(item), group: group))
                let place = "\(label) \(item) \(group?.rawValue ?? "overall")"
                checker.check(estimate.topBoxShare, expected["share_weighted"], tolerance: 1e-6, "\(place) share")
                checker.check(estimate.topBoxStandardError, expected["se_fixedw"], tolerance: 1e-6, "\(place) se")
            }
        }
        checker.report()
    }

    @Test(arguments: cases)
    func deviationScoresAmongDistrictsWithEnoughRespondents(_ layout: Layout, _ label: String) throws {
        let fixture = try Fixture.shared(layout)
        let deviations = fixture.period(label)["deviation_scores"] as! [String: [String: Any]]
        let raked = try fixture.results(label, weighting: .raked)
        let unweighted = try fixture.results(label, weighting: .none)
        let checker = Checker()
        for (indicator, sets) in deviations {
            for (setName, results, tolerance) in [("weighted_min_n10", raked, 1e-6), ("unweighted_min_n10", unweighted, 1e-9)] {
                let set = sets[setName] as! [String: Any]
                for (region, score) in set["scores"] as! [String: Any] {
                    let estimate = results.estimate(IndicatorID(indicator), group: GroupName(region))
                    checker.check(estimate?.deviation, score is NSNull ? nil : score, tolerance: tolerance,
                                  "\(label) \(indicator) \(region) \(setName)")
                }
            }
        }
        checker.report()
    }

    @Test(arguments: cases)
    func reliabilityDriversAndItemShares(_ layout: Layout, _ label: String) throws {
        let fixture = try Fixture.shared(layout)
        let reference = fixture.period(label)
        let raked = try fixture.results(label, weighting: .raked)
        let unweighted = try fixture.results(label, weighting: .none)
        let checker = Checker()
        for (indicator, values) in reference["cronbach_alpha"] as! [String: [String: Any]] {
            let reliability = try #require(raked.reliability.first { $0.indicator.rawValue == indicator })
            #expect(reliability.n == values["n_complete_pairs"] as? Int, "\(label) \(indicator) α n")
            checker.check(reliability.alpha, values["raw_alpha_complete_cases"], tolerance: 1e-9, "\(label) \(indicator) α")
        }
        let correlations = (reference["correlations"] as! [String: Any])[layout.outcome] as! [String: [String: Any]]
        for (indicator, values) in correlations {
            let weighted = try #require(raked.drivers.first { $0.indicator.rawValue == indicator })
            let plain = try #require(unweighted.drivers.first { $0.indicator.rawValue == indicator })
            #expect(weighted.n == values["n"] as? Int, "\(label) \(indicator) r n")
            checker.check(weighted.r, values["r_weighted"], tolerance: 1e-6, "\(label) \(indicator) r_weighted")
            checker.check(plain.r, values["r"], tolerance: 1e-9, "\(label) \(indicator) r")
        }
        let reversed = layout.reversedItems
        for (item, domains) in reference["top2box"] as! [String: [String: Any]] {
            let places = Self.places(domains)
            for (group, expected) in places {
                let place = "\(label) \(item) \(group?.rawValue ?? "overall")"
                let suffix = reversed.contains(item) ? "share_recoded_" : "share_"
                let weightedShare = raked.itemShares.first { $0.item.rawValue == item && $0.group == group }
                let plainShare = unweighted.itemShares.first { $0.item.rawValue == item && $0.group == group }
                #expect(weightedShare?.n == expected["n"] as? Int, "\(place) n")
                checker.check(weightedShare?.share, expected[suffix + "weighted"], tolerance: 1e-6, "\(place) weighted")
                checker.check(plainShare?.share, expected[suffix + "unweighted"], tolerance: 1e-9, "\(place) unweighted")
            }
        }
        checker.report()
    }

    @Test(arguments: Layout.allCases)
    func trendsBetweenThePeriods(_ layout: Layout) throws {
        let fixture = try Fixture.shared(layout)
        let trends = (fixture.reference["trends"] as! [String: Any])["2024->2025"] as! [String: [String: Any]]
        let rakedRows = TrendAnalysis.compare(from: try fixture.results("2024", weighting: .raked),
                                              to: try fixture.results("2025", weighting: .raked))
        let plainRows = TrendAnalysis.compare(from: try fixture.results("2024", weighting: .none),
                                              to: try fixture.results("2025", weighting: .none))
        let checker = Checker()
        for (indicator, domains) in trends {
            let places = Self.places(domains)
            for (group, expected) in places {
                let place = "\(indicator) \(group?.rawValue ?? "overall")"
                let raked = rakedRows.first { $0.indicator.rawValue == indicator && $0.group == group }
                let plain = plainRows.first { $0.indicator.rawValue == indicator && $0.group == group }
                if group?.rawValue == "遠藤" {
                    #expect(raked?.difference == nil, "\(place): withheld in both periods")
                    continue
                }
                checker.check(raked?.difference, expected["diff_weighted"], tolerance: 1e-6, "\(place) diff")
                checker.check(raked?.standardError, expected["se_raked"], tolerance: 1e-6, "\(place) se_raked")
                #expect(raked?.significantUnadjusted == expected["significant_raked"] as? Bool, "\(place) significant")
                checker.check(plain?.difference, expected["diff_unweighted"], tolerance: 1e-9, "\(place) diff_unweighted")
                checker.check(plain?.standardError, expected["se_equalw"], tolerance: 1e-9, "\(place) se_equalw")
            }
        }
        checker.report()
    }
}
