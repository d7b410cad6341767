import Foundation
import Testing
import WellBeingTestSupport
@testable import WellBeingAnalysis
@testable import WellBeingCore
@testable import WellBeingIngest
@testable import WellBeingStore
import WellBeingWorkspace

/// Properties of the estimates, and the awkward cases that must give a clear message, never a crash or NaN.
@Suite struct AnalysisTests {
    /// A matrix of the mini instrument (items q1 q2 q3 q4 ls) from rows of (group, sex, answers).
    static func matrix(_ rows: [(group: Int, sex: Int, answers: [Int?])], groups: [String] = ["髙島", "北区", "①番町"],
                       weights: [Double]? = nil) throws -> ResponseMatrix {
        let instrument = try miniInstrument().instrument
        return ResponseMatrix(
            instrument: instrument, period: PeriodLabel("2025"), groups: groups.map { GroupName($0) },
            groupCodes: rows.map { Int32($0.group) }, attributeValues: [["女性", "男性"]],
            attributeCodes: [rows.map { Int32($0.sex) }], designWeights: weights,
            answers: rows.flatMap { $0.answers.map { $0.map { UInt8($0 + 1) } ?? 0 } }, respondentCount: rows.count)
    }

    /// A seeded sample of the lwc fixture's 2025 wave.
    static func fixtureMatrix() throws -> (ResponseMatrix, PopulationTable) {
        let store = try SurveyStore()
        try importResponses(store, Paths.lwc("responses_2025.csv"), instrument: try InstrumentLoader.load(path: Paths.survey("lwc-synthetic.yaml")),
                            period: "2025")
        _ = try store.importPopulation(path: Paths.lwc("population.csv"), survey: "lwc", period: nil,
                                       marginSpec: "age_band*sex,region", encoding: nil, replace: false)
        return (try store.responses(survey: SurveyID("lwc"), period: PeriodLabel("2025")),
                try store.population(survey: SurveyID("lwc"), period: PeriodLabel("2025"))!)
    }

    @Test(arguments: [0.001, 1.0, 263.93, 1e6])
    func rakedWeightsDoNotDependOnTheScaleOfTheStartingWeights(_ scale: Double) throws {
        var (matrix, population) = try Self.fixtureMatrix()
        let plain = try IndicatorEngine(matrix: matrix, population: population, options: .init(weighting: .raked))
            .resolveWeights().weights
        matrix.designWeights = Array(repeating: scale, count: matrix.respondentCount)
        let scaled = try IndicatorEngine(matrix: matrix, population: population, options: .init(weighting: .raked))
            .resolveWeights().weights
        let worst = zip(plain, scaled).map { abs($0 - $1) / $0 }.max()!
        #expect(worst < 1e-9)
        #expect(abs(plain.reduce(0, +) - population.total) / population.total < 1e-10)
    }

    @Test(arguments: [Weighting.none, .raked])
    func everyIntervalContainsItsMeanAndDeviationScoresAverageFifty(_ weighting: Weighting) throws {
        let (matrix, population) = try Self.fixtureMatrix()
        let results = try IndicatorEngine(matrix: matrix, population: population, options: .init(weighting: weighting)).run()
        for estimate in results.estimates where estimate.mean != nil {
            let mean = estimate.mean!
            #expect(estimate.confidenceLow! <= mean && mean <= estimate.confidenceHigh!)
            #expect(estimate.standardError!.isFinite && estimate.standardError! > 0)
        }
        for indicator in matrix.instrument.indicatorIDs {
            let scores = results.estimates.filter { $0.indicator == indicator && $0.group != nil }.compactMap(\.deviation)
            #expect(scores.count == 11)  // 遠藤 is withheld, and a second district with it (secondary suppression)
            let mean = scores.reduce(0, +) / Double(scores.count)
            let sd = (scores.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / Double(scores.count)).squareRoot()
            #expect(abs(mean - 50) < 1e-9 && abs(sd - 10) < 1e-9)
        }
    }

