import Foundation
import Testing
import WellBeingTestSupport
@testable import WellBeingAnalysis
@testable import WellBeingCore
@testable import WellBeingIngest
@testable import WellBeingStore
import WellBeingWorkspace

/// `import sample`: the numbers drawn by stratum, and the response rates the report shows.
@Suite struct SampleSizeTests {
    static func store() throws -> SurveyStore {
        let store = try SurveyStore()
        try importResponses(store, Paths.fixture("mini-utf8.csv"))  // 髙島 1, 北区 1, ①番町 1
        return store
    }

    @Test func responseRatesByStratum() throws {
        let store = try Self.store()
        let folder = try TemporaryFolder()
        let path = try folder.write("drawn.csv", "地区,drawn\n北区,4\n①番町,2\n髙島,0\n")
        let outcome = try store.importSample(path: path, survey: nil, period: PeriodLabel("2025"), encoding: nil, replace: false)
        #expect(outcome.rowCount == 3 && outcome.detail.text(in: .en).contains("6 drawn"))
        let sample = try #require(try store.sampleSizes(survey: SurveyID("mini"), period: PeriodLabel("2025")))
        #expect(sample.total == 6 && sample.fields == ["地区"])
        let matrix = try store.responses(survey: SurveyID("mini"), period: PeriodLabel("2025"))
        let rates = try SurveyTabulation.responseRates(sample: sample, matrix: matrix)
        // In the instrument's order of districts: 髙島, 北区, ①番町.
        #expect(rates.map(\.stratum) == ["髙島", "北区", "①番町"])
        #expect(rates.map(\.responded) == [1, 1, 1])
        #expect(rates[1].rate == 0.25 && rates[2].rate == 0.5)
        #expect(rates[0].rate == nil)  // nobody drawn: no rate, never a division by zero
        // The same file again is refused; another table for the period too, unless --replace.
        #expect(throws: WellBeingError.self) {
            _ = try store.importSample(path: path, survey: nil, period: PeriodLabel("2025"), encoding: nil, replace: false)
        }
        let other = try folder.write("drawn2.csv", "地区,drawn\n北区,5\n")
        let error = try #require(wellBeingError {
            _ = try store.importSample(path: other, survey: nil, period: PeriodLabel("2025"), encoding: nil, replace: false)
        })
        #expect(error.description.contains("already has sample sizes"))
        _ = try store.importSample(path: other, survey: nil, period: PeriodLabel("2025"), encoding: nil, replace: true)
        #expect(try store.sampleSizes(survey: SurveyID("mini"), period: PeriodLabel("2025"))?.total == 5)
        let batch = try #require(try store.batches().last)
        #expect(batch.kind == .sample)
        try store.undo(batchID: batch.id)
        #expect(try store.sampleSizes(survey: SurveyID("mini"), period: PeriodLabel("2025")) == nil)
    }

    @Test(arguments: [
        ("地区,drawn\n北区,-1\n", "cannot be negative"),
        ("地区,drawn\n北区,2.5\n", "must be a whole number"),
        ("地区,drawn\n南区,3\n", "is not a value of 地区"),
        ("町名,drawn\n北区,3\n", "is not a respondent field"),
        ("地区,count\n北区,3\n", "there is no 'drawn' column"),
        ("地区,drawn\n北区,3\n北区,4\n", "stands on line 2 too"),
    ] as [(String, String)])
    func badSampleFilesAreNamed(_ text: String, _ says: String) throws {
        let store = try Self.store()
        let folder = try TemporaryFolder()
        let path = try folder.write("drawn.csv", text)
        let error = try #require(wellBeingError {
            _ = try store.importSample(path: path, survey: nil, period: nil, encoding: nil, replace: false)
        })
        #expect(error.kind == .badData)
        #expect(error.description.contains("drawn.csv:"), "\(error.description)")
        #expect(error.description.contains(says), "\(error.description)")
        #expect(try store.batches().count == 1)
    }
}
