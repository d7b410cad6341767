import Foundation
import GRDB
import Testing
import WellBeingTestSupport
@testable import WellBeingCore
@testable import WellBeingStore
import WellBeingIngest
import WellBeingWorkspace

/// The store file: private, recognisable, and refused when written by a newer version.
@Suite struct StoreSafetyTests {
    @Test func newStoreIsPrivate() throws {
        let folder = try TemporaryFolder()
        let path = folder.file("s.sqlite")
        _ = try SurveyStore(path: path)
        let attributes = try FileManager.default.attributesOfItem(atPath: path)
        #expect((attributes[.posixPermissions] as? NSNumber)?.intValue == 0o600)
    }

    @Test func storeFromANewerVersionIsRefused() throws {
        let folder = try TemporaryFolder()
        let path = folder.file("s.sqlite")
        _ = try SurveyStore(path: path)
        let queue = try DatabaseQueue(path: path)
        try queue.write { try $0.execute(sql: "INSERT INTO grdb_migrations (identifier) VALUES ('999 from the future')") }
        let error = try #require(wellBeingError { _ = try SurveyStore(path: path) })
        #expect(error.description.contains("newer version"))
    }

    @Test func otherSQLiteFilesAreRefused() throws {
        let folder = try TemporaryFolder()
        let path = folder.file("other.sqlite")
        let queue = try DatabaseQueue(path: path)
        try queue.write { try $0.execute(sql: "CREATE TABLE t (x)") }
        let error = try #require(wellBeingError { _ = try SurveyStore(path: path) })
        #expect(error.description.contains("not a wellbeing store"))
    }

    @Test func missingFolderCannotBeCreated() throws {
        let error = try #require(wellBeingError { _ = try SurveyStore(path: "/nonexistent-folder/x.sqlite") })
        #expect(error.kind == .cannotCreateOutput)
    }

    @Test func reopenedStoreKeepsItsData() throws {
        let folder = try TemporaryFolder()
        let path = folder.file("s.sqlite")
        try importResponses(try SurveyStore(path: path), Paths.fixture("mini-utf8.csv"))
        let reopened = try SurveyStore(path: path)
        #expect(try respondentCount(reopened) == 3)
        #expect(try reopened.batches().first?.encoding == "UTF-8")
    }

    @Test func hostileNamesAreDataNotSQL() throws {
        let folder = try TemporaryFolder()
        let yaml = try String(contentsOfFile: Paths.fixture("mini.yaml"), encoding: .utf8)
            .replacingOccurrences(of: "values: [髙島, 北区, ①番町]", with: "values: [\"x'); DROP TABLE batch; --\", 北区, ①番町]")
        let loaded = try WellBeingIngest.InstrumentLoader.parse(yaml, fileName: "mini.yaml")
        let path = try folder.write("h.csv", "id,地区,sex,q1,q2,q3,q4,ls,comment\n\"R'1\",\"x'); DROP TABLE batch; --\",男性,1,2,3,4,5,\"'; DELETE FROM batch\"\n")
        let store = try SurveyStore()
        try importResponses(store, path, instrument: loaded)
        #expect(try store.batches().count == 1)
        let matrix = try store.responses(survey: SurveyID("mini"), period: PeriodLabel("2025"))
        #expect(matrix.groups.first?.rawValue == "x'); DROP TABLE batch; --")
    }
}

/// Every schema that has shipped, as a store file written by it (`Fixtures/stores/schema-NNN.sqlite`), must
/// open with the current version, migrate, and keep every batch readable. Add a file here with each new
/// migration.
@Suite struct SchemaHistoryTests {
    static let shippedSchemas = ["schema-001.sqlite", "schema-002.sqlite", "schema-003.sqlite", "schema-004.sqlite",
                                  "schema-005.sqlite", "schema-006.sqlite", "schema-007.sqlite", "schema-008.sqlite", "schema-009.sqlite"]

    @Test(arguments: shippedSchemas)
    func anEarlierStoreOpensAndKeepsItsData(_ name: String) throws {
        let folder = try TemporaryFolder()
        let path = folder.file(name)
        try FileManager.default.copyItem(atPath: Paths.fixture("stores/\(name)"), toPath: path)
        let store = try SurveyStore(path: path)
        #expect(try store.batches().map(\.kind) == [.responses, .kpis, .population, .reference])
        let matrix = try store.responses(survey: SurveyID("mini"), period: PeriodLabel("2025"))
        #expect(matrix.respondentCount == 3)
        #expect(matrix.answer(row: 1, item: 0) == 5)
        #expect(try store.kpiValues(survey: SurveyID("mini"), period: PeriodLabel("2025")).count == 2)
        #expect(try store.population(survey: SurveyID("mini"), period: PeriodLabel("2025"))?.total == 477)
        #expect(try store.referenceFigures(survey: SurveyID("mini"), period: PeriodLabel("2025"))["c1"]?.mean == 3.2)
        #expect(try store.freeText(survey: SurveyID("mini"), period: PeriodLabel("2025")).map(\.text)
                == ["㈱テスト①～", "改行を\n含む, \"引用\" 付き"])
        // And it takes new imports.
        let more = try folder.write("more.csv", "id,地区,sex,q1,q2,q3,q4,ls,comment\nZ1,北区,女性,4,2,5,3,7,\n")
        #expect(try importResponses(store, more, period: "2026").importedRows == 1)
    }

    @Test func everyMigrationHasAStoreFixture() throws {
        let identifiers = StoreSchema.migrator.migrations
        #expect(identifiers.count == Self.shippedSchemas.count, "add Fixtures/stores/schema-NNN.sqlite for the new migration")
        #expect(identifiers == StoreSchema.identifiers, "one schema history for every backend")
    }
}
