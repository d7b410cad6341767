import Foundation
import Testing
import WellBeingTestSupport
@testable import WellBeingCore
@testable import WellBeingIngest
@testable import WellBeingStore
import WellBeingWorkspace

/// Importing survey CSVs: what is accepted, what is refused and where, and that a refusal writes nothing.
@Suite struct ResponseImportTests {
    static let header = "id,地区,sex,q1,q2,q3,q4,ls,comment\n"

    @Test func importsLabelsFullWidthDigitsAndMissingCodes() throws {
        let store = try SurveyStore()
        let outcome = try importResponses(store, Paths.fixture("mini-utf8.csv"))
        #expect(outcome.importedRows == 3)
        #expect(outcome.periods == [PeriodLabel("2025")])
        let matrix = try store.responses(survey: SurveyID("mini"), period: PeriodLabel("2025"))
        #expect(matrix.respondentCount == 3)
        #expect(matrix.groups.map(\.rawValue) == ["髙島", "北区", "①番町"])
        // Row A2: とてもそう思う → 5, １ → 1, 9 → missing code, empty → missing, 10.
        #expect(matrix.answer(row: 1, item: 0) == 5)
        #expect(matrix.answer(row: 1, item: 1) == 1)
        #expect(matrix.answer(row: 1, item: 2) == nil)
        #expect(matrix.answer(row: 1, item: 3) == nil)
        #expect(matrix.answer(row: 1, item: 4) == 10)
        let comments = try store.freeText(survey: SurveyID("mini"), period: PeriodLabel("2025"))
        #expect(comments.map(\.text) == ["㈱テスト①～", "改行を\n含む, \"引用\" 付き"])
    }

    @Test(arguments: ["mini-cp932.csv", "mini-utf8-bom.csv", "mini-utf16.txt"])
    func everyEncodingImportsTheSameAnswers(_ file: String) throws {
        let reference = try SurveyStore()
        try importResponses(reference, Paths.fixture("mini-utf8.csv"))
        let store = try SurveyStore()
        try importResponses(store, Paths.fixture(file))
        let expected = try reference.responses(survey: SurveyID("mini"), period: PeriodLabel("2025"))
        let actual = try store.responses(survey: SurveyID("mini"), period: PeriodLabel("2025"))
        #expect(actual.answers == expected.answers)
        #expect(actual.groups == expected.groups)
        #expect(actual.attributeValues == expected.attributeValues)
    }

    struct BadRow: CustomTestStringConvertible, Sendable {
        var name: String
        var row: String
        var column: String?
        var says: String
        var testDescription: String { name }
    }

    static let badRows: [BadRow] = [
        BadRow(name: "out of range", row: "B1,北区,男性,7,2,3,4,5,", column: "q1", says: "is outside 1–5"),
        BadRow(name: "0–10 out of range", row: "B1,北区,男性,1,2,3,4,11,", column: "ls", says: "is outside 0–10"),
        BadRow(name: "label not in scale", row: "B1,北区,男性,まあまあ,2,3,4,5,", column: "q1", says: "answer label"),
        BadRow(name: "decimal", row: "B1,北区,男性,2.5,2,3,4,5,", column: "q1", says: "whole number"),
        BadRow(name: "unknown group", row: "B1,南区,男性,1,2,3,4,5,", column: "地区", says: "is not one of the instrument's groups"),
        BadRow(name: "empty group", row: "B1,,男性,1,2,3,4,5,", column: "地区", says: "is empty"),
        BadRow(name: "unknown attribute value", row: "B1,北区,不明,1,2,3,4,5,", column: "sex", says: "is not one of"),
        BadRow(name: "empty id", row: ",北区,男性,1,2,3,4,5,", column: "id", says: "respondent id is empty"),
        BadRow(name: "too few fields", row: "B1,北区,男性,1,2,3,4,5", column: nil, says: "has 8 fields but the header has 9"),
        BadRow(name: "too many fields", row: "B1,北区,男性,1,2,3,4,5,,x", column: nil, says: "has 10 fields"),
        BadRow(name: "text after quote", row: "B1,北区,男性,\"1\"x,2,3,4,5,", column: "q1", says: "after its closing quote"),
        BadRow(name: "negative", row: "B1,北区,男性,-1,2,3,4,5,", column: "q1", says: "is outside 1–5"),
        BadRow(name: "control character in id", row: "\"B\u{1}1\",北区,男性,1,2,3,4,5,", column: "id", says: "not a usable respondent id"),
    ]

