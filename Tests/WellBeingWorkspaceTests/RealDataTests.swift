import Foundation
import Testing
import WellBeingTestSupport
@testable import WellBeingAnalysis
@testable import WellBeingCore
@testable import WellBeingIngest
@testable import WellBeingStore
import WellBeingWorkspace

/// Real public data against reference numbers computed in R (`Fixtures/r-reference/reference.R`).
@Suite struct RealDataTests {
    static func json(_ name: String) throws -> [String: Any] {
        let data = try Data(contentsOf: URL(fileURLWithPath: Paths.fixture("r-reference/\(name)")))
        return try JSONSerialization.jsonObject(with: data) as! [String: Any]
    }

    static func close(_ a: Double?, _ b: Any?, _ tolerance: Double) -> Bool {
        guard let a, let b = (b as? NSNumber)?.doubleValue else { return a == nil && (b == nil || b is NSNull) }
        return abs(a - b) <= tolerance * max(abs(b), 1e-12)
    }

    /// wINEQ (Statistics Poland): means with SE by Area within each Year under the design weight, and the trend.
    @Test func wineqMatchesSurveyPackage() throws {
        let reference = try Self.json("wineq.json")
        let store = try SurveyStore()
        try importResponses(store, Paths.sharedData("wINEQ_Well_being.csv"),
                            instrument: try InstrumentLoader.load(path: Paths.survey("wineq.yaml")), period: nil)
        var results: [String: IndicatorResults] = [:]
        var compared = 0
        for year in ["2015", "2019"] {
            let matrix = try store.responses(survey: SurveyID("wineq"), period: PeriodLabel(year))
            let computed = try IndicatorEngine(matrix: matrix, population: nil).run()
            #expect(computed.weighting == .design)
            results[year] = computed
            let periods = reference["periods"] as! [String: [String: [String: [String: Any]]]]
            for (item, places) in periods[year]! {
                let indicator = IndicatorID(item == "V9" ? "V9" : String(format: "v%02d", Int(item.dropFirst())!))
                for (place, expected) in places {
                    let group = place == "overall" ? nil : GroupName(place)
                    let estimate = try #require(computed.estimate(indicator, group: group), "\(year) \(item) \(place)")
                    #expect(estimate.n == expected["n"] as? Int)
                    #expect(Self.close(estimate.mean, expected["mean"], 1e-9), "\(year) \(item) \(place) mean")
                    #expect(Self.close(estimate.standardError, expected["se"], 1e-9), "\(year) \(item) \(place) se")
                    compared += 1
                }
            }
        }
        #expect(compared == 2 * 23 * 3)
        let trend = TrendAnalysis.compare(from: results["2015"]!, to: results["2019"]!)
        for (item, places) in reference["trend"] as! [String: [String: [String: Any]]] {
            let indicator = IndicatorID(item == "V9" ? "V9" : String(format: "v%02d", Int(item.dropFirst())!))
            for (place, expected) in places {
                let row = try #require(trend.first { $0.indicator == indicator && $0.group == (place == "overall" ? nil : GroupName(place)) })
                #expect(Self.close(row.difference, expected["diff"], 1e-9), "\(item) \(place) diff")
                #expect(Self.close(row.standardError, expected["se"], 1e-9), "\(item) \(place) se")
                #expect(row.significantUnadjusted == expected["significant"] as? Bool)  // R: |diff| > 1.96·SE
            }
        }
    }

