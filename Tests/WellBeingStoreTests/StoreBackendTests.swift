import Foundation
import Testing
import WellBeingTestSupport
@testable import WellBeingCore
@testable import WellBeingIngest
@testable import WellBeingStore
import WellBeingWorkspace

/// The store's rules, the same on every backend: imports, repeated files and respondents, the small tables,
/// undo, import order, and the schema history.
@Suite struct StoreBackendTests {
    static let catalog = """
        survey: mini
        kpis:
          - {id: crime, name: {ja: 犯罪率, en: Crime rate}, category: c1, direction: -1, unit: 件/千人, source: 県警}
          - {id: clubs, name: 地域団体数, category: c2, direction: +1, unit: 団体, source: 市}
        """

    @Test(arguments: StoreBackendKind.available)
    func importsRepeatsAndUndo(_ backend: StoreBackendKind) throws {
        let folder = try TemporaryFolder()
        let store = try SurveyStore(path: try backend.newLocation(in: folder))
        defer { store.close() }
        let first = try importResponses(store, Paths.fixture("mini-utf8.csv"))
        #expect(first.importedRows == 3 && first.batchID == 1)
        #expect(try store.freeText(survey: SurveyID("mini"), period: PeriodLabel("2025")).map(\.text)
                == ["㈱テスト①～", "改行を\n含む, \"引用\" 付き"])
        // The same file again: refused, naming the earlier batch.
        let again = try #require(wellBeingError { try importResponses(store, Paths.fixture("mini-utf8.csv")) })
        #expect(again.kind == .badData && again.description.contains("batch 1"))
        // Other bytes, same respondent ids and period: refused row by row.
        let sameIDs = try folder.write("same-ids.csv", "id,地区,sex,q1,q2,q3,q4,ls,comment\nA1,北区,女性,1,1,1,1,1,\n")
        let repeated = try #require(wellBeingError { try importResponses(store, sameIDs) })
        #expect(repeated.problems.first?.reason.contains("batch 1") == true)
        // A failed import leaves nothing, and the store goes on.
        #expect(try store.batches().count == 1)
        let replaced = try importResponses(store, Paths.fixture("mini-utf8.csv"), replace: true)
        #expect(replaced.importedRows == 3)
        #expect(try store.batches().map(\.id) == [replaced.batchID!])
        let more = try folder.write("more.csv", "id,地区,sex,q1,q2,q3,q4,ls,comment\nB1,北区,女性,4,2,5,3,7,\n")
        let added = try importResponses(store, more)
        #expect(try respondentCount(store) == 4)
        // Undo takes a batch back, and the instrument with its last batch.
        try store.undo(batchID: added.batchID!)
        #expect(try respondentCount(store) == 3)
        try store.undo(batchID: replaced.batchID!)
        #expect(try store.batches().isEmpty)
        #expect(wellBeingError { _ = try store.resolveSurvey(nil) }?.kind == .usage)
    }

    @Test(arguments: StoreBackendKind.available)
    func smallTablesRefuseRepeatsWithoutHalfWriting(_ backend: StoreBackendKind) throws {
        let folder = try TemporaryFolder()
        let store = try SurveyStore(path: try backend.newLocation(in: folder))
        defer { store.close() }
        try importResponses(store, Paths.fixture("mini-utf8.csv"))
        let catalog = try folder.write("catalog.yaml", Self.catalog)
        let values = try folder.write("kpis.csv", "kpi,group,period,value\ncrime,髙島,2025,4.5\nclubs,北区,2025,12\n")
        let kpis = try store.importKPIs(valuesPath: values, catalogPath: catalog, survey: nil, encoding: nil, replace: false)
        // Two values stored already and one new: every conflict listed, nothing of the file kept (on a server the
        // transaction is not aborted by a failed INSERT: conflicts are found before anything is written).
        let overlapping = try folder.write("more-kpis.csv", "kpi,group,period,value\ncrime,髙島,2025,5\nclubs,北区,2025,13\ncrime,北区,2025,1\n")
        let error = try #require(wellBeingError {
            _ = try store.importKPIs(valuesPath: overlapping, catalogPath: catalog, survey: nil, encoding: nil, replace: false)
        })
        #expect(error.problems.count == 2)
        #expect(error.problems.allSatisfy { $0.reason.contains("batch \(kpis.batchID)") })
        #expect(try store.kpiValues(survey: SurveyID("mini"), period: PeriodLabel("2025")).map(\.value) == [12, 4.5])
        // Population: one table per period; a second is refused, --replace swaps it.
        let population = try folder.write("pop.csv", "地区,sex,count\n髙島,男性,100\n髙島,女性,110\n北区,男性,90\n北区,女性,95\n①番町,男性,40\n①番町,女性,42\n")
        let margins = try store.importPopulation(path: population, survey: nil, period: nil, marginSpec: nil, encoding: nil, replace: false)
        let other = try folder.write("pop2.csv", "地区,sex,count\n①番町,女性,42\n髙島,男性,100\n髙島,女性,110\n北区,男性,90\n北区,女性,95\n①番町,男性,41\n")
        #expect(wellBeingError {
            _ = try store.importPopulation(path: other, survey: nil, period: nil, marginSpec: nil, encoding: nil, replace: false)
        }?.kind == .badData)
        let swapped = try store.importPopulation(path: other, survey: nil, period: nil, marginSpec: nil, encoding: nil, replace: true)
        #expect(swapped.batchID > margins.batchID)
        // Cells come back in the file's order.
        #expect(try store.population(survey: SurveyID("mini"), period: PeriodLabel("2025"))?.cells.map(\.count)
                == [42, 100, 110, 90, 95, 41])
        let reference = try folder.write("ref.csv", "indicator,mean,sd,source\nc1,3.2,,全国調査\n")
        _ = try store.importReference(path: reference, survey: nil, period: nil, encoding: nil, replace: false)
        let clash = try folder.write("ref2.csv", "indicator,mean,sd,source\nc1,3.3,0.5,県調査\n")
        #expect(wellBeingError {
            _ = try store.importReference(path: clash, survey: nil, period: nil, encoding: nil, replace: false)
        }?.kind == .badData)
        #expect(try store.referenceFigures(survey: SurveyID("mini"), period: PeriodLabel("2025"))["c1"]?.standardDeviation == nil)
        #expect(try store.batches().map(\.kind) == [.responses, .kpis, .population, .reference])
    }

    @Test(arguments: StoreBackendKind.available)
    func aNewerSchemaIsRefusedAndTheHistoryIsShared(_ backend: StoreBackendKind) throws {
        let folder = try TemporaryFolder()
        let location = try backend.newLocation(in: folder)
        try SurveyStore(path: location).close()
        let applied: [String]
        switch backend {
        case .sqlite:
            applied = try String(decoding: StoreFiles.sqlite(location, "SELECT identifier FROM grdb_migrations ORDER BY rowid"), as: UTF8.self)
                .split(separator: "\n").map(String.init)
            _ = try StoreFiles.sqlite(location, "INSERT INTO grdb_migrations (identifier) VALUES ('999 from the future')")
        case .postgresql:
            applied = try PostgresTestServer.psql(location, "SELECT identifier FROM grdb_migrations ORDER BY identifier")
                .split(separator: "\n").map(String.init)
            try PostgresTestServer.psql(location, "INSERT INTO grdb_migrations (identifier) VALUES ('999 from the future')")
        }
        #expect(applied == StoreSchema.identifiers)
        for access in [StoreAccess.read, .writeExisting] {
            let error = try #require(wellBeingError { _ = try SurveyStore(path: location, access: access) })
            #expect(error.kind == .badData && error.description.contains("newer version"))
        }
    }

    @Test func aValueOfTheWrongTypeIsDamageNotACrash() throws {
        let folder = try TemporaryFolder()
        let path = folder.file("s.sqlite")
        try importResponses(try SurveyStore(path: path), Paths.fixture("mini-utf8.csv"))
        _ = try StoreFiles.sqlite(path, "UPDATE batch SET periods = x'00ff'")
        let error = try #require(wellBeingError { _ = try SurveyStore(path: path, access: .read).batches() })
        #expect(error.kind == .badData && error.description.contains("not a readable wellbeing store"), "\(error.description)")
    }

    @Test func aCopyThatFailsRemovesTheFileItCreated() throws {
        let folder = try TemporaryFolder()
        let source = folder.file("s.sqlite")
        try importResponses(try SurveyStore(path: source), Paths.fixture("mini-utf8.csv"))
        // A source that breaks a CHECK the new store enforces: the copy fails while it writes the new file.
        _ = try StoreFiles.sqlite(source, "PRAGMA ignore_check_constraints = ON; UPDATE batch SET rowCount = -1;")
        let destination = folder.file("copy.sqlite")
        #expect(wellBeingError { _ = try SurveyStore.copy(from: source, to: destination) } != nil)
        #expect(SQLiteBackend.files(of: destination).allSatisfy { FileKind.of($0) == .missing })
    }

    @Test func aCopyKeepsAccountsAndWhoImported() throws {
        let folder = try TemporaryFolder()
        let source = folder.file("s.sqlite")
        let store = try SurveyStore(path: source)
        let batch = try #require(try importResponses(store, Paths.fixture("mini-utf8.csv"), importedBy: "佐藤").batchID)
        // Names whose byte order differs from a locale's: the copy's check must not depend on collation.
        for (name, role) in [("佐藤", AccountRole.importer), ("Zoe", .admin), ("abe", .viewer)] {
            try store.addAccount(Account(name: name, role: role, passwordHash: "$2b$12$hash-of-\(name)", createdAt: "2026-12-03T00:00:00Z"))
        }
        let destination = folder.file("copy.sqlite")
        let outcome = try SurveyStore.copy(from: source, to: destination)
        #expect(outcome.tableHashes["account"] != nil && outcome.tableHashes["batchImporter"] != nil)
        let copied = try SurveyStore(path: destination, access: .read)
        #expect(try copied.accounts() == store.accounts())
        #expect(try copied.importers() == [batch: "佐藤"])
    }
}