    @Test(arguments: badRows)
    func badRowIsLocatedAndNothingIsWritten(_ bad: BadRow) throws {
        let folder = try TemporaryFolder()
        let path = try folder.write("bad.csv", Self.header + "A1,髙島,男性,4,2,5,3,7,\n" + bad.row + "\n")
        let store = try SurveyStore()
        let error = try #require(wellBeingError { try importResponses(store, path) })
        #expect(error.kind == .badData)
        let problem = try #require(error.problems.first)
        #expect(problem.location.file == "bad.csv")
        #expect(problem.location.line == 3)
        #expect(problem.location.column == bad.column)
        if let column = bad.column {
            let position = Self.header.dropLast().split(separator: ",").firstIndex(of: Substring(column))! + 1
            #expect(problem.location.columnNumber == position)
        }
        #expect(problem.description.contains(bad.says), "\(problem)")
        #expect(try respondentCount(store) == 0)
        #expect(try store.batches().isEmpty)
    }

    @Test func messageNamesFileLineColumnValueAndReason() throws {
        let folder = try TemporaryFolder()
        let path = try folder.write("survey.csv", Self.header + "A1,髙島,男性,4,2,5,3,7,\nA2,北区,女性,1,7,3,4,5,\n")
        let error = try #require(wellBeingError { try importResponses(try SurveyStore(), path) })
        #expect(error.problems.first?.description == "survey.csv:3: column q2 (5): '7' is outside 1–5")
    }

    @Test func everyProblemOfTheFileIsCollected() throws {
        let folder = try TemporaryFolder()
        var text = Self.header
        for index in 0..<120 { text += "X\(index),北区,男性,9\(index % 9 + 1),2,3,4,5,\n" }
        let path = try folder.write("many.csv", text)
        let error = try #require(wellBeingError { try importResponses(try SurveyStore(), path) })
        #expect(error.problems.count == 120)
        #expect(error.description.contains("and 70 more"))
    }

    @Test func duplicateIdInOneFileNamesTheFirstLine() throws {
        let folder = try TemporaryFolder()
        let path = try folder.write("dup.csv", Self.header + "A1,髙島,男性,4,2,5,3,7,\nA1,北区,女性,1,2,3,4,5,\n")
        let error = try #require(wellBeingError { try importResponses(try SurveyStore(), path) })
        #expect(error.problems.first?.reason.contains("first on line 2") == true)
    }

    @Test func headerMissingAColumnIsRefused() throws {
        let folder = try TemporaryFolder()
        let path = try folder.write("h.csv", "id,地区,sex,q1,q2,q3,ls\nA1,髙島,男性,4,2,5,7\n")
        let error = try #require(wellBeingError { try importResponses(try SurveyStore(), path) })
        #expect(error.description.contains("q4"))
        #expect(error.problems.first?.location.line == 1)
    }

    @Test func duplicateHeaderIsRefused() throws {
        let folder = try TemporaryFolder()
        let path = try folder.write("h.csv", "id,地区,sex,q1,q1,q2,q3,q4,ls\nA1,髙島,男性,4,4,2,5,3,7\n")
        let error = try #require(wellBeingError { try importResponses(try SurveyStore(), path) })
        #expect(error.description.contains("both match"))
    }

    @Test func headerMayBeTheQuestionText() throws {
        // A Google Forms export: timestamp first, question text (with a line break) as headers.
        let folder = try TemporaryFolder()
        let path = try folder.write("forms.csv", """
            タイムスタンプ,id,地区,sex,安心して暮らせる,"不安を
            感じる",頼れる人がいる,地域活動に参加している,生活に満足している
            2025/09/01 10:00:00,F1,北区,女性,ややそう思う,あまりそう思わない,とてもそう思う,どちらともいえない,8

            """)
        // The header text in the CSV has a line break where the instrument has none; both normalise alike.
        let loaded = try InstrumentLoader.parse(
            String(contentsOfFile: Paths.fixture("mini.yaml"), encoding: .utf8)
                .replacingOccurrences(of: "text: 不安を感じる", with: "text: 不安を 感じる"), fileName: "mini.yaml")
        let store = try SurveyStore()
        let outcome = try importResponses(store, path, instrument: loaded)
        #expect(outcome.importedRows == 1)
        #expect(outcome.ignoredColumns == ["タイムスタンプ"])
        let matrix = try store.responses(survey: SurveyID("mini"), period: PeriodLabel("2025"))
        #expect((0..<5).map { matrix.answer(row: 0, item: $0) } == [4, 2, 5, 3, 8])
    }

    @Test func blankTrailingLinesAndExcelEmptyRowsAreSkipped() throws {
        let folder = try TemporaryFolder()
        let path = try folder.write("b.csv", Self.header + "A1,髙島,男性,4,2,5,3,7,\n\n,,,,,,,,\n\r\n")
        let outcome = try importResponses(try SurveyStore(), path)
        #expect(outcome.importedRows == 1)
        #expect(outcome.blankRows == 3)
    }

