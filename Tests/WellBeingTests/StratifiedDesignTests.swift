import Foundation
import Testing
import WellBeingTestSupport
@testable import WellBeingAnalysis
@testable import WellBeingCore
@testable import WellBeingIngest
@testable import WellBeingStore
@testable import WellBeingReport
import WellBeingWorkspace

/// Stratified samples (DESIGN §12) against `../shared/fixtures/strat-4000/reference_v2.json` (R `survey` 4.1-1):
/// design weights N_h/n_h with the finite-population correction, then raked on that design, every district
/// and the whole city, both waves, to 1e-6 relative.
@Suite struct StratifiedDesignTests {
    static func file(_ name: String) -> String {
        ((Paths.shared as NSString).appendingPathComponent("fixtures/strat-4000") as NSString).appendingPathComponent(name)
    }

    /// The synthetic instrument with `design: {strata: region, fpc: true}`, as a local version of it.
    static func stratifiedInstrument(in folder: TemporaryFolder, design: String = "{strata: region, fpc: true}") throws -> LoadedInstrument {
        let path = try folder.write("lwc-stratified.yaml", """
            extends: \(Paths.survey("lwc-synthetic.yaml"))
            version: "stratified"
            design: \(design)
            """)
        return try InstrumentLoader.load(path: path)
    }

    /// Both waves and the register imported once.
    struct Fixture: @unchecked Sendable {
        let store: SurveyStore
        let reference: [String: Any]
        let folder: TemporaryFolder

        static let shared: Result<Fixture, Error> = Result {
            let folder = try TemporaryFolder()
            let store = try SurveyStore()
            let instrument = try stratifiedInstrument(in: folder)
            for period in ["2024", "2025"] {
                try importResponses(store, file("responses_\(period).csv"), instrument: instrument, period: period)
            }
            _ = try store.importPopulation(path: file("population.csv"), survey: "lwc", period: nil,
                                           marginSpec: "age_band*sex,region", encoding: nil, replace: false)
            let data = try Data(contentsOf: URL(fileURLWithPath: file("reference_v2.json")))
            return Fixture(store: store, reference: try JSONSerialization.jsonObject(with: data) as! [String: Any], folder: folder)
        }

        func period(_ label: String) -> [String: Any] {
            (reference["periods"] as! [String: Any])[label] as! [String: Any]
        }

        func engine(_ label: String, weighting: Weighting?, options: (inout AnalysisOptions) -> Void = { _ in }) throws -> IndicatorEngine {
            let matrix = try store.responses(survey: SurveyID("lwc"), period: PeriodLabel(label))
            let population = try store.population(survey: SurveyID("lwc"), period: PeriodLabel(label))
            var analysis = AnalysisOptions(weighting: weighting, minimumN: 10)
            analysis.secondarySuppression = false
            options(&analysis)
            return IndicatorEngine(matrix: matrix, population: population, options: analysis)
        }

        func results(_ label: String, weighting: Weighting?) throws -> IndicatorResults {
            try engine(label, weighting: weighting).run()
        }
    }

    static func places(_ domains: [String: Any]) -> [(GroupName?, [String: Any])] {
        [(nil, domains["overall"] as! [String: Any])]
            + (domains["regions"] as! [String: [String: Any]]).map { (GroupName($0.key), $0.value) }
    }

    @Test(arguments: ["2024", "2025"])
    func designAndRakedEstimatesEqualR(_ label: String) throws {
        let fixture = try Fixture.shared.get()
        let reference = fixture.period(label)
        let design = try fixture.results(label, weighting: .design)
        let raked = try fixture.results(label, weighting: .raked)
        let automatic = try fixture.results(label, weighting: nil)
        #expect(automatic.weighting == .raked)
        let checker = ReferenceFixtureTests.Checker()
        for (indicator, domains) in reference["estimates"] as! [String: [String: Any]] {
            for (group, expected) in Self.places(domains) {
                let place = "\(label) \(indicator) \(group?.rawValue ?? "overall")"
                let d = try #require(design.estimate(IndicatorID(indicator), group: group), "\(place)")
                let r = try #require(raked.estimate(IndicatorID(indicator), group: group), "\(place)")
                #expect(d.n == expected["n"] as? Int, "\(place) n")
                if d.n < 10 { continue }
                checker.check(d.mean, expected["design_mean"], tolerance: 1e-6, "\(place) design_mean")
                checker.check(d.standardError, expected["design_se"], tolerance: 1e-6, "\(place) design_se")
                checker.check(r.mean, expected["mean"], tolerance: 1e-6, "\(place) mean")
                checker.check(r.standardError, expected["se"], tolerance: 1e-6, "\(place) se")
            }
        }
        checker.report()
        #expect(checker.compared >= 26 * 14 * 4 - 100)
    }

