import Foundation
import Testing
import WellBeingTestSupport
@testable import WellBeingAnalysis
@testable import WellBeingCore
@testable import WellBeingIngest
@testable import WellBeingStore
import WellBeingWorkspace

/// `--by`: estimates by age band, sex or a cross of them, as cities publish 年代別・性別 tables.
@Suite struct BreakdownTests {
    static let fixture = (Paths.shared as NSString).appendingPathComponent("fixtures/lwc-standard-3000/responses_2025.csv")

    static func results(of path: String, options: AnalysisOptions) throws -> IndicatorResults {
        let store = try SurveyStore()
        try importResponses(store, path, instrument: try InstrumentLoader.load(path: Paths.survey("lwc.yaml")), period: nil)
        let matrix = try store.responses(survey: SurveyID("lwc"), period: PeriodLabel("2025"))
        return try IndicatorEngine(matrix: matrix, population: nil, options: options).run()
    }

    /// The fixture's rows of one age band and sex, written by hand to a file of their own (without comments).
    static func filtered(age: String, sex: String, in folder: TemporaryFolder) throws -> String {
        let rows = try records(of: Array(try Data(contentsOf: URL(fileURLWithPath: fixture))), in: folder)
        let header = rows[0].fields
        let ageColumn = header.firstIndex(of: "年代")!, sexColumn = header.firstIndex(of: "性別")!
        let kept = rows.dropFirst().filter { $0.fields[ageColumn] == age && $0.fields[sexColumn] == sex }
        let text = ([Array(header.dropLast())] + kept.map { Array($0.fields.dropLast()) })
            .map { $0.joined(separator: ",") }.joined(separator: "\n") + "\n"
        return try folder.write("\(age)-\(sex).csv", text)
    }

    @Test(arguments: [("30代", "女性"), ("70代以上", "男性"), ("20代以下", "その他")])
    func aCrossEqualsFilteringTheFileByHand(_ age: String, _ sex: String) throws {
        let folder = try TemporaryFolder()
        let options = AnalysisOptions(weighting: Weighting.none, minimumN: 1)
        let all = try Self.results(of: Self.fixture, options: AnalysisOptions(weighting: Weighting.none, minimumN: 1,
                                                                             breakdown: try Breakdown("年代*性別")))
        #expect(all.breakdown?.specification == "年代*性別")
        let subset = try Self.results(of: try Self.filtered(age: age, sex: sex, in: folder), options: options)
        let group = GroupName("\(age) × \(sex)")
        #expect(all.groups.contains(group))
        let n = Double(all.respondentCount), nd = Double(subset.respondentCount)
        var compared = 0
        for expected in subset.estimates where expected.group == nil {
            let actual = try #require(all.estimate(expected.indicator, group: group), "\(expected.indicator)")
            #expect(actual.n == expected.n, "\(expected.indicator) n")
            guard let mean = expected.mean, let se = expected.standardError, expected.n >= 2 else { continue }
            #expect(abs(actual.mean! - mean) <= 1e-12 * abs(mean), "\(expected.indicator) mean")
            #expect(abs(actual.topBoxShare! - expected.topBoxShare!) <= 1e-12, "\(expected.indicator) top2")
            // A domain's SE uses the whole sample's n/(n − 1) (R svyby); the subset's its own n_d/(n_d − 1).
            let domainSE = se * ((n * (nd - 1)) / ((n - 1) * nd)).squareRoot()
            #expect(abs(actual.standardError! - domainSE) <= 1e-9 * domainSE, "\(expected.indicator) se")
            compared += 1
        }
        #expect(compared >= 20)
    }

    @Test func groupsFollowTheInstrumentsOrder() throws {
        let results = try Self.results(of: Self.fixture, options: AnalysisOptions(weighting: Weighting.none, breakdown: try Breakdown("年代")))
        #expect(results.groups.map(\.rawValue) == ["20代以下", "30代", "40代", "50代", "60代", "70代以上"])
        let bySex = try Self.results(of: Self.fixture, options: AnalysisOptions(weighting: Weighting.none, breakdown: try Breakdown("sex")))
        #expect(bySex.groups.map(\.rawValue) == ["男性", "女性", "その他"])  // by an alias of 性別
        // The whole-area row is the same whatever the breakdown.
        let plain = try Self.results(of: Self.fixture, options: AnalysisOptions(weighting: Weighting.none))
        #expect(results.estimate(IndicatorID("h1"), group: nil) == plain.estimate(IndicatorID("h1"), group: nil))
    }

    /// A breakdown that the raking cells determine is summed from the main pass; it must equal a pass of its own.
    @Test(arguments: ["年代", "性別", "年代*性別", "居住地区*性別"])
    func breakdownsFromTheCalibrationCellsEqualTheirOwnPass(_ field: String) throws {
        let fixture = (Paths.shared as NSString).appendingPathComponent("fixtures/lwc-standard-3000")
        let store = try SurveyStore()
        try importResponses(store, (fixture as NSString).appendingPathComponent("responses_2025.csv"),
                            instrument: try InstrumentLoader.load(path: Paths.survey("lwc.yaml")), period: nil)
        _ = try store.importPopulation(path: (fixture as NSString).appendingPathComponent("population.csv"), survey: "lwc",
                                       period: nil, marginSpec: "年代*性別,居住地区", encoding: nil, replace: false)
        let matrix = try store.responses(survey: SurveyID("lwc"), period: PeriodLabel("2025"))
        let population = try store.population(survey: SurveyID("lwc"), period: PeriodLabel("2025"))
        let engine = IndicatorEngine(matrix: matrix, population: population, options: AnalysisOptions(weighting: .raked))
        let weights = try engine.resolvedWeights()
        let breakdown = try Breakdown(field)
        #expect(IndicatorEngine.domainOfCell(try matrix.regrouped(by: breakdown), cells: weights.cells) != nil)
        let summed = try engine.run(reusing: weights, breakdowns: [breakdown]).breakdowns[0]
        var own = AnalysisOptions(weighting: .raked, breakdown: breakdown)
        own.estimatesOnly = true
        let separate = try IndicatorEngine(matrix: matrix, population: population, options: own).run(reusing: weights)
        #expect(summed.groups == separate.groups)
        #expect(summed.estimates.count == separate.estimates.count)
        func close(_ a: Double?, _ b: Double?) -> Bool {
            switch (a, b) {
            case (nil, nil): return true
            case let (x?, y?): return abs(x - y) <= 1e-12 * max(abs(y), 1e-12)
            default: return false
            }
        }
        for (a, b) in zip(summed.estimates, separate.estimates) {
            #expect(a.group == b.group && a.indicator == b.indicator && a.n == b.n && a.suppressed == b.suppressed)
            #expect(close(a.mean, b.mean) && close(a.standardError, b.standardError), "\(a.indicator) \(a.group?.rawValue ?? "")")
            #expect(close(a.topBoxShare, b.topBoxShare) && close(a.topBoxStandardError, b.topBoxStandardError))
            #expect(close(a.deviation, b.deviation))
        }
    }

    @Test func anUnknownFieldIsNamed() throws {
        let error = try #require(wellBeingError {
            _ = try Self.results(of: Self.fixture, options: AnalysisOptions(breakdown: try Breakdown("職業")))
        })
        #expect(error.kind == .usage)
        #expect(error.description.contains("居住地区, 年代, 性別"))
        #expect(throws: WellBeingError.self) { _ = try Breakdown("年代**性別") }
        #expect(throws: WellBeingError.self) { _ = try Breakdown("年代*年代") }
    }
}