/// Store URLs as psql reads them, and passwords as libpq finds them (no server needed).
@Suite struct PostgresLocationTests {
    @Test func partsDefaultsAndParameters() throws {
        let full = try PostgresLocation(url: "postgresql://analyst@db.example.lg.jp:6543/wellbeing?sslmode=verify-full&application_name=kikaku",
                                        environment: [:])
        #expect(full.host == "db.example.lg.jp" && full.port == 6543 && full.user == "analyst" && full.database == "wellbeing")
        #expect(full.tlsMode == .verifyFull && full.applicationName == "kikaku" && full.password == nil)
        #expect(full.displayName == "postgresql://db.example.lg.jp:6543/wellbeing")
        let bare = try PostgresLocation(url: "postgresql://", environment: ["PGHOST": "pg", "PGPORT": "5433", "PGUSER": "u",
                                                                         "PGDATABASE": "d", "PGSSLMODE": "require"])
        #expect(bare.host == "pg" && bare.port == 5433 && bare.user == "u" && bare.database == "d" && bare.tlsMode == .require)
        let defaults = try PostgresLocation(url: "postgres://u@h", environment: [:])
        #expect(defaults.port == 5432 && defaults.database == "u" && defaults.tlsMode == .prefer && defaults.applicationName == "wellbeing")
        let socket = try PostgresLocation(url: "postgresql://u@/d?host=/var/run/postgresql", environment: [:])
        #expect(socket.socketFolder == "/var/run/postgresql")
        let escaped = try PostgresLocation(url: "postgresql://%E5%B8%82:p%40ss@[::1]:5432/%E5%B9%B8%E7%A6%8F", environment: [:])
        #expect(escaped.user == "市" && escaped.password == "p@ss" && escaped.host == "::1" && escaped.database == "幸福")
        #expect(!escaped.displayName.contains("p@ss") && escaped.displayName == "postgresql://[::1]:5432/幸福")
    }

