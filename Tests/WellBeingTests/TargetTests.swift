import Foundation
import Testing
import WellBeingTestSupport
@testable import WellBeingAnalysis
@testable import WellBeingCore
@testable import WellBeingIngest
@testable import WellBeingStore
import WellBeingWorkspace

/// A plan's targets (DESIGN §23): the status rule at its boundaries, progress and its SE, and the comparison of
/// targets with estimates, computed alone.
@Suite struct TargetProgressTests {
    static let z = AnalysisOptions.z975

    struct Boundary: Sendable, CustomTestStringConvertible {
        var low: Double, high: Double, target: Double
        var direction: PlanTarget.Direction
        var expected: TargetStatus
        var testDescription: String { "[\(low), \(high)] vs \(target) \(direction.rawValue) → \(expected.rawValue)" }
    }

    @Test(arguments: [
        // higher: the lower end exactly on the target still contains it; just above, achieved.
        Boundary(low: 3.0, high: 3.2, target: 3.0, direction: .higher, expected: .notDistinguishable),
        Boundary(low: 3.0.nextUp, high: 3.2, target: 3.0, direction: .higher, expected: .achieved),
        Boundary(low: 2.8, high: 3.0, target: 3.0, direction: .higher, expected: .notDistinguishable),
        Boundary(low: 2.8, high: 3.0.nextDown, target: 3.0, direction: .higher, expected: .notAchieved),
        Boundary(low: 2.9, high: 3.1, target: 3.0, direction: .higher, expected: .notDistinguishable),
        // lower: mirrored.
        Boundary(low: 2.8, high: 3.0, target: 3.0, direction: .lower, expected: .notDistinguishable),
        Boundary(low: 2.8, high: 3.0.nextDown, target: 3.0, direction: .lower, expected: .achieved),
        Boundary(low: 3.0, high: 3.2, target: 3.0, direction: .lower, expected: .notDistinguishable),
        Boundary(low: 3.0.nextUp, high: 3.2, target: 3.0, direction: .lower, expected: .notAchieved),
        // A point interval on the target.
        Boundary(low: 3.0, high: 3.0, target: 3.0, direction: .higher, expected: .notDistinguishable),
    ])
    func statusAtItsBoundary(_ example: Boundary) {
        #expect(TargetProgress.status(low: example.low, high: example.high, target: example.target,
                                      direction: example.direction) == example.expected)
    }

    @Test func aKPIIsComparedAsItIs() {
        #expect(TargetProgress.kpiStatus(value: 60, target: 60, direction: .higher) == .achieved)
        #expect(TargetProgress.kpiStatus(value: 59.9, target: 60, direction: .higher) == .notAchieved)
        #expect(TargetProgress.kpiStatus(value: 2.5, target: 2.5, direction: .lower) == .achieved)
        #expect(TargetProgress.kpiStatus(value: 2.6, target: 2.5, direction: .lower) == .notAchieved)
    }

    @Test func progressAndItsSEByHand() throws {
        // From 3.0 (SE 0.04) to 3.2 (SE 0.05), target 3.5: 0.2 / 0.5 = 0.4; SE √(0.04² + 0.05²) / 0.5.
        let result = TargetProgress.progress(estimate: (3.2, 0.05), baseline: (3.0, 0.04), target: 3.5)
        #expect(abs(try #require(result.progress) - 0.4) < 1e-12)
        #expect(abs(try #require(result.se) - (0.0016 + 0.0025).squareRoot() / 0.5) < 1e-12)
        // A lower target: from 3.0 down to 2.8 towards 2.5 is 40 % of the way.
        let lower = TargetProgress.progress(estimate: (2.8, 0.05), baseline: (3.0, 0.04), target: 2.5)
        #expect(abs(try #require(lower.progress) - 0.4) < 1e-12)
        #expect(abs(try #require(lower.se) - (0.0016 + 0.0025).squareRoot() / 0.5) < 1e-12)
        // The target on the baseline: no progress.
        #expect(TargetProgress.progress(estimate: (3.2, 0.05), baseline: (3.5, 0.04), target: 3.5).progress == nil)
        // The same SE as the trend's difference.
        let change = TrendAnalysis.change(from: (3.0, 0.04), to: (3.2, 0.05))
        #expect(result.se == change.se / 0.5)
    }

    static func estimate(_ group: String?, _ indicator: String, n: Int, mean: Double?, se: Double?, top2: Double? = nil,
                         suppressed: Bool = false, deviation: Double? = nil) -> IndicatorEstimate {
        IndicatorEstimate(group: group.map { GroupName($0) }, indicator: IndicatorID(indicator), n: n, mean: mean, standardError: se,
                          confidenceLow: mean.flatMap { m in se.map { m - z * $0 } }, confidenceHigh: mean.flatMap { m in se.map { m + z * $0 } },
                          topBoxShare: top2, topBoxStandardError: top2.map { _ in 0.02 }, deviation: deviation,
                          withheld: suppressed ? (n < 10 ? .fewRespondents : .protectsAnother) : nil,
                          unstable: n < 30, sumOfWeights: Double(n), benchmark: nil,
                          deviationStandardError: deviation.map { _ in 1.5 }, standardization: nil, smallArea: nil)
    }

    static func results(_ period: String, _ estimates: [IndicatorEstimate]) -> IndicatorResults {
        IndicatorResults(survey: SurveyID("mini"), period: PeriodLabel(period), weighting: .none, minimumN: 10, respondentCount: 500,
                         kishDesignEffect: 1, estimates: estimates, reliability: [], drivers: [], itemShares: [],
                         groups: [GroupName("北区"), GroupName("髙島")], deviationBasis: [IndicatorID("c1"): "groups"], notes: [],
                         rakingSweeps: 0)
    }

    /// 2024 and 2025: the whole area, 北区, and 髙島 withheld in 2025.
    static let inputs = TargetProgress.Inputs(
        results: [
            PeriodLabel("2024"): results("2024", [estimate(nil, "c1", n: 480, mean: 2.9, se: 0.04, top2: 0.40),
                                                 estimate("北区", "c1", n: 300, mean: 3.1, se: 0.06, deviation: 55),
                                                 estimate("髙島", "c1", n: 180, mean: 2.9, se: 0.07, deviation: 45)]),
            PeriodLabel("2025"): results("2025", [estimate(nil, "c1", n: 495, mean: 3.2, se: 0.05, top2: 0.45),
                                                 estimate("北区", "c1", n: 490, mean: 3.0 - z * 0.06, se: 0.06, deviation: 52),
                                                 estimate("髙島", "c1", n: 5, mean: nil, se: nil, suppressed: true)]),
        ],
        kpiValues: [PeriodLabel("2024"): [KPIValue(kpi: KPIID("crime"), group: GroupName("北区"), period: PeriodLabel("2024"), value: 6)],
                    PeriodLabel("2025"): [KPIValue(kpi: KPIID("crime"), group: GroupName("北区"), period: PeriodLabel("2025"), value: 5)]],
        facts: [PeriodLabel("2024"): PeriodFacts(instrumentVersions: ["1"], modeShares: ["回答方法": [("Web", 0.3), ("郵送", 0.7)]]),
                PeriodLabel("2025"): PeriodFacts(instrumentVersions: ["2"], modeShares: ["回答方法": [("Web", 0.6), ("郵送", 0.4)]])])

    static func target(_ value: Double, _ direction: PlanTarget.Direction = .higher, indicator: String = "c1",
                       measure: PlanTarget.Measure = .mean, group: String? = nil) -> PlanTarget {
        PlanTarget(indicator: indicator, measure: measure, group: group.map { GroupName($0) }, period: PeriodLabel("2025"),
                   baselinePeriod: PeriodLabel("2024"), target: value, direction: direction, plan: "計画")
    }

    @Test func eachGroupAgainstTheWholeAreasTarget() throws {
        let rows = TargetProgress.evaluate([Self.target(3.0)], inputs: Self.inputs, eachGroup: true)
        #expect(rows.map(\.group) == [nil, GroupName("北区"), GroupName("髙島")])
        // The whole area: [3.2 ± 1.96·0.05] lies above 3.0.
        #expect(rows[0].status == .achieved)
        #expect(abs(try #require(rows[0].progress) - 3.0) < 1e-12)  // (3.2 − 2.9) / (3.0 − 2.9)
        // 北区's interval ends exactly on the target: it contains it.
        #expect(rows[1].confidenceHigh == 3.0)
        #expect(rows[1].status == .notDistinguishable)
        // 髙島 is withheld: no estimate, with the reason, and never a status from the interval.
        #expect(rows[2].status == .noEstimate)
        #expect(rows[2].reason == .withheld)
        #expect(rows[2].estimate == nil && rows[2].confidenceLow == nil && rows[2].progress == nil)
        // The instrument and the mode changed between 2024 and 2025: said on every row.
        for row in rows {
            #expect(row.notes.contains(.instrumentChanged(from: "1", to: "2")))
            #expect(row.notes.contains { if case .modeChanged = $0 { true } else { false } })
        }
    }

    @Test func aLowerTarget() throws {
        let rows = TargetProgress.evaluate([Self.target(3.3, .lower), Self.target(2.8, .lower)], inputs: Self.inputs)
        #expect(rows[0].status == .achieved)  // [3.10, 3.30) below 3.3
        #expect(rows[1].status == .notAchieved)  // wholly above 2.8
        #expect(abs(try #require(rows[1].progress) + 3) < 1e-12)  // it moved away from the target: (3.2 − 2.9) / (2.8 − 2.9)
    }

    @Test func aTopTwoTargetIsInPercent() throws {
        let row = try #require(TargetProgress.evaluate([Self.target(40, measure: .top2)], inputs: Self.inputs).first)
        #expect(abs(try #require(row.estimate) - 45) < 1e-9)
        #expect(abs(try #require(row.standardError) - 2) < 1e-9)
        #expect(row.status == .achieved)  // 45 − 1.96·2 = 41.08 > 40
        #expect(abs(try #require(row.baseline) - 40) < 1e-9)
    }

    @Test func aDeviationTargetWarnsThatItMoves() throws {
        let rows = TargetProgress.evaluate([Self.target(50, measure: .deviation, group: "北区"), Self.target(50, measure: .deviation)],
                                           inputs: Self.inputs)
        #expect(rows[0].status == .notDistinguishable)  // 52 ± 1.96·1.5 contains 50
        #expect(rows[0].notes.contains(.deviationMoves(basis: "groups")))
        #expect(rows[1].status == .noEstimate && rows[1].reason == .noDeviation)  // the whole area has no 偏差値 among groups
    }

    @Test func aKPITargetHasNoSE() throws {
        let rows = TargetProgress.evaluate([Self.target(5, .lower, indicator: "crime", measure: .value, group: "北区"),
                                            Self.target(5, .lower, indicator: "crime", measure: .value)], inputs: Self.inputs)
        #expect(rows[0].status == .achieved)  // 5 reaches 5 exactly
        #expect(rows[0].standardError == nil && rows[0].confidenceLow == nil && rows[0].progressStandardError == nil)
        #expect(rows[0].progress == 1)
        #expect(rows[0].notes.contains(.kpiComparedAsIs))
        #expect(rows[1].status == .noEstimate && rows[1].reason == .kpiWholeArea)
    }

    @Test func aMissingBaselineOrPeriod() throws {
        var target = Self.target(3.0)
        target.baselinePeriod = PeriodLabel("2020")
        let row = try #require(TargetProgress.evaluate([target], inputs: Self.inputs).first)
        #expect(row.status == .achieved && row.progress == nil && row.notes.contains(.noBaseline(period: "2020")))
        target.period = PeriodLabel("2030")
        let later = try #require(TargetProgress.evaluate([target], inputs: Self.inputs).first)
        #expect(later.status == .noEstimate && later.reason == .noResponses)
    }
}