    @Test func aGroupWhereNobodyAnsweredHasNoEstimate() throws {
        let rows: [(Int, Int, [Int?])] = (0..<30).map { ($0 % 2, $0 % 2, [3, 2, 4, $0 % 5 + 1, 7]) }
            + (0..<12).map { _ in (2, 0, [nil, nil, 4, 4, 5]) }
        let results = try IndicatorEngine(matrix: Self.matrix(rows), population: nil).run()
        let empty = try #require(results.estimate(IndicatorID("c1"), group: GroupName("①番町")))
        #expect(empty.n == 0 && empty.mean == nil && empty.standardError == nil && empty.suppressed)
        let json = String(decoding: try JSONEncoder().encode(results), as: UTF8.self)
        #expect(!json.contains("NaN") && !json.contains("nan"))
    }

    @Test func smallCellsAreWithheldAndFlagged() throws {
        let rows: [(Int, Int, [Int?])] = (0..<40).map { ($0 < 5 ? 2 : ($0 < 25 ? 1 : 0), $0 % 2, [$0 % 5 + 1, 3, 3, 3, $0 % 11]) }
        let results = try IndicatorEngine(matrix: Self.matrix(rows), population: nil, options: .init(minimumN: 10)).run()
        let tiny = try #require(results.estimate(IndicatorID("c1"), group: GroupName("①番町")))
        #expect(tiny.n == 5 && tiny.suppressed && tiny.mean == nil && tiny.deviation == nil && tiny.topBoxShare == nil)
        let small = try #require(results.estimate(IndicatorID("c1"), group: GroupName("北区")))
        #expect(small.n == 20 && !small.suppressed && small.unstable && small.mean != nil)
    }

    @Test func aSingleGroupHasNoDeviationScoresButSaysWhy() throws {
        let rows: [(Int, Int, [Int?])] = (0..<20).map { (0, $0 % 2, [$0 % 5 + 1, 2, 3, 4, 6]) }
        let results = try IndicatorEngine(matrix: Self.matrix(rows, groups: ["全庁"]), population: nil).run()
        #expect(results.estimates.allSatisfy { $0.deviation == nil })
        #expect(results.notes.contains { $0.text(in: .en).contains("fewer than two groups") })
        #expect(results.notes.first?.text(in: .ja).contains("偏差値を算出していません") == true)
    }