    @Test(arguments: ["2024", "2025"])
    func rakedWeightsEqualR(_ label: String) throws {
        let fixture = try Fixture.shared.get()
        let weights = try fixture.engine(label, weighting: .raked).resolveWeights().weights
        let matrix = try fixture.store.responses(survey: SurveyID("lwc"), period: PeriodLabel(label))
        // The store keeps the file's order; R's weights are listed in the same order (checked by id).
        func rows(_ name: String) throws -> [[String]] {
            let bytes = try [UInt8](Data(contentsOf: URL(fileURLWithPath: Self.file(name))))
            return try records(of: bytes, in: fixture.folder).map(\.fields)
        }
        let responseIDs = try rows("responses_\(label).csv").dropFirst().map { $0[0] }
        let expected = try rows("reference_v2_weights.csv").dropFirst().filter { $0[1] == label }
        #expect(expected.map { $0[0] } == responseIDs)
        #expect(expected.count == matrix.respondentCount)
        var worst = 0.0
        for (row, line) in expected.enumerated() {
            let wanted = try #require(Double(line[2].trimmingCharacters(in: .whitespaces)))
            worst = max(worst, abs(weights[row] - wanted) / wanted)
        }
        #expect(worst < 1e-8, "largest relative difference of a raked weight: \(worst)")
        // Σw in each district is its N_h.
        let design = try fixture.period(label)["design"] as! [String: Any]
        let sizes = design["N_h"] as! [String: Double]
        var sums: [String: Double] = [:]
        for row in 0..<matrix.respondentCount { sums[matrix.groups[Int(matrix.groupCodes[row])].rawValue, default: 0] += weights[row] }
        for (region, size) in sizes { #expect(abs(sums[region]! - size) < 1e-6 * size, "\(region)") }
    }

    @Test func jsonNamesTheDesign() throws {
        let fixture = try Fixture.shared.get()
        let results = try fixture.results("2024", weighting: .raked)
        let json = try JSONSerialization.jsonObject(with: JSONEncoder().encode(results)) as! [String: Any]
        let design = json["design"] as! [String: Any]
        #expect(design["strata"] as? Int == 13)
        #expect(design["fpc"] as? Bool == true)
        let strata = try #require(design["stratum_sizes"] as? [[String: Any]])
        let reference = fixture.period("2024")["design"] as! [String: Any]
        for stratum in strata {
            let name = stratum["stratum"] as! String
            #expect(stratum["population"] as? Double == (reference["N_h"] as! [String: Double])[name])
            #expect(stratum["respondents"] as? Int == (reference["n_h"] as! [String: Int])[name])
        }
        #expect(strata.count == 13)
        // Unweighted is the simple random sample it says: no strata.
        let none = try JSONSerialization.jsonObject(with: JSONEncoder().encode(try fixture.results("2024", weighting: Weighting.none))) as! [String: Any]
        #expect((none["design"] as! [String: Any])["strata"] == nil)
    }
}

/// Degenerate stratified samples: notes or clear errors, never NaN.
@Suite struct StratifiedDesignEdgeTests {
    /// The 2024 wave with `keep` deciding which respondents stay, imported into a fresh store with `population`.
    static func store(in folder: TemporaryFolder, design: String = "{strata: region, fpc: true}",
                      keep: (_ region: String, _ index: Int) -> Bool = { _, _ in true },
                      population: (_ rows: [[String]]) -> [[String]] = { $0 }) throws -> SurveyStore {
        func csv(_ rows: [[String]]) -> String {
            rows.map { $0.map { "\"" + $0.replacingOccurrences(of: "\"", with: "\"\"") + "\"" }.joined(separator: ",") }
                .joined(separator: "\n") + "\n"
        }
        let bytes = try [UInt8](Data(contentsOf: URL(fileURLWithPath: StratifiedDesignTests.file("responses_2024.csv"))))
        let rows = try records(of: bytes, in: folder).map(\.fields)
        let region = rows[0].firstIndex(of: "region")!
        var seen: [String: Int] = [:]
        var kept = [rows[0]]
        for row in rows.dropFirst() {
            let index = seen[row[region], default: 0]
            seen[row[region]] = index + 1
            if keep(row[region], index) { kept.append(row) }
        }
        let people = try records(of: [UInt8](Data(contentsOf: URL(fileURLWithPath: StratifiedDesignTests.file("population.csv")))),
                                 in: folder).map(\.fields)
        let store = try SurveyStore()
        let instrument = try StratifiedDesignTests.stratifiedInstrument(in: folder, design: design)
        try importResponses(store, try folder.write("responses.csv", csv(kept)), instrument: instrument, period: "2024")
        _ = try store.importPopulation(path: try folder.write("population.csv", csv([people[0]] + population(Array(people.dropFirst())))),
                                       survey: "lwc", period: nil, marginSpec: "age_band*sex,region", encoding: nil, replace: false)
        return store
    }