/// `import targets`: validated like every import, stored as a batch, refused or replaced as a whole.
@Suite struct TargetImportTests {
    func store() throws -> SurveyStore {
        let store = try SurveyStore()
        try importResponses(store, Paths.fixture("mini-utf8.csv"))
        return store
    }

    @Test func targetsImportAndRoundTrip() throws {
        let store = try store()
        let folder = try TemporaryFolder()
        let file = try folder.write("targets.csv", """
            indicator,target,direction,period,baseline_period,plan,measure,group
            c1,3.5,higher,2025,2024,計画,,
            生活満足度,7,以上,2025,,計画,mean,北区
            つながり,60%,higher,2025,2024,計画,top2,
            q2,2,低い,2025,2024,計画,,

            """)
        let outcome = try store.importTargets(path: file, survey: nil, encoding: nil, replace: false)
        #expect(outcome.rowCount == 4)
        let stored = try store.targets(survey: SurveyID("mini"), period: PeriodLabel("2025"))
        #expect(stored.map(\.indicator) == ["c1", "ls", "c2", "q2"])
        #expect(stored.map(\.measure) == [.mean, .mean, .top2, .mean])
        #expect(stored.map(\.direction) == [.higher, .higher, .higher, .lower])
        #expect(stored[1].group == GroupName("北区") && stored[1].baselinePeriod == nil)
        #expect(stored[2].target == 60)
        #expect(try store.batches().last?.kind == .targets)
        // undo takes them away with their batch.
        try store.undo(batchID: outcome.batchID)
        #expect(try store.targets(survey: SurveyID("mini")).isEmpty)
    }