    @Test func allDesignWeightsZeroIsAClearError() throws {
        let rows: [(Int, Int, [Int?])] = (0..<20).map { ($0 % 3, $0 % 2, [3, 3, 3, 3, 5]) }
        let error = try #require(wellBeingError {
            _ = try IndicatorEngine(matrix: Self.matrix(rows, weights: Array(repeating: 0, count: 20)), population: nil,
                                    options: .init(weighting: .design)).run()
        })
        #expect(error.description.contains("zero"))
    }

    @Test func designWeightsAreNeededForDesignWeighting() throws {
        let rows: [(Int, Int, [Int?])] = (0..<20).map { ($0 % 3, $0 % 2, [3, 3, 3, 3, 5]) }
        let error = try #require(wellBeingError {
            _ = try IndicatorEngine(matrix: Self.matrix(rows), population: nil, options: .init(weighting: .design)).run()
        })
        #expect(error.kind == .usage)
        let noMargins = try #require(wellBeingError {
            _ = try IndicatorEngine(matrix: Self.matrix(rows), population: nil, options: .init(weighting: .raked)).run()
        })
        #expect(noMargins.description.contains("population margins"))
    }

    @Test func marginsThatDoNotCoverAGroupNameIt() throws {
        let rows: [(Int, Int, [Int?])] = (0..<30).map { ($0 % 3, $0 % 2, [3, 3, 3, 3, 5]) }
        let population = PopulationTable(fields: ["地区"], cells: [.init(values: ["髙島"], count: 100), .init(values: ["北区"], count: 100)],
                                         margins: [["地区"]])
        let error = try #require(wellBeingError { _ = try IndicatorEngine(matrix: Self.matrix(rows), population: population).run() })
        #expect(error.kind == .badData)
        #expect(error.description.contains("地区=①番町"))
        #expect(error.description.contains("Merge the cells"))
    }

    @Test func aPopulationCellWithoutRespondentsIsNamed() throws {
        let rows: [(Int, Int, [Int?])] = (0..<30).map { ($0 % 2, $0 % 2, [3, 3, 3, 3, 5]) }
        let population = PopulationTable(fields: ["地区"], cells: [.init(values: ["髙島"], count: 100), .init(values: ["北区"], count: 100),
                                                                 .init(values: ["①番町"], count: 50)], margins: [["地区"]])
        let error = try #require(wellBeingError { _ = try IndicatorEngine(matrix: Self.matrix(rows), population: population).run() })
        #expect(error.description.contains("地区=①番町 (50 people) has no respondents"))
    }

    @Test func kpiWithoutVariationIsLeftOutWithAReason() throws {
        let rows: [(Int, Int, [Int?])] = (0..<60).map { ($0 % 3, $0 % 2, [min(5, $0 % 3 + ($0 / 3) % 3 + 1), 2, 3, $0 % 4 + 1, $0 % 11]) }
        let results = try IndicatorEngine(matrix: Self.matrix(rows), population: nil).run()
        let catalog = KPICatalog(survey: SurveyID("mini"), kpis: [
            KPIDefinition(id: KPIID("flat"), name: LocalizedText(ja: "一定"), category: IndicatorID("c1"), direction: 1, unit: "", source: "x"),
            KPIDefinition(id: KPIID("crime"), name: LocalizedText(ja: "犯罪"), category: IndicatorID("c1"), direction: -1, unit: "", source: "x"),
        ])
        let values = ["髙島", "北区", "①番町"].enumerated().flatMap { index, group in [
            KPIValue(kpi: KPIID("flat"), group: GroupName(group), period: PeriodLabel("2025"), value: 3.4),
            KPIValue(kpi: KPIID("crime"), group: GroupName(group), period: PeriodLabel("2025"), value: Double(index + 1)),
        ] }
        let comparison = ObjectiveComparison.compare(results: results, categories: [IndicatorID("c1"), IndicatorID("c2")],
                                                     catalog: catalog, values: values, references: [:])
        #expect(comparison.notes == [.kpiWithoutVariation(KPIID("flat"), name: LocalizedText(ja: "一定"))])
        let first = try #require(comparison.rows.first { $0.group.rawValue == "髙島" && $0.indicator.rawValue == "c1" })
        // crime is lower-is-better: the group with the fewest crimes scores highest.
        #expect(first.kpis == 1)
        // Values 1, 2, 3: mean 2, population SD √(2/3); 髙島 has 1 crime, one SD-unit below the mean, scored upwards.
        #expect(abs((first.objective ?? 0) - (50 + 10 * (1.0 / (2.0 / 3).squareRoot()))) < 1e-9)
        let subjective = try #require(first.subjective), objective = try #require(first.objective)
        #expect(first.gap == subjective - objective)
        let noKPIs = try #require(comparison.rows.first { $0.indicator.rawValue == "c2" })
        #expect(noKPIs.objective == nil && noKPIs.gap == nil && !noKPIs.flagged)
    }

    @Test func driversQuadrantsSplitAtTheMeans() throws {
        let (matrix, population) = try Self.fixtureMatrix()
        let results = try IndicatorEngine(matrix: matrix, population: population).run()
        let (rows, meanR, meanScore) = DriverAnalysis.rows(from: results)
        #expect(rows.count == 24)
        for row in rows {
            let important = row.r! >= meanR!, high = row.mean! >= meanScore!
            let expected: DriverRow.Quadrant = important ? (high ? .strength : .priority) : (high ? .maintain : .monitor)
            #expect(row.quadrant == expected)
        }
        // 健康状態 and 自己効力感 drive life satisfaction most in the generator's model.
        let top = rows.sorted { $0.r! > $1.r! }.prefix(4).map(\.indicator.rawValue)
        #expect(top.contains("c20") && top.contains("c19"))
    }

    @Test func unweightedEstimateOfATinyExampleByHand() throws {
        // c1 = mean(q1, 6 − q2); three respondents in one group: (4,2)→4, (5,1)→5, (3,nil)→3.
        let rows: [(Int, Int, [Int?])] = [(0, 0, [4, 2, nil, nil, nil]), (0, 1, [5, 1, nil, nil, nil]), (0, 0, [3, nil, nil, nil, nil])]
        let results = try IndicatorEngine(matrix: Self.matrix(rows, groups: ["A"]), population: nil, options: .init(minimumN: 1)).run()
        let estimate = try #require(results.estimate(IndicatorID("c1"), group: nil))
        #expect(estimate.n == 3 && estimate.mean == 4)
        // SE² = n/(n−1)·Σ(y−ȳ)²/n² = 3/2 · 2 / 9 = 1/3.
        #expect(abs(estimate.standardError! - (1.0 / 3).squareRoot()) < 1e-15)
        #expect(abs(estimate.topBoxShare! - 2.0 / 3) < 1e-15)
        #expect(results.reliability.first { $0.indicator.rawValue == "c1" }?.n == 2)
    }
}