    @Test func sameFileTwiceIsRefusedUnlessReplaced() throws {
        let store = try SurveyStore()
        let first = try importResponses(store, Paths.fixture("mini-utf8.csv"))
        let error = try #require(wellBeingError { try importResponses(store, Paths.fixture("mini-utf8.csv")) })
        #expect(error.description.contains("already imported as batch \(first.batchID!)"))
        #expect(try store.batches().count == 1)
        let replaced = try importResponses(store, Paths.fixture("mini-utf8.csv"), replace: true)
        #expect(replaced.batchID != first.batchID)
        #expect(try store.batches().map(\.id) == [replaced.batchID!])
        #expect(try respondentCount(store) == 3)
    }

    @Test func respondentIdAlreadyStoredIsRefused() throws {
        let store = try SurveyStore()
        try importResponses(store, Paths.fixture("mini-utf8.csv"))
        let folder = try TemporaryFolder()
        let path = try folder.write("more.csv", Self.header + "A9,髙島,男性,4,2,5,3,7,\nA2,北区,女性,1,2,3,4,5,\n")
        let error = try #require(wellBeingError { try importResponses(store, path) })
        #expect(error.problems.first?.reason.contains("already imported for mini 2025 in batch 1") == true)
        #expect(try respondentCount(store) == 3)
        // The same ids in another period are other respondents.
        try importResponses(store, path, period: "2026")
        #expect(try respondentCount(store, period: "2026") == 2)
    }

    @Test func skipImportsValidRowsAndReportsTheRest() throws {
        let folder = try TemporaryFolder()
        let path = try folder.write("mixed.csv", Self.header + "A1,髙島,男性,4,2,5,3,7,\nA2,南区,女性,1,2,3,4,5,\nA3,北区,女性,1,2,3,4,5,\n")
        let store = try SurveyStore()
        var rejected: [RejectedRow] = []
        let outcome = try importResponses(store, path, policy: .skip) { rejected.append($0) }
        #expect(outcome.importedRows == 2)
        #expect(outcome.rejectedRows == 1)
        #expect(rejected.map(\.line) == [3])
        #expect(rejected.first?.cells.first == "A2")
        #expect(try respondentCount(store) == 2)
        #expect(try store.batches().first?.rejectedCount == 1)
    }

    @Test func dryRunWritesNothing() throws {
        let store = try SurveyStore()
        let outcome = try importResponses(store, Paths.fixture("mini-utf8.csv"), dryRun: true)
        #expect(outcome.importedRows == 3)
        #expect(outcome.batchID == nil)
        #expect(try store.batches().isEmpty)
        #expect(try respondentCount(store) == 0)
    }

    @Test func undoRemovesTheBatchAndItsRows() throws {
        let store = try SurveyStore()
        let outcome = try importResponses(store, Paths.fixture("mini-utf8.csv"))
        let removed = try store.undo(batchID: outcome.batchID!)
        #expect(removed.fileName == "mini-utf8.csv")
        #expect(try store.batches().isEmpty)
        #expect(try respondentCount(store) == 0)
        #expect(try store.freeText(survey: SurveyID("mini"), period: PeriodLabel("2025")).isEmpty)
        let error = try #require(wellBeingError { try store.undo(batchID: 42) })
        #expect(error.kind == .usage)
        // After undo the same file imports again.
        try importResponses(store, Paths.fixture("mini-utf8.csv"))
        #expect(try respondentCount(store) == 3)
    }

    @Test func periodComesFromTheColumnWhenNotGiven() throws {
        let store = try SurveyStore()
        let loaded = try InstrumentLoader.load(path: Paths.survey("lwc-synthetic.yaml"))
        let outcome = try importResponses(store, Paths.lwc("responses.csv"), instrument: loaded, period: nil)
        #expect(outcome.periods.map(\.rawValue) == ["2024", "2025"])
        #expect(outcome.importedRows == 3000)
        let surveys = try store.surveys()
        #expect(surveys.first?.periods[PeriodLabel("2024")] == 1364)
        #expect(surveys.first?.periods[PeriodLabel("2025")] == 1636)
    }

    @Test func surveyWithoutIdColumnUsesLines() throws {
        let store = try SurveyStore()
        let loaded = try InstrumentLoader.load(path: Paths.survey("wineq.yaml"))
        let outcome = try importResponses(store, Paths.sharedData("wINEQ_Well_being.csv"), instrument: loaded, period: nil)
        #expect(outcome.importedRows == 1197)
        #expect(outcome.periods.map(\.rawValue) == ["2015", "2019"])
        let matrix = try store.responses(survey: SurveyID("wineq"), period: PeriodLabel("2019"))
        #expect(matrix.groups.map(\.rawValue) == ["Rural", "Urban"])
        #expect(matrix.designWeights?.allSatisfy { $0 == 850 } == true)
    }