    static func results(_ store: SurveyStore, _ weighting: Weighting, population: Bool = true) throws -> IndicatorResults {
        let matrix = try store.responses(survey: SurveyID("lwc"), period: PeriodLabel("2024"))
        let table = population ? try store.population(survey: SurveyID("lwc"), period: PeriodLabel("2024")) : nil
        return try IndicatorEngine(matrix: matrix, population: table, options: AnalysisOptions(weighting: weighting)).run()
    }

    @Test func aStratumOfOneRespondentGetsANoteNotNaN() throws {
        let folder = try TemporaryFolder()
        let store = try Self.store(in: folder, keep: { region, index in region != "遠藤" || index == 0 })
        for weighting in [Weighting.design, .raked] {
            let results = try Self.results(store, weighting)
            #expect(results.notes.contains(.singleRespondentStrata(["遠藤"])), "\(weighting)")
            for estimate in results.estimates {
                #expect(estimate.standardError.map(\.isFinite) ?? true, "\(estimate.indicator) \(estimate.group?.rawValue ?? "all")")
                #expect(estimate.mean.map(\.isFinite) ?? true)
            }
            #expect(results.estimate(IndicatorID("c01"), group: nil)?.standardError != nil)
            let json = try JSONSerialization.jsonObject(with: JSONEncoder().encode(results)) as! [String: Any]
            #expect((json["design"] as! [String: Any])["single_respondent_strata"] as? [String] == ["遠藤"])
        }
    }

    @Test func aStratumMissingFromThePopulationIsNamed() throws {
        let folder = try TemporaryFolder()
        // 遠藤 has respondents but no people: the design cannot weight them.
        let store = try Self.store(in: folder, population: { rows in rows.filter { $0[0] != "遠藤" } })
        let error = try #require(wellBeingError { _ = try Self.results(store, .design) })
        #expect(error.kind == .badData)
        #expect(error.description.contains("遠藤") && error.description.contains("no people"), "\(error.description)")
    }

    @Test func moreRespondentsThanPeopleIsRefused() throws {
        let folder = try TemporaryFolder()
        let store = try Self.store(in: folder, population: { rows in
            rows.map { $0[0] == "遠藤" ? [$0[0], $0[1], $0[2], "1"] : $0 }
        })
        let error = try #require(wellBeingError { _ = try Self.results(store, .design) })
        #expect(error.description.contains("遠藤") && error.description.contains("only 18 people"), "\(error.description)")
    }

    @Test func theCorrectionNeedsThePopulation() throws {
        let folder = try TemporaryFolder()
        let store = try Self.store(in: folder)
        let error = try #require(wellBeingError { _ = try Self.results(store, .design, population: false) })
        #expect(error.kind == .usage && error.description.contains("import population"), "\(error.description)")
        // Without the correction, strata and design weights still need N_h for N_h/n_h.
        let plain = try Self.store(in: try TemporaryFolder(), design: "{strata: region}")
        let needsWeights = try #require(wellBeingError { _ = try Self.results(plain, .design, population: false) })
        #expect(needsWeights.description.contains("N_h/n_h"), "\(needsWeights.description)")
        // And unweighted ignores the design.
        let none = try Self.results(plain, Weighting.none, population: false)
        #expect(none.sampling == nil)
    }