    @Test(arguments: [
        ("postgresql://h:99999/d", "99999"), ("postgresql://h/d?sslmode=sometimes", "sometimes"),
        ("postgresql://h/d?password=x", "PGPASSWORD"), ("postgresql://h/d?timezone=UTC", "timezone"),
        ("postgresql://[::1/d", "]"), ("postgresql://h/d?sslmode", "sslmode"),
    ])
    func badURLsSayWhat(_ url: String, _ named: String) throws {
        let error = try #require(wellBeingError { _ = try PostgresLocation(url: url, environment: [:]) })
        #expect(error.kind == .usage)
        #expect(error.description.contains(named), "\(error.description)")
        let japanese = error.message.text(in: .ja)
        #expect(japanese.contains(named) && japanese.contains("使えません"), "\(japanese)")
    }

    @Test func thePasswordComesFromTheURLThenPGPASSWORDThenThePasswordFile() throws {
        let folder = try TemporaryFolder()
        let file = try folder.write("pgpass", """
            # comment
            other:5432:*:u:not-this
            db\\:x:*:wellbeing:u:pass\\:with\\\\colon
            *:*:*:*:fallback
            """)
        chmod(file, 0o600)
        #expect(try PostgresLocation(url: "postgresql://u:url@db/wellbeing", environment: ["PGPASSWORD": "env", "PGPASSFILE": file]).password == "url")
        #expect(try PostgresLocation(url: "postgresql://u@db/wellbeing", environment: ["PGPASSWORD": "env", "PGPASSFILE": file]).password == "env")
        #expect(PostgresLocation.passwordFromFile(file, host: "db:x", port: 5432, database: "wellbeing", user: "u") == .found("pass:with\\colon"))
        #expect(try PostgresLocation(url: "postgresql://v@elsewhere/wellbeing", environment: ["PGPASSFILE": file]).password == "fallback")
        // Readable by others: ignored, as libpq ignores it, and remembered for the message.
        chmod(file, 0o640)
        let open = try PostgresLocation(url: "postgresql://v@elsewhere/wellbeing", environment: ["PGPASSFILE": file])
        #expect(open.password == nil && open.passwordFileNote?.key == .pgpassIgnored)
    }

    @Test func messagesShowURLsWithoutPasswords() {
        #expect(PostgresLocation.withoutPassword("postgresql://u:secret@h/d") == "postgresql://u:***@h/d")
        #expect(PostgresLocation.withoutPassword("postgresql://u@h/d?sslmode=require") == "postgresql://u@h/d?sslmode=require")
        #expect(SurveyStore.displayName(of: "postgresql://u:secret@h:5/d") == "postgresql://h:5/d")
        #expect(SurveyStore.displayName(of: "city.sqlite") == "city.sqlite")
    }
}
