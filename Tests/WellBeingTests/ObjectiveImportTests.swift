import Foundation
import Testing
import WellBeingTestSupport
@testable import WellBeingCore
@testable import WellBeingIngest
@testable import WellBeingStore
import WellBeingWorkspace

/// KPI values, population margins and reference figures: validated like survey files.
@Suite struct ObjectiveImportTests {
    /// A store with the mini survey imported.
    func storeWithSurvey() throws -> SurveyStore {
        let store = try SurveyStore()
        try importResponses(store, Paths.fixture("mini-utf8.csv"))
        return store
    }

    static let catalog = """
        survey: mini
        kpis:
          - {id: crime, name: {ja: 犯罪率, en: Crime rate}, category: c1, direction: -1, unit: 件/千人, source: 県警}
          - {id: clubs, name: 地域団体数, category: c2, direction: +1, unit: 団体, source: 市}
        """

    @Test func kpisImportAndRoundTrip() throws {
        let store = try storeWithSurvey()
        let folder = try TemporaryFolder()
        let catalog = try folder.write("catalog.yaml", Self.catalog)
        let values = try folder.write("kpis.csv", "kpi,group,period,value\ncrime,髙島,2025,4.5\ncrime,北区,2025,\"1,234.5\"\nclubs,北区,2025,１２\n")
        let outcome = try store.importKPIs(valuesPath: values, catalogPath: catalog, survey: nil, encoding: nil, replace: false)
        #expect(outcome.rowCount == 3)
        let stored = try store.kpiValues(survey: SurveyID("mini"), period: PeriodLabel("2025"))
        #expect(stored.map(\.value).sorted() == [4.5, 12, 1234.5])
        let definitions = try store.kpiCatalog(survey: SurveyID("mini"))
        #expect(definitions.kpis.map(\.id.rawValue).sorted() == ["clubs", "crime"])
        #expect(definitions.kpis.first { $0.id.rawValue == "crime" }?.direction == -1)
        // The same values again: refused, naming the batch.
        let again = try folder.write("again.csv", "kpi,group,period,value\ncrime,髙島,2025,5\n")
        let error = try #require(wellBeingError {
            _ = try store.importKPIs(valuesPath: again, catalogPath: catalog, survey: nil, encoding: nil, replace: false)
        })
        #expect(error.problems.first?.reason.contains("already imported in batch \(outcome.batchID)") == true)
    }

    @Test(arguments: [
        ("kpi,group,period,value\nnope,髙島,2025,1\n", "is not a KPI of the catalogue", 2),
        ("kpi,group,period,value\ncrime,南区,2025,1\n", "is not a group", 2),
        ("kpi,group,period,value\ncrime,髙島,2025,abc\n", "is not a number", 2),
        ("kpi,group,period,value\ncrime,髙島,2025,\n", "the value is empty", 2),
        ("kpi,group,period,value\ncrime,髙島,2025,1\ncrime,髙島,2025,2\n", "on line 2 too", 3),
        ("kpi,area,period,value\ncrime,髙島,2025,1\n", "missing column(s) group", 1),
    ])
    func badKPIValues(_ text: String, _ says: String, _ line: Int) throws {
        let store = try storeWithSurvey()
        let folder = try TemporaryFolder()
        let catalog = try folder.write("catalog.yaml", Self.catalog)
        let values = try folder.write("kpis.csv", text)
        let error = try #require(wellBeingError {
            _ = try store.importKPIs(valuesPath: values, catalogPath: catalog, survey: nil, encoding: nil, replace: false)
        })
        #expect(error.kind == .badData)
        #expect(error.problems.first?.description.contains(says) == true, "\(error.description)")
        #expect(error.problems.first?.location.line == line)
        #expect(try store.kpiValues(survey: SurveyID("mini"), period: PeriodLabel("2025")).isEmpty)
    }

    @Test func catalogueMistakes() throws {
        let instrument = try miniInstrument().instrument
        let yaml = Self.catalog.replacingOccurrences(of: "category: c1", with: "category: c9")
            .replacingOccurrences(of: "direction: +1", with: "direction: up-ish")
        let error = try #require(wellBeingError { _ = try KPICatalogLoader.parse(yaml, fileName: "k.yaml", instrument: instrument) })
        #expect(error.problems.count == 2)
        #expect(error.description.contains("is not a category"))
        #expect(error.description.contains("+1 (higher is better)"))
    }

    @Test func populationImportsWithMargins() throws {
        let store = try storeWithSurvey()
        let folder = try TemporaryFolder()
        let path = try folder.write("pop.csv", "地区,sex,count\n髙島,男性,100\n髙島,女性,110\n北区,男性,90\n北区,女性,95\n①番町,男性,40\n①番町,女性,42\n")
        let outcome = try store.importPopulation(path: path, survey: nil, period: nil, marginSpec: "sex,地区", encoding: nil, replace: false)
        #expect(outcome.rowCount == 6)
        let table = try #require(try store.population(survey: SurveyID("mini"), period: PeriodLabel("2025")))
        #expect(table.fields == ["地区", "sex"])
        #expect(table.margins == [["sex"], ["地区"]])
        #expect(table.total == 477)
        // A second table for the same periods is refused unless replaced.
        let error = try #require(wellBeingError {
            _ = try store.importPopulation(path: path, survey: nil, period: nil, marginSpec: nil, encoding: nil, replace: false)
        })
        #expect(error.description.contains("already"))
        _ = try store.importPopulation(path: path, survey: nil, period: nil, marginSpec: nil, encoding: nil, replace: true)
        #expect(try store.population(survey: SurveyID("mini"), period: PeriodLabel("2025"))?.margins == [["地区"], ["sex"]])
    }

    @Test(arguments: [
        ("地区,sex,count\n髙島,男性,-5\n", "cannot be negative"),
        ("地区,sex,count\n髙島,男性,many\n", "is not a number"),
        ("地区,sex,count\n南区,男性,5\n", "is not a value of 地区"),
        ("地区,age,count\n髙島,20代,5\n", "is not a respondent field"),
        ("地区,sex,total\n髙島,男性,5\n", "no 'count' column"),
        ("地区,sex,count\n髙島,男性,5\n髙島,男性,6\n", "on line 2 too"),
    ])
    func badPopulation(_ text: String, _ says: String) throws {
        let store = try storeWithSurvey()
        let folder = try TemporaryFolder()
        let path = try folder.write("pop.csv", text)
        let error = try #require(wellBeingError {
            _ = try store.importPopulation(path: path, survey: nil, period: nil, marginSpec: nil, encoding: nil, replace: false)
        })
        #expect(error.kind == .badData)
        #expect(error.description.contains(says), "\(error.description)")
        #expect(try store.population(survey: SurveyID("mini"), period: PeriodLabel("2025")) == nil)
    }

    @Test(arguments: ["sex,region", "sex*sex", "sex,,地区"])
    func badMarginSpec(_ spec: String) throws {
        let error = try #require(wellBeingError {
            _ = try ObjectiveDataParser.parseMargins(spec, fields: ["地区", "sex"], fileName: "pop.csv")
        })
        #expect(error.kind == .usage)
    }

    @Test func referenceFigures() throws {
        let store = try storeWithSurvey()
        let folder = try TemporaryFolder()
        let good = try folder.write("ref.csv", "indicator,mean,sd,source\nc1,3.2,0.4,全国調査\nls,6.1,1.9,全国調査\n")
        _ = try store.importReference(path: good, survey: nil, period: nil, encoding: nil, replace: false)
        let figures = try store.referenceFigures(survey: SurveyID("mini"), period: PeriodLabel("2025"))
        #expect(figures["c1"]?.standardDeviation == 0.4)
        let bad = try folder.write("bad.csv", "indicator,mean,sd,source\nc7,3.2,0.4,x\nc2,3,0,x\n")
        let error = try #require(wellBeingError {
            _ = try store.importReference(path: bad, survey: nil, period: nil, encoding: nil, replace: false)
        })
        #expect(error.problems.count == 2)
        #expect(error.problems[1].reason.contains("greater than 0"))
    }

    @Test func smallImportsNeedASurvey() throws {
        let store = try SurveyStore()
        let folder = try TemporaryFolder()
        let path = try folder.write("ref.csv", "indicator,mean,sd,source\nc1,3,1,x\n")
        let error = try #require(wellBeingError {
            _ = try store.importReference(path: path, survey: nil, period: nil, encoding: nil, replace: false)
        })
        #expect(error.kind == .usage)
    }
}