    @Test func everyProblemIsListedWithItsPlaceAndNothingIsWritten() throws {
        let store = try store()
        let before = try store.batches().count
        let folder = try TemporaryFolder()
        let file = try folder.write("targets.csv", """
            indicator,target,direction,period,baseline_period,measure
            c9,3.5,higher,2025,2024,
            c1,6,higher,2025,2024,
            q1,4,sideways,2025,2024,
            c2,0.6,higher,2025,2024,top2
            ls,7,higher,2025,2025,
            c1,abc,higher,,2024,
            c2,3,higher,2025,2024,median
            c2,3.2,higher,2025,2024,

            """)
        let error = try #require(wellBeingError { _ = try store.importTargets(path: file, survey: nil, encoding: nil, replace: false) })
        #expect(error.kind == .badData)
        let places = error.problems.map { "\($0.location.line ?? 0):\($0.location.column ?? "")" }
        #expect(places == ["2:indicator", "3:target", "4:direction", "5:target", "6:baseline_period", "7:target", "7:period",
                           "8:measure"])
        #expect(error.problems[0].reason.contains("is not a category, headline item, question or KPI"))
        #expect(error.problems[1].reason.contains("outside the indicator's scale 1–5"))
        #expect(error.problems[3].reason.contains("write 60 for 60 %"))
        #expect(try store.batches().count == before)
        #expect(try store.targets(survey: SurveyID("mini")).isEmpty)
    }

    @Test func aTargetTwiceInOneFileAndAKPIWithAMeasure() throws {
        let store = try store()
        let folder = try TemporaryFolder()
        let catalog = try folder.write("catalog.yaml", ObjectiveImportTests.catalog)
        let values = try folder.write("kpis.csv", "kpi,group,period,value\ncrime,北区,2025,4\n")
        _ = try store.importKPIs(valuesPath: values, catalogPath: catalog, survey: nil, encoding: nil, replace: false)
        let file = try folder.write("targets.csv", """
            indicator,target,direction,period,measure,group
            crime,3,lower,2025,,北区
            犯罪率,3,lower,2025,,北区
            crime,3,lower,2025,top2,北区
            c1,3.5,higher,2025,value,
            c1,3.5,higher,2025,,南区

            """)
        let error = try #require(wellBeingError { _ = try store.importTargets(path: file, survey: nil, encoding: nil, replace: false) })
        #expect(error.problems.map { $0.location.line ?? 0 } == [3, 4, 5, 6])
        #expect(error.problems[0].reason.contains("stands on line 2 too"))
        #expect(error.problems[1].reason.contains("a KPI's target is on its own value"))
        #expect(error.problems[3].reason.contains("is not a group"))
    }

    @Test func aRepeatedTargetIsRefusedUnlessReplaced() throws {
        let store = try store()
        let folder = try TemporaryFolder()
        let first = try folder.write("a.csv", "indicator,target,direction,period\nc1,3.5,higher,2025\nc2,3.5,higher,2025\n")
        let batch = try store.importTargets(path: first, survey: nil, encoding: nil, replace: false).batchID
        let revised = try folder.write("b.csv", "indicator,target,direction,period\nc2,3.8,higher,2025\nls,7,higher,2025\n")
        let error = try #require(wellBeingError { _ = try store.importTargets(path: revised, survey: nil, encoding: nil, replace: false) })
        #expect(error.problems.map { $0.location.line ?? 0 } == [2])
        #expect(error.problems[0].reason.contains("already imported in batch \(batch)"))
        // The same file again is refused as every file is.
        #expect(wellBeingError { _ = try store.importTargets(path: first, survey: nil, encoding: nil, replace: false) } != nil)
        // --replace: the revised table replaces the batch that held c2, whole.
        let outcome = try store.importTargets(path: revised, survey: nil, encoding: nil, replace: true)
        #expect(outcome.replacedBatches == [batch])
        let stored = try store.targets(survey: SurveyID("mini"))
        #expect(stored.map(\.indicator) == ["c2", "ls"])
        #expect(stored[0].target == 3.8)
    }
}

