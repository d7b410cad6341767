import Foundation
import Testing
import WellBeingTestSupport
@testable import WellBeingAnalysis
@testable import WellBeingCore
@testable import WellBeingIngest
@testable import WellBeingStore
import WellBeingWorkspace

/// Mean-only benchmarks (DESIGN §10): the difference from a national or prefectural mean with its SE, CI,
/// z and p, for categories, headline items and single questions; checked against figures computed by hand.
@Suite struct BenchmarkTests {
    /// The mini survey (ls: 7, 10, 5; q1: 4, 5, 3; q2 reverse-worded: 2, 1, 3) with benchmarks for ls, q1, q2.
    static func results(_ benchmarks: String, items: AnalysisOptions.ItemEstimates = .benchmarked) throws -> IndicatorResults {
        let store = try SurveyStore()
        try importResponses(store, Paths.fixture("mini-utf8.csv"))
        let folder = try TemporaryFolder()
        let path = try folder.write("bench.csv", benchmarks)
        _ = try store.importReference(path: path, survey: nil, period: nil, encoding: nil, replace: false)
        let matrix = try store.responses(survey: SurveyID("mini"), period: PeriodLabel("2025"))
        let references = try store.referenceFigures(survey: SurveyID("mini"), period: PeriodLabel("2025"))
        return try IndicatorEngine(matrix: matrix, population: nil, references: references,
                                   options: AnalysisOptions(weighting: Weighting.none, minimumN: 1, itemEstimates: items)).run()
    }

    static let benchmarks = "indicator,mean,sd,source\nls,6.0,,全国 2025\nq1,3.5,,県 2024\nq2,3.0,,県 2024\n"

    @Test func aMeanOnlyBenchmarkGivesTheDifferenceWithItsUncertainty() throws {
        let results = try Self.results(Self.benchmarks)
        // ls: mean 22/3, SE √(Σ(y − ȳ)²/(n(n − 1))) = √(12.667/6), as R svymean with equal weights.
        let ls = try #require(results.estimate(IndicatorID("ls"), group: nil)?.benchmark)
        #expect(ls.mean == 6.0 && ls.source == "全国 2025")
        #expect(abs(ls.difference! - (22.0 / 3 - 6)) < 1e-12)
        let lsMean = 22.0 / 3
        let lsSE = ([7.0, 10, 5].map { ($0 - lsMean) * ($0 - lsMean) }.reduce(0, +) / (3 * 2)).squareRoot()
        #expect(abs(ls.standardError! - lsSE) < 1e-12)
        #expect(abs(ls.z! - (lsMean - 6) / lsSE) < 1e-12)
        #expect(abs(ls.p! - 0.3587953578869417) < 1e-12)  // R: 2 * pnorm(-0.9176629354822469)
        #expect(abs(ls.confidenceLow! - (ls.difference! - 1.959963984540054 * ls.standardError!)) < 1e-12)
        #expect(abs(ls.confidenceHigh! - (ls.difference! + 1.959963984540054 * ls.standardError!)) < 1e-12)
        // A single question gets an estimate of its own because it has a benchmark; q2 on its score (6 − answer).
        let q1 = try #require(results.estimate(IndicatorID("q1"), group: nil))
        #expect(q1.mean == 4 && q1.n == 3)
        // q1 and q2 (scores 4, 5, 3): SE √(2/6), so z = (4 − 3.5)/√(1/3) and (4 − 3)/√(1/3).
        #expect(abs(q1.benchmark!.z! - 0.5 / (1.0 / 3).squareRoot()) < 1e-12)
        #expect(abs(q1.benchmark!.p! - 0.3864762307712327) < 1e-12)  // R: 2 * pnorm(-0.8660254037844386)
        let q2 = try #require(results.estimate(IndicatorID("q2"), group: nil))
        #expect(q2.mean == 4)
        #expect(abs(q2.benchmark!.z! - 1 / (1.0 / 3).squareRoot()) < 1e-12)
        #expect(abs(q2.benchmark!.p! - 0.08326451666355043) < 1e-12)  // R: 2 * pnorm(-sqrt(3))
        // Questions without a benchmark are not estimated on their own unless asked.
        #expect(results.estimate(IndicatorID("q3"), group: nil) == nil)
        #expect(try Self.results(Self.benchmarks, items: .all).estimate(IndicatorID("q3"), group: nil)?.mean == 4)  // 5, 9 = missing, 3
        // A group's estimate is compared too; a withheld one keeps the benchmark's mean and nothing else.
        #expect(results.estimate(IndicatorID("ls"), group: GroupName("北区"))?.benchmark?.difference == 4)
        // Items are never drivers or α.
        #expect(!results.drivers.contains { $0.indicator.rawValue == "q1" })
        #expect(!results.reliability.contains { $0.indicator.rawValue == "q1" })
    }