/// Secondary suppression: no withheld value can be derived from what is published.
@Suite struct DisclosureTests {
    @Test(arguments: ["2024", "2025"])
    func noWithheldGroupStandsAlone(_ period: String) throws {
        let store = try SurveyStore()
        try importResponses(store, Paths.lwc("responses_\(period).csv"),
                            instrument: try InstrumentLoader.load(path: Paths.survey("lwc-synthetic.yaml")), period: period)
        let matrix = try store.responses(survey: SurveyID("lwc"), period: PeriodLabel(period))
        do {
            let results = try IndicatorEngine(matrix: matrix, population: nil, options: .init(weighting: Weighting.none)).run()
            var secondary = 0
            for indicator in matrix.instrument.indicatorIDs {
                let groups = results.estimates.filter { $0.indicator == indicator && $0.group != nil && $0.n > 0 }
                let withheld = groups.filter(\.suppressed)
                // 遠藤 (7 and 9 respondents) is withheld everywhere, so a second group must be too.
                #expect(withheld.count != 1, "\(indicator): one group withheld alone")
                #expect(withheld.contains { $0.group?.rawValue == "遠藤" })
                secondary += withheld.filter { $0.n >= 10 }.count
                // Each carries its reason: too few respondents, or withheld to protect another group.
                #expect(withheld.allSatisfy { $0.withheld == ($0.n < 10 ? .fewRespondents : .protectsAnother) })
                // The attack of the issue: the whole area's mean and the published groups' means and n give
                // back a group withheld alone. With two withheld, only their combination is known.
                let whole = try #require(results.estimate(indicator, group: nil))
                let published = groups.filter { !$0.suppressed }
                let rest = Double(whole.n) * whole.mean! - published.reduce(0) { $0 + Double($1.n) * $1.mean! }
                let combined = rest / Double(withheld.reduce(0) { $0 + $1.n })
                #expect(withheld.count >= 2)
                // Each withheld group's own mean stays unknown: it can lie anywhere that keeps the combination.
                let scale = matrix.instrument.scale(of: matrix.instrument.items.first { item in
                    (matrix.instrument.categories.first { $0.id == indicator }?.itemIDs.first ?? ItemID(indicator.rawValue)) == item.id }!)
                let smallest = withheld.min { $0.n < $1.n }!, others = Double(withheld.reduce(0) { $0 + $1.n } - smallest.n)
                let total = combined * Double(withheld.reduce(0) { $0 + $1.n })
                let low = (total - others * Double(scale.maximum)) / Double(smallest.n)
                let high = (total - others * Double(scale.minimum)) / Double(smallest.n)
                #expect(max(low, Double(scale.minimum)) < min(high, Double(scale.maximum)) - 0.5,
                        "\(indicator): the smallest withheld group is pinned to [\(low), \(high)]")
            }
            #expect(secondary == matrix.instrument.indicatorIDs.count)
            #expect(results.notes.contains { if case .secondarySuppression = $0 { return true } else { return false } })
        }
    }
}