/// `import targets` and `progress` through the built executable, on the demo (whose targets are
/// Surveys/samples/targets.csv), checked against `trend` and `indicators`.
@Suite(.serialized) struct ProgressCommandTests {
    static func json(_ arguments: [String]) throws -> [String: Any] {
        let run = try AnalysisCommandTests.run(arguments + ["--format", "json"])
        #expect(run.status == 0, "\(run.errors)")
        return try JSONSerialization.jsonObject(with: Data(run.output.utf8)) as! [String: Any]
    }

    static func rows() throws -> [[String: Any]] {
        try #require(try json(["progress", "--period", "2025", "--survey", "lwc"])["targets"] as? [[String: Any]])
    }

    @Test func theJSONHasTheDesignedFields() throws {
        let rows = try Self.rows()
        #expect(rows.count == 7)
        let designed: Set<String> = ["indicator", "plan", "period", "target", "direction", "estimate", "ci_low", "ci_high", "baseline",
                                     "baseline_period", "status", "progress", "progress_se"]
        #expect(rows.allSatisfy { designed.isSubset(of: Set($0.keys)) })
        #expect(Set(rows.map { $0["status"] as! String }) == ["achieved", "not_achieved", "not_distinguishable", "no_estimate"])
    }

    @Test func progressAndItsSEEqualAHandComputationFromTheTrend() throws {
        let trend = try #require(try Self.json(["trend", "--from", "2024", "--to", "2025", "--survey", "lwc"])["rows"] as? [[String: Any]])
        let earlier = try #require(try Self.json(["indicators", "--period", "2024", "--survey", "lwc"])["estimates"] as? [[String: Any]])
        for row in try Self.rows() where row["measure"] as? String == "mean" && row["group"] is NSNull {
            let indicator = row["indicator"] as! String
            let change = try #require(trend.first { $0["indicator"] as? String == indicator && $0["group"] is NSNull })
            let baseline = try #require(earlier.first { $0["indicator"] as? String == indicator && $0["group"] is NSNull }?["mean"] as? Double)
            let target = row["target"] as! Double
            #expect(row["baseline"] as? Double == baseline)
            let progress = (change["diff"] as! Double) / (target - baseline)
            let se = (change["se"] as! Double) / abs(target - baseline)
            #expect(abs(try #require(row["progress"] as? Double) - progress) < 1e-12)
            #expect(abs(try #require(row["progress_se"] as? Double) - se) < 1e-12)
        }
    }