    @Test func withAStandardDeviationItIsTheBasisOfDeviationScoresInstead() throws {
        let results = try Self.results("indicator,mean,sd,source\nls,6.0,0.5,dashboard\n")
        let ls = try #require(results.estimate(IndicatorID("ls"), group: nil))
        #expect(ls.benchmark == nil)
        #expect(abs(ls.deviation! - (50 + 10 * (22.0 / 3 - 6) / 0.5)) < 1e-9)
    }

    @Test func pMatchesR() {
        // 2 * pnorm(-abs(z)) in R.
        #expect(abs(BenchmarkComparison.twoSidedP(1.959963984540054) - 0.05) < 1e-12)
        #expect(abs(BenchmarkComparison.twoSidedP(-3) - 0.002699796063260207) < 1e-15)
        #expect(BenchmarkComparison.twoSidedP(0) == 1)
    }

    @Test(arguments: [
        ("indicator,mean,sd,source\ncrime,3,,x\n", "a KPI's reference figure needs a standard deviation"),
        ("indicator,mean,sd,source\nq1,3,0,x\n", "greater than 0, or empty"),
        ("indicator,mean,sd,source\nq9,3,,x\n", "is not a category, question or KPI"),
        ("indicator,mean,sd,source,period\nq1,3,,x,2025\nq1,3.1,,x,2025\n", "stands on line 2 too"),
    ] as [(String, String)])
    func badBenchmarksAreNamed(_ text: String, _ says: String) throws {
        let store = try SurveyStore()
        try importResponses(store, Paths.fixture("mini-utf8.csv"))
        let folder = try TemporaryFolder()
        _ = try store.importKPIs(valuesPath: try folder.write("k.csv", "kpi,group,period,value\ncrime,北区,2025,3\ncrime,髙島,2025,4\n"),
                                 catalogPath: try folder.write("c.yaml", ObjectiveImportTests.catalog),
                                 survey: nil, encoding: nil, replace: false)
        let path = try folder.write("bench.csv", text)
        let error = try #require(wellBeingError {
            _ = try store.importReference(path: path, survey: nil, period: nil, encoding: nil, replace: false)
        })
        #expect(error.kind == .badData)
        #expect(error.description.contains("bench.csv:"), "\(error.description)")
        #expect(error.description.contains(says), "\(error.description)")
    }

    @Test func aPeriodColumnPlacesEachRow() throws {
        let store = try SurveyStore()
        try importResponses(store, Paths.fixture("mini-utf8.csv"))
        let folder = try TemporaryFolder()
        let path = try folder.write("bench.csv", "indicator,mean,sd,source,period\nls,6,,a,2024\nls,6.5,,b,2025\nq1,3,,c,\n")
        let outcome = try store.importReference(path: path, survey: nil, period: nil, encoding: nil, replace: false)
        #expect(outcome.periods.map(\.rawValue) == ["2024", "2025"])
        let figures = try store.referenceFigures(survey: SurveyID("mini"), period: PeriodLabel("2025"))
        #expect(figures["ls"]?.mean == 6.5 && figures["ls"]?.standardDeviation == nil)
        #expect(figures["q1"]?.mean == 3)
    }

    @Test func theShippedBenchmarksImport() throws {
        let store = try SurveyStore()
        let instrument = try InstrumentLoader.load(path: Paths.survey("lwc.yaml"))
        try importResponses(store, (Paths.shared as NSString).appendingPathComponent("fixtures/lwc-standard-3000/responses_2024.csv"),
                            instrument: instrument, period: nil)
        for (file, rows) in [("osaka-2023.csv", 50), ("osaka-2024.csv", 50), ("national-2025.csv", 1)] {
            let outcome = try store.importReference(path: Paths.survey("reference/\(file)"), survey: nil,
                                                    period: PeriodLabel(file), encoding: nil, replace: false)
            #expect(outcome.rowCount == rows)
        }
        let figures = try store.referenceFigures(survey: SurveyID("lwc"), period: PeriodLabel("osaka-2024.csv"))
        #expect(figures["i06"]?.mean == 3.4 && figures["h1"]?.mean == 6.0)
        #expect(figures.values.allSatisfy { $0.standardDeviation == nil && $0.source.contains("Beyond EXPO 2025") })
    }
}