    @Test func withoutTheCorrectionTheSEsAreLarger() throws {
        let folder = try TemporaryFolder()
        let corrected = try Self.results(try Self.store(in: folder), .design)
        let plain = try Self.results(try Self.store(in: try TemporaryFolder(), design: "{strata: region, fpc: false}"), .design)
        #expect(plain.sampling?.finitePopulationCorrection == false)
        for estimate in corrected.estimates where estimate.standardError != nil {
            let other = try #require(plain.estimate(estimate.indicator, group: estimate.group)?.standardError)
            #expect(other > estimate.standardError!)
            #expect(plain.estimate(estimate.indicator, group: estimate.group)?.mean == estimate.mean)
        }
    }

    @Test func aCrossOfFieldsAsStrata() throws {
        let folder = try TemporaryFolder()
        let results = try Self.results(try Self.store(in: folder, design: "{strata: 'region*sex', fpc: true}"), .design)
        let sampling = try #require(results.sampling)
        #expect(sampling.fields.specification == "region*sex")
        #expect(sampling.strata.contains { $0.stratum == "片瀬 × 女性" })
        #expect(sampling.strata.allSatisfy { ($0.population ?? 0) >= Double($0.respondents) })
    }

    @Test func theInstrumentMustNameRespondentFields() throws {
        let folder = try TemporaryFolder()
        let error = try #require(wellBeingError { _ = try StratifiedDesignTests.stratifiedInstrument(in: folder, design: "{strata: ward}") })
        #expect(error.description.contains("ward") && error.description.contains("not a respondent field"), "\(error.description)")
        #expect(error.description.contains("lwc-stratified.yaml:3"), "\(error.description)")
    }
}

extension StratifiedDesignTests {
    /// The trend 2024→2025 on the raked stratified design: diff, SE, z, p and the BH q of every row, and which
    /// rows are tests at all (n ≥ 10 in both waves), as `reference_v2.json` `trends` (DESIGN §15).
    @Test func trendRowsEqualR() throws {
        let fixture = try Fixture.shared.get()
        let rows = TrendAnalysis.compare(from: try fixture.results("2024", weighting: .raked),
                                         to: try fixture.results("2025", weighting: .raked))
        let trend = (fixture.reference["trends"] as! [String: Any])["2024->2025"] as! [String: Any]
        let expected = trend["rows"] as! [[String: Any]]
        #expect(TrendAnalysis.tests(rows) == trend["tests"] as? Int)
        let checker = ReferenceFixtureTests.Checker()
        for reference in expected {
            let group = (reference["group"] as? String).map { GroupName($0) }
            let indicator = IndicatorID(reference["indicator"] as! String)
            let place = "\(group?.rawValue ?? "overall") \(indicator)"
            let row = try #require(rows.first { $0.group == group && $0.indicator == indicator }, "\(place)")
            checker.check(row.difference, reference["diff"], tolerance: 1e-6, "\(place) diff")
            checker.check(row.standardError, reference["se"], tolerance: 1e-6, "\(place) se")
            checker.check(row.p, reference["p"], tolerance: 1e-5, "\(place) p")
            checker.check(row.q, reference["q"], tolerance: 1e-5, "\(place) q")
            #expect(row.significant == reference["significant"] as? Bool, "\(place) significant")
            #expect(row.significantUnadjusted == reference["significant_unadjusted"] as? Bool, "\(place) unadjusted")
        }
        checker.report()
    }
}

extension StratifiedDesignTests {
    /// `--standardize 'age_band*sex'` on the raked stratified design, every district, both waves, against R
    /// `svystandardize` (`standardized` of reference_v2.json): mean, SE (R's where R is right, `se_patched` where
    /// a cell's respondents all skipped the question), partial and the dropped and lost cells.
    @Test(arguments: ["2024", "2025"])
    func standardizedMeansEqualR(_ label: String) throws {
        let fixture = try Fixture.shared.get()
        let results = try fixture.engine(label, weighting: .raked) { $0.standardization = try! Breakdown("age_band*sex") }.run()
        let raked = try fixture.results(label, weighting: .raked)
        #expect(results.standardization?.specification == "age_band*sex")
        let checker = ReferenceFixtureTests.Checker()
        var lostSeen = 0
        for (indicator, value) in fixture.period(label)["standardized"] as! [String: [String: Any]] {
            for (region, expected) in value["regions"] as! [String: [String: Any]] {
                let place = "\(label) \(indicator) \(region)"
                let estimate = try #require(results.estimate(IndicatorID(indicator), group: GroupName(region)), "\(place)")
                #expect(estimate.n == expected["n"] as? Int, "\(place) n")
                if estimate.n < 10 { continue }
                checker.check(estimate.mean, expected["mean"], tolerance: 1e-6, "\(place) mean")
                checker.check(estimate.standardError, expected["se_patched"], tolerance: 1e-6, "\(place) se")
                let detail = try #require(estimate.standardization, "\(place)")
                #expect(detail.partial == expected["partial"] as? Bool, "\(place) partial")
                let name = { (cell: String) in cell.replacingOccurrences(of: "|", with: Breakdown.separator) }
                #expect(Set(detail.droppedCells) == Set((expected["dropped_cells"] as! [String]).map(name)), "\(place) dropped")
                #expect(Set(detail.lostCells) == Set((expected["lost_cells"] as! [String]).map(name)), "\(place) lost")
                lostSeen += detail.lostCells.count
            }
            // The whole area is not standardised.
            #expect(results.estimate(IndicatorID(indicator), group: nil)?.mean == raked.estimate(IndicatorID(indicator), group: nil)?.mean)
        }
        checker.report()
        #expect(checker.compared > 600)
        #expect(lostSeen > 0, "the fixture's cells where everyone skipped the question are exercised")
    }
}

extension StratifiedDesignTests {
    /// `--small-area fh` end to end on the raked stratified design (`reference_fh.json`): the inputs (y, ψ and
    /// where ψ came from), the fit (Â, iterations, β̂ and its SE) and every district's EBLUP, MSE, CV and
    /// shrinkage, both waves, to 1e-6 relative.
    @Test(arguments: ["2024", "2025"])
    func smallAreaEstimatesEqualTheSaeReplay(_ label: String) throws {
        let fixture = try Fixture.shared.get()
        let results = try fixture.engine(label, weighting: .raked) { $0.smallArea = SmallAreaOptions() }.run()
        let data = try Data(contentsOf: URL(fileURLWithPath: Self.file("reference_fh.json")))
        let reference = (try JSONSerialization.jsonObject(with: data) as! [String: Any])["periods"] as! [String: Any]
        let checker = ReferenceFixtureTests.Checker()
        // The reference fits every district; the model takes only published direct estimates (DESIGN §13), so it
        // is the same model only because no district estimate of the fixture is withheld (every n ≥ 41 ≥ --min-n).
        #expect(results.estimates.allSatisfy { !$0.suppressed }, "the fixture's withheld set is empty")
        for (indicator, value) in reference[label] as! [String: [String: Any]] {
            let fit = value["fit"] as! [String: Any]
            let ours = try #require(results.smallAreaFits?.first { $0.indicator.rawValue == indicator }, "\(label) \(indicator)")
            checker.check(ours.variance, fit["variance"], tolerance: 1e-6, "\(label) \(indicator) variance")
            #expect(ours.converged == fit["converged"] as? Bool && ours.fallback == fit["fallback"] as? Bool, "\(label) \(indicator)")
            if ours.variance > 1e-6 { #expect(ours.iterations == fit["iterations"] as? Int, "\(label) \(indicator) iterations") }
            let coefficient = (fit["coefficients"] as! [[String: Any]])[0]
            checker.check(ours.coefficients[0].estimate, coefficient["estimate"], tolerance: 1e-6, "\(label) \(indicator) β")
            checker.check(ours.coefficients[0].se, coefficient["se"], tolerance: 1e-6, "\(label) \(indicator) β se")
            #expect(ours.groups == value["m"] as? Int)
            for (region, area) in value["areas"] as! [String: [String: Any]] {
                let place = "\(label) \(indicator) \(region)"
                let estimate = try #require(results.estimate(IndicatorID(indicator), group: GroupName(region)), "\(place)")
                let sae = try #require(estimate.smallArea, "\(place) has a model estimate")
                checker.check(sae.samplingVariance, area["psi"], tolerance: 1e-6, "\(place) psi")
                #expect(!sae.synthetic && area["psi_source"] as? String == "se", "\(place): in the model, with its printed SE²")
                checker.check(sae.estimate, area["estimate"], tolerance: 1e-6, "\(place) estimate")
                checker.check(sae.mse, area["mse"], tolerance: 1e-6, "\(place) mse")
                checker.check(sae.cv, area["cv"], tolerance: 1e-6, "\(place) cv")
                checker.check(sae.shrinkage, area["shrinkage"], tolerance: 1e-6, "\(place) shrinkage")
            }
        }
        checker.report()
        // The JSON carries the fits and a sae object on every group estimate (null for none).
        let json = try JSONSerialization.jsonObject(with: JSONEncoder().encode(results)) as! [String: Any]
        #expect((json["small_area"] as? [[String: Any]])?.count == results.smallAreaFits?.count)
        let rows = json["estimates"] as! [[String: Any]]
        #expect(rows.allSatisfy { $0.keys.contains("sae") })
    }
}

extension StratifiedDesignTests {
    /// Under --min-n 200 the model is fitted to the published districts only, with ψ = their printed SE²: the
    /// same fit as FayHerriot on those (mean, SE²) pairs alone. Every withheld district (primary or secondary)
    /// gets the synthetic estimate β̂ with MSE Â + V(β̂), no shrinkage and no ψ, so that neither its model estimate
    /// nor β̂ carries its withheld mean.
    @Test func withheldGroupsGetTheSyntheticEstimateOfAModelWithoutThem() throws {
        let fixture = try Fixture.shared.get()
        let results = try fixture.engine("2024", weighting: .raked) {
            $0.minimumN = 200
            $0.smallArea = SmallAreaOptions()
        }.run()
        var synthetic = 0
        for id in results.smallAreaFits!.map(\.indicator) {
            let groups = results.estimates.filter { $0.indicator == id && $0.group != nil }
            let published = groups.filter { !$0.suppressed }
            #expect(published.count >= 2 && published.count < groups.count, "\(id)")
            let reference = try #require(FayHerriot.fit(y: published.map { $0.mean! },
                                                        psi: published.map { $0.standardError! * $0.standardError! },
                                                        x: published.map { _ in [1.0] }), "\(id)")
            let fit = try #require(results.smallAreaFits?.first { $0.indicator == id })
            #expect(fit.groups == published.count)
            #expect(abs(fit.coefficients[0].estimate - reference.coefficients[0]) <= 1e-12, "\(id) β̂")
            for (estimate, area) in zip(published, reference.areas) {
                let sae = try #require(estimate.smallArea)
                #expect(!sae.synthetic && abs(sae.estimate - area.estimate) <= 1e-12 && sae.shrinkage == area.shrinkage,
                        "\(id) \(estimate.group!)")
            }
            for estimate in groups where estimate.suppressed {
                let sae = try #require(estimate.smallArea, "\(id) \(estimate.group!)")
                synthetic += 1
                let beta = reference.coefficients[0], se = reference.coefficientStandardErrors[0]
                #expect(sae.synthetic && sae.shrinkage == nil && sae.samplingVariance == nil, "\(id) \(estimate.group!)")
                #expect(abs(sae.estimate - beta) <= 1e-12, "\(id) \(estimate.group!)")
                #expect(abs(sae.mse - (reference.variance + se * se)) <= 1e-12, "\(id) \(estimate.group!)")
            }
        }
        #expect(synthetic >= 3 * results.smallAreaFits!.count)
    }

    /// --small-area with --standardize is refused (the model takes the direct estimates).
    @Test func smallAreaAndStandardizationDoNotMix() throws {
        let fixture = try Fixture.shared.get()
        let error = try #require(wellBeingError {
            _ = try fixture.engine("2024", weighting: .raked) {
                $0.smallArea = SmallAreaOptions()
                $0.standardization = try! Breakdown("age_band*sex")
            }.run()
        })
        #expect(error.kind == .usage && error.description.contains("--standardize"))
    }
}