    @Test func aWithheldDistrictAndKPIsInTheDemo() throws {
        let rows = try Self.rows()
        let withheld = try #require(rows.first { $0["group"] as? String == "御所見" && $0["indicator"] as? String == "c01" })
        #expect(withheld["status"] as? String == "no_estimate")
        #expect(withheld["reason"] as? String == "withheld_secondary")
        #expect(withheld["estimate"] is NSNull)
        let kpi = try #require(rows.first { $0["indicator"] as? String == "childcare_waiting_per_1000_children" })
        #expect(kpi["direction"] as? String == "lower")
        #expect(kpi["status"] as? String == "achieved")
        #expect(kpi["ci_low"] is NSNull && kpi["progress_se"] is NSNull)
        #expect((kpi["notes"] as? [String])?.contains { $0.contains("no standard error") } == true)
    }

    @Test func byGroupsAndByAField() throws {
        let groups = try #require(try Self.json(["progress", "--period", "2025", "--survey", "lwc", "--groups"])["targets"] as? [[String: Any]])
        // Three whole-area targets × (city + 13 districts) + four district targets.
        #expect(groups.count == 3 * 14 + 4)
        let byAge = try #require(try Self.json(["progress", "--period", "2025", "--survey", "lwc", "--by", "年代"])["targets"] as? [[String: Any]])
        #expect(byAge.contains { $0["by"] as? String == "年代" })
        #expect(byAge.filter { $0["group"] is NSNull }.count == 3)
    }

