import Foundation
import GRDB
import Testing
@testable import WellBeingCore
@testable import WellBeingStore
import WellBeingIngest

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
        #expect(error.message.contains("newer version"))
    }

    @Test func otherSQLiteFilesAreRefused() throws {
        let folder = try TemporaryFolder()
        let path = folder.file("other.sqlite")
        let queue = try DatabaseQueue(path: path)
        try queue.write { try $0.execute(sql: "CREATE TABLE t (x)") }
        let error = try #require(wellBeingError { _ = try SurveyStore(path: path) })
        #expect(error.message.contains("not a wellbeing store"))
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