    @Test func answersAreTheSameAsTheFileSays() throws {
        // Every stored answer of the reference fixture equals the CSV's, read independently.
        let store = try SurveyStore()
        let loaded = try InstrumentLoader.load(path: Paths.survey("lwc-synthetic.yaml"))
        try importResponses(store, Paths.lwc("responses_2025.csv"), instrument: loaded, period: "2025")
        let matrix = try store.responses(survey: SurveyID("lwc"), period: PeriodLabel("2025"))
        let reader = CSVReader(source: try TextSource(path: Paths.lwc("responses_2025.csv")))
        var row = -1
        var mismatches = 0
        try reader.forEachRecord { record in
            defer { row += 1 }
            guard row >= 0 else { return }
            for item in 0..<50 {
                let text = record.string(5 + item)!
                let expected = text.isEmpty ? nil : Int(text)
                if matrix.answer(row: row, item: item) != expected { mismatches += 1 }
            }
            if matrix.groups[Int(matrix.groupCodes[row])].rawValue != record.string(2)! { mismatches += 1 }
        }
        #expect(row == 1636)
        #expect(mismatches == 0)
    }
}

/// A survey whose instrument changes between imports: stored answers are matched to the current
/// instrument by item id.
@Suite struct InstrumentVersionTests {
    @Test func olderBatchesAreReadThroughTheNewInstrument() throws {
        let store = try SurveyStore()
        try importResponses(store, Paths.fixture("mini-utf8.csv"))
        // Version 2 drops q4 from c2 and adds q5.
        let yaml = try String(contentsOfFile: Paths.fixture("mini.yaml"), encoding: .utf8)
            .replacingOccurrences(of: "version: \"1\"", with: "version: \"2\"")
            .replacingOccurrences(of: "{id: q4, text: 地域活動に参加している}", with: "{id: q5, text: 近所に知り合いが多い}")
        let second = try InstrumentLoader.parse(yaml, fileName: "mini-v2.yaml")
        let folder = try TemporaryFolder()
        let path = try folder.write("v2.csv", "id,地区,sex,q1,q2,q3,q5,ls,comment\nB1,北区,女性,2,4,1,5,3,\n")
        try importResponses(store, path, instrument: second)
        let matrix = try store.responses(survey: SurveyID("mini"), period: PeriodLabel("2025"))
        #expect(matrix.instrument.version == "2")
        #expect(matrix.respondentCount == 4)
        let q5 = try #require(matrix.instrument.itemIndex[ItemID("q5")])
        let q1 = try #require(matrix.instrument.itemIndex[ItemID("q1")])
        // Old rows: q1 kept, q5 unknown (missing); the new row has both.
        #expect(matrix.answer(row: 0, item: q1) == 4 && matrix.answer(row: 0, item: q5) == nil)
        #expect(matrix.answer(row: 3, item: q1) == 2 && matrix.answer(row: 3, item: q5) == 5)
        #expect(try store.batches().map(\.instrumentVersion) == ["1", "2"])
    }
}

/// The respondent-id registry: ascending ids without a table, then hashing once the order breaks.
@Suite struct KeyRegistryTests {
    func insert(_ registry: inout KeyRegistry, _ key: String, _ line: Int) -> Int? {
        Array(key.utf8).withUnsafeBufferPointer { registry.insert($0, line: line) }
    }

    @Test func findsEveryRepeatWhateverTheOrder() {
        var registry = KeyRegistry()
        #expect(insert(&registry, "R001", 2) == nil)
        #expect(insert(&registry, "R002", 3) == nil)
        #expect(insert(&registry, "R002", 4) == 3)      // repeat of the last, still ascending
        #expect(insert(&registry, "R0021", 5) == nil)   // a longer id sorts after its prefix
        #expect(insert(&registry, "Q999", 6) == nil)    // order breaks: the table is built
        #expect(insert(&registry, "R001", 7) == 2)      // an early id found through the table
        #expect(insert(&registry, "Q999", 8) == 6)
        #expect(insert(&registry, "", 9) == nil)
        #expect(insert(&registry, "", 10) == 9)
    }

    @Test func manyShuffledIds() {
        var registry = KeyRegistry()
        var generator = SystemRandomNumberGenerator()
        let ids = (0..<20_000).map { "id\($0)" }.shuffled(using: &generator)
        for (line, id) in ids.enumerated() { #expect(insert(&registry, id, line + 2) == nil) }
        for (line, id) in ids.enumerated().prefix(100) { #expect(insert(&registry, id, 0) == line + 2) }
    }
}