    @Test func noTargetsForThePeriodNamesThoseThereAre() throws {
        let run = try AnalysisCommandTests.run(["progress", "--period", "2024", "--survey", "lwc"])
        #expect(run.status == 64)
        #expect(run.errors.contains("no targets of 'lwc' for 2024; it has targets for 2025"))
    }

    @Test func theReportSectionShowsEveryTargetWithItsStatus() throws {
        let out = try AnalysisCommandTests.demoReport(["--previous", "2024", "--format", "both"], into: "targets-report")
        let html = try String(contentsOfFile: (out as NSString).appendingPathComponent("lwc-2025.html"), encoding: .utf8)
        let start = try #require(html.range(of: "<h2 id=\"plan-targets\">計画の目標と進捗</h2>"))
        let section = html[start.upperBound...].components(separatedBy: "<h2")[0]
        // One coloured status per target, the same as progress says; "cannot tell" is never shown as achieved.
        let statuses = try Self.rows().map { $0["status"] as! String }
        for (status, css) in [("achieved", "st-achieved"), ("not_achieved", "st-not-achieved"),
                              ("not_distinguishable", "st-unclear"), ("no_estimate", "st-none")] {
            #expect(section.components(separatedBy: "class=\"\(css)\"").count - 1 == statuses.filter { $0 == status }.count, "\(status)")
        }
        #expect(section.contains("△ 判別できない") && section.contains("◎ 達成") && section.contains("× 未達成"))
        let markdown = try String(contentsOfFile: (out as NSString).appendingPathComponent("lwc-2025.md"), encoding: .utf8)
        #expect(markdown.contains("## 計画の目標と進捗"))
    }

    @Test func aBadTargetFileIsRefusedWithLines() throws {
        let folder = try TemporaryFolder()
        let store = folder.file("s.sqlite")
        let imported = try CommandLineTests.run(["import", "responses", Paths.fixture("mini-utf8.csv"), "--instrument",
                                                 Paths.fixture("mini.yaml"), "--period", "2025", "--store", store], in: folder.path)
        #expect(imported.status == 0, "\(imported.errors)")
        let file = try folder.write("targets.csv", "indicator,target,direction,period\nc1,3.5,higher,2025\nxx,3,higher,2025\nc2,3,up-ish,2025\n")
        let run = try CommandLineTests.run(["import", "targets", file, "--store", store], in: folder.path)
        #expect(run.status == 65)
        #expect(run.errors.contains("targets.csv:3: column indicator (1): 'xx'"))
        #expect(run.errors.contains("targets.csv:4: column direction (3): 'up-ish'"))
        let listed = try CommandLineTests.run(["batches", "--store", store], in: folder.path)
        #expect(!listed.output.contains("targets"))
    }
}