/// The options as a user types them: a stratified instrument, the sample, --standardize and --small-area.
@Suite struct StratifiedCommandLineTests {
    @Test func stratifiedStandardisedAndModelledFromTheCommandLine() throws {
        let folder = try TemporaryFolder()
        func run(_ arguments: [String]) throws -> CommandLineTests.Run {
            try CommandLineTests.run(arguments + ["--store", folder.file("s.sqlite")], in: folder.path)
        }
        _ = try StratifiedDesignTests.stratifiedInstrument(in: folder)
        #expect(try run(["import", "responses", StratifiedDesignTests.file("responses_2024.csv"), "--instrument",
                         folder.file("lwc-stratified.yaml"), "--period", "2024"]).status == 0)
        #expect(try run(["import", "population", StratifiedDesignTests.file("population.csv"), "--margins", "age_band*sex,region"]).status == 0)
        #expect(try run(["import", "sample", StratifiedDesignTests.file("sample_2024.csv"), "--period", "2024"]).status == 0)

        let plain = try run(["indicators", "--period", "2024", "--format", "json"])
        #expect(plain.status == 0, "\(plain.errors)")
        #expect(plain.errors.contains("stratified by region (13 strata, finite-population correction)"), "\(plain.errors)")
        let json = try JSONSerialization.jsonObject(with: Data(plain.output.utf8)) as! [String: Any]
        let design = json["design"] as! [String: Any]
        #expect(design["strata"] as? Int == 13 && design["fpc"] as? Bool == true)
        let rates = try #require(design["response_rates"] as? [[String: Any]])
        #expect(rates.count == 13 && rates.allSatisfy { ($0["rate"] as? Double ?? 0) > 0 })

        let standardised = try run(["indicators", "--period", "2024", "--standardize", "age_band*sex", "--format", "csv"])
        #expect(standardised.status == 0)
        #expect(standardised.output.split(whereSeparator: \.isNewline)[0].hasSuffix("partial,dropped_cells,lost_cells"))

        let modelled = try run(["indicators", "--period", "2024", "--small-area", "fh", "--sae-method", "fh", "--min-n", "60"])
        #expect(modelled.status == 0, "\(modelled.errors)")
        #expect(modelled.output.contains("model (RMSE)"))
        #expect(modelled.errors.contains("small-area estimates (Fay–Herriot, FH)"))

        // Options that do not go together are refused before anything runs (exit 64).
        for arguments in [["--sae-method", "ML"], ["--small-area", "fh", "--standardize", "age_band"],
                          ["--standardize", "age_band", "--by", "sex"], ["--small-area", "fh", "--sae-covariates", "nothing"]] {
            let refused = try run(["indicators", "--period", "2024"] + arguments)
            #expect(refused.status == 64, "\(arguments): \(refused.status) \(refused.errors)")
            #expect(refused.errors.lowercased().contains("error"), "\(arguments)")
        }

        let report = try run(["report", "--period", "2024", "--small-area", "fh", "--format", "md", "--out", folder.file("out")])
        #expect(report.status == 0, "\(report.errors)")
        let text = try String(contentsOfFile: folder.file("out/lwc-2024.md"), encoding: .utf8)
        #expect(text.contains("## 小地域推定（モデル推定値）") && text.contains("標本設計: 地区による層化無作為抽出（13 層）"))

        // Every model estimate the report prints is the JSON's, rounded as printed, or 秘匿 where its CV > 30 %.
        let modelJSON = try run(["indicators", "--period", "2024", "--small-area", "fh", "--format", "json"])
        let estimates = (try JSONSerialization.jsonObject(with: Data(modelJSON.output.utf8)) as! [String: Any])["estimates"] as! [[String: Any]]
        let instrument = try StratifiedDesignTests.stratifiedInstrument(in: folder).instrument
        let section = text.components(separatedBy: "## 小地域推定（モデル推定値）")[1].components(separatedBy: "\n## ")[0]
        let grid = section.split(separator: "\n").filter { $0.hasPrefix("| ") }.map {
            $0.split(separator: "|").map { $0.trimmingCharacters(in: .whitespaces) }
        }
        let groups = Array(grid[0].dropFirst())
        var checked = 0
        for row in grid.dropFirst() {
            guard let indicator = instrument.indicatorIDs.first(where: { instrument.indicatorName($0, in: .ja) == row[0] }) else { continue }
            for (group, cell) in zip(groups, row.dropFirst()) {
                let estimate = try #require(estimates.first { $0["group"] as? String == group && $0["indicator"] as? String == indicator.rawValue })
                let sae = try #require(estimate["sae"] as? [String: Any], "\(group) \(indicator)")
                let expected = sae["withheld"] as! Bool ? "秘匿" : ResultTable.fixed(sae["estimate"] as! Double, decimals: 2)
                #expect(cell == expected, "\(group) \(indicator): the report says \(cell), the JSON \(expected)")
                checked += 1
            }
        }
        #expect(checked >= 26 * 13, "checked \(checked) model estimates")
    }
}