    /// OECD regional well-being: each region a group; Life_satisfaction and Support the subjective side, the
    /// raw indicators the KPIs, through the same comparison as `wellbeing compare`.
    @Test func oecdComparisonMatchesR() throws {
        let reference = try Self.json("oecd.json")
        let table = try TableFile.read(path: Paths.sharedData("pradadata_oecd_regional_wellbeing.csv"))
        func column(_ name: String) -> Int { table.header.firstIndex(of: name)! }
        let codes = table.rows.map { $0.cells[column("Code")] }
        func values(_ name: String) -> [Double?] { table.rows.map { Double($0.cells[column(name)]) } }
        // The subjective side: one estimate per region, deviation scores among the regions with a value.
        var estimates: [IndicatorEstimate] = []
        for (indicator, source) in [("life", "Life_satisfaction"), ("community", "Support")] {
            for (code, value) in zip(codes, values(source)) {
                estimates.append(IndicatorEstimate(group: GroupName(code), indicator: IndicatorID(indicator), n: 100, mean: value,
                                                   standardError: nil, confidenceLow: nil, confidenceHigh: nil, topBoxShare: nil,
                                                   deviation: nil, withheld: nil, unstable: false, sumOfWeights: 100))
            }
        }
        var basis: [IndicatorID: String] = [:], notes: [AnalysisNote] = []
        estimates = DeviationScores.apply(to: estimates, references: [:], basis: &basis, notes: &notes)
        let results = IndicatorResults(survey: SurveyID("oecd"), period: PeriodLabel("2016"), weighting: .none, minimumN: 10,
                                       respondentCount: 100, kishDesignEffect: 1, estimates: estimates, reliability: [],
                                       drivers: [], itemShares: [], groups: codes.map { GroupName($0) }, deviationBasis: basis,
                                       notes: notes, rakingSweeps: 0)
        let kpiRows = reference["kpis"] as! [[String: Any]]
        let catalog = KPICatalog(survey: SurveyID("oecd"), kpis: kpiRows.map { row in
            KPIDefinition(id: KPIID(row["kpi"] as! String), name: LocalizedText(ja: row["kpi"] as! String),
                          category: IndicatorID(row["category"] as! String), direction: row["direction"] as! Int, unit: "", source: "OECD")
        })
        var kpiValues: [KPIValue] = []
        for kpi in catalog.kpis {
            let name = kpi.id.rawValue == "PM25" ? "PM25)" : kpi.id.rawValue
            for (code, value) in zip(codes, values(name)) where value != nil {
                kpiValues.append(KPIValue(kpi: kpi.id, group: GroupName(code), period: PeriodLabel("2016"), value: value!))
            }
        }
        let comparison = ObjectiveComparison.compare(results: results, categories: [IndicatorID("life"), IndicatorID("community")],
                                                     catalog: catalog, values: kpiValues, references: [:])
        var compared = 0, flagged = 0
        for (category, rows) in reference["rows"] as! [String: [[String: Any]]] {
            for expected in rows {
                let code = expected["code"] as! String
                let row = try #require(comparison.rows.first { $0.group.rawValue == code && $0.indicator.rawValue == category })
                #expect(Self.close(row.subjective, expected["subjective"], 1e-9), "\(code) \(category) subjective")
                #expect(Self.close(row.objective, expected["objective"], 1e-9), "\(code) \(category) objective")
                #expect(Self.close(row.gap, expected["gap"], 1e-9), "\(code) \(category) gap")
                #expect(row.flagged == expected["flagged"] as? Bool, "\(code) \(category) flagged")
                compared += 1
                if row.flagged { flagged += 1 }
            }
        }
        #expect(compared == 2 * 429)
        #expect(flagged > 0)
    }
}

/// Raking from unequal design weights against R's `rake()` (`Fixtures/r-reference/raked_design.R`).
@Suite struct RakedDesignWeightTests {
    @Test func calibratedStandardErrorsFromUnequalStartingWeights() throws {
        let reference = try RealDataTests.json("raked_design.json")
        let store = try SurveyStore()
        try importResponses(store, Paths.lwc("responses_2025.csv"), instrument: try InstrumentLoader.load(path: Paths.survey("lwc-synthetic.yaml")),
                            period: "2025")
        _ = try store.importPopulation(path: Paths.lwc("population.csv"), survey: "lwc", period: nil,
                                       marginSpec: "age_band*sex,region", encoding: nil, replace: false)
        var matrix = try store.responses(survey: SurveyID("lwc"), period: PeriodLabel("2025"))
        // The same starting weights as the R script: 1 + (row number mod 3) × 0.5, rows counted from 1.
        matrix.designWeights = (1...matrix.respondentCount).map { 1 + Double($0 % 3) * 0.5 }
        let results = try IndicatorEngine(matrix: matrix, population: try store.population(survey: SurveyID("lwc"), period: PeriodLabel("2025")),
                                          options: AnalysisOptions(weighting: .raked, minimumN: 1)).run()
        var compared = 0
        for (indicator, places) in reference as! [String: [String: [String: Double]]] {
            for (place, expected) in places {
                let estimate = try #require(results.estimate(IndicatorID(indicator), group: place == "overall" ? nil : GroupName(place)))
                #expect(RealDataTests.close(estimate.mean, expected["mean"], 1e-6), "\(indicator) \(place) mean")
                #expect(RealDataTests.close(estimate.standardError, expected["se"], 1e-6),
                        "\(indicator) \(place) se \(estimate.standardError ?? 0) vs \(expected["se"]!)")
                compared += 1
            }
        }
        #expect(compared == 4 * 14)
    }
}
