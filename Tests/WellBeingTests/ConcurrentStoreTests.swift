import Foundation
import Synchronization
import Testing
import WellBeingTestSupport
@testable import WellBeingCLI
import WellBeingAnalysis
@testable import WellBeingCore
@testable import WellBeingIngest
@testable import WellBeingStore
import WellBeingWorkspace

/// One store shared by readers and an importer at once (DESIGN §19): an analysis reads one snapshot, so a batch
/// that lands meanwhile is wholly in or wholly out, and what readers print is what they print alone.
@Suite struct ConcurrentStoreTests {
    /// A store holding lwc-3000's 2024 answers and population margins, on `backend`.
    static func store2024(_ backend: StoreBackendKind, in folder: TemporaryFolder) throws -> (location: String, instrument: LoadedInstrument) {
        let location = try backend.newLocation(in: folder)
        let instrument = try InstrumentLoader.load(path: Paths.survey("lwc-synthetic.yaml"))
        let store = try SurveyStore(path: location)
        defer { store.close() }
        _ = try importResponses(store, Paths.lwc("responses_2024.csv"), instrument: instrument, period: "2024")
        _ = try store.importPopulation(path: Paths.lwc("population.csv"), survey: nil, period: nil,
                                       marginSpec: "age_band*sex,region", encoding: nil, replace: false)
        return (location, instrument)
    }

    static func bytes(_ analysis: PeriodAnalysis) throws -> String { try JSONOutput.encode(analysis.results) }

    @Test(arguments: StoreBackendKind.available)
    func aSnapshotSeesABatchWhollyOrNotAtAll(_ backend: StoreBackendKind) throws {
        let folder = try TemporaryFolder()
        let (location, instrument) = try Self.store2024(backend, in: folder)
        let reader = try SurveyStore(path: location, access: .read)
        let writer = try SurveyStore(path: location)
        defer { reader.close(); writer.close() }
        let (before, during) = try reader.snapshot { snapshot in
            let before = try snapshot.surveys()
            // Another connection imports a whole period while the snapshot is open.
            _ = try importResponses(writer, Paths.lwc("responses_2025.csv"), instrument: instrument, period: "2025")
            return (before, try snapshot.surveys())
        }
        #expect(before == during)
        #expect(during.first?.periods.keys.map(\.rawValue) == ["2024"])
        #expect(try reader.surveys().first?.periods.keys.map(\.rawValue).sorted() == ["2024", "2025"])
    }

    /// Two analyses and an import at once, through one store object (as a server holds it): each analysis gives
    /// the bytes it gives alone; analyses of the period being imported into give the bytes of before or of after.
    @Test(arguments: StoreBackendKind.available)
    func twoAnalysesAndAnImportOnOneStoreGiveTheBytesOfEachAlone(_ backend: StoreBackendKind) async throws {
        let folder = try TemporaryFolder()
        let (location, instrument) = try Self.store2024(backend, in: folder)
        let store = try SurveyStore(path: location)
        defer { store.close() }
        let raked = AnalysisOptions()
        let unweighted = AnalysisOptions(weighting: Weighting.none)
        let alone = try Self.bytes(PeriodAnalysis(store: store, survey: nil, period: "2024", options: raked))
        let aloneUnweighted = try Self.bytes(PeriodAnalysis(store: store, survey: nil, period: "2024", options: unweighted))

        // Readers of 2024 beside an import into 2025.
        async let first = PeriodAnalysis.analyse(store: store, survey: nil, period: "2024", options: raked)
        async let second = PeriodAnalysis.analyse(store: store, survey: nil, period: "2024", options: unweighted)
        let imported = Task.detached {
            try importResponses(store, Paths.lwc("responses_2025.csv"), instrument: instrument, period: "2025").importedRows
        }
        #expect(try Self.bytes(await first) == alone)
        #expect(try Self.bytes(await second) == aloneUnweighted)
        #expect(try await imported.value > 0)

        // Readers of 2025 beside another import into 2025 (other respondents): all of it or none of it.
        let before = try Self.bytes(PeriodAnalysis(store: store, survey: nil, period: "2025", options: raked))
        let more = try folder.write("more.csv", try Self.renumbered(Paths.lwc("responses_2024.csv")))
        async let during1 = PeriodAnalysis.analyse(store: store, survey: nil, period: "2025", options: raked)
        let second2025 = Task.detached {
            try importResponses(store, more, instrument: instrument, period: "2025").importedRows
        }
        async let during2 = PeriodAnalysis.analyse(store: store, survey: nil, period: "2025", options: raked)
        #expect(try await second2025.value > 0)
        let after = try Self.bytes(PeriodAnalysis(store: store, survey: nil, period: "2025", options: raked))
        #expect(before != after)
        for during in [try await during1, try await during2] {
            let seen = try Self.bytes(during)
            #expect(seen == before || seen == after)
        }
    }

    /// The same through the executable, as users run it: two `indicators` and an `import` at once.
    @Test(arguments: StoreBackendKind.available)
    func twoIndicatorsCommandsAndAnImportGiveTheBytesOfEachAlone(_ backend: StoreBackendKind) throws {
        let folder = try TemporaryFolder()
        let (location, _) = try Self.store2024(backend, in: folder)
        let environment = backend == .postgresql ? PostgresTestServer.childEnvironment : [:]
        @Sendable func run(_ arguments: [String]) throws -> CommandLineTests.Run {
            try CommandLineTests.run(arguments + ["--store", location], environment: environment, in: folder.path)
        }
        let commands = [["indicators", "--period", "2024", "--format", "json"],
                        ["indicators", "--period", "2024", "--format", "csv", "--weights", "none"]]
        let alone = try commands.map { try run($0) }
        #expect(alone.allSatisfy { $0.status == 0 }, "\(alone.map(\.errors))")
        let importing = ["import", "responses", Paths.lwc("responses_2025.csv"), "--instrument", Paths.survey("lwc-synthetic.yaml"),
                         "--period", "2025"]
        let all = commands + [importing]
        let runs = Mutex<[Int: CommandLineTests.Run]>([:])
        let failures = Mutex<[String]>([])
        DispatchQueue.concurrentPerform(iterations: all.count) { index in
            do {
                let result = try run(all[index])
                runs.withLock { $0[index] = result }
            } catch {
                failures.withLock { $0.append("\(error)") }
            }
        }
        #expect(failures.withLock { $0 }.isEmpty)
        let results = runs.withLock { $0 }
        #expect(results[2]?.status == 0, "\(results[2]?.errors ?? "")")
        for index in commands.indices {
            #expect(results[index]?.status == 0)
            #expect(results[index]?.output == alone[index].output)
        }
    }

    /// A store file closed after readers and a writer (a pool on SQLite) is one self-contained file again: its
    /// WAL folded back and removed, so that copying the file alone copies everything.
    @Test func aClosedStoreIsOneFileAgain() throws {
        let folder = try TemporaryFolder()
        let (location, _) = try Self.store2024(.sqlite, in: folder)
        let store = try SurveyStore(path: location)
        let before = try PeriodAnalysis(store: store, survey: nil, period: "2024", options: AnalysisOptions())
        let population = try #require(try store.batches().first { $0.kind == .population })
        try store.undo(batchID: population.id)
        store.close()
        #expect(FileKind.of(location + "-wal") == .missing)
        let copy = folder.file("copy.sqlite")
        try FileManager.default.copyItem(atPath: location, toPath: copy)
        let copied = try SurveyStore(path: copy, access: .read)
        defer { copied.close() }
        #expect(try copied.batches().map(\.kind) == [.responses])
        #expect(try PeriodAnalysis(store: copied, survey: nil, period: "2024", options: AnalysisOptions()).results.respondentCount
                == before.results.respondentCount)
    }

    /// The rows of `path` with respondent ids no other file of the fixture uses.
    static func renumbered(_ path: String) throws -> String {
        let text = try String(contentsOfFile: path, encoding: .utf8)
        return text.replacingOccurrences(of: "\nR", with: "\nX")
    }
}

#if PostgreSQL
/// Write locks on a server are per survey: an import of one survey never waits for another survey's.
@Suite(.enabled(if: PostgresTestServer.shouldRun)) struct PostgresSurveyLockTests {
    @Test func aWriteHoldsItsSurveysLockAndLetsAnotherSurveyWrite() throws {
        let location = try PostgresTestServer.newDatabase()
        let first = try PostgresBackend(url: location, busyTimeout: 10, access: .writeOrCreate)
        let second = try PostgresBackend(url: location, busyTimeout: 10, access: .writeOrCreate)
        defer { first.close(); second.close() }
        let (held, otherSurveyWrote) = try first.write(survey: SurveyID("lwc")) { _ in
            let held = try second.read { db in
                try db.fetchAll("""
                    SELECT classid::bigint, mode FROM pg_locks WHERE locktype = 'advisory' AND granted
                    AND database = (SELECT oid FROM pg_database WHERE datname = current_database()) ORDER BY classid
                    """).map { "\(try $0.integer(0)) \(try $0.text(1))" }
            }
            // Another survey's writer is not held up (with one lock for the store it would wait here).
            let wrote = try second.write(survey: SurveyID("staff-dx")) { _ in true }
            return (held, wrote)
        }
        // (classid of a single-key lock is its high 32 bits: 0 for "WBST"; the survey's lock has class "WBSV".)
        #expect(held == ["0 ShareLock", "\(PostgresBackend.surveyLockClass) ExclusiveLock"])
        #expect(otherSurveyWrote)
    }
}
#endif

#if PostgreSQL
/// A PostgreSQL store's transactions on connections of their own: readers of one store run at once, and a
/// connection left inside a transaction it could not roll back is never used again.
@Suite(.enabled(if: PostgresTestServer.shouldRun)) struct PostgresConnectionTests {
    struct Stuck: Error, CustomStringConvertible { let description: String }

    /// Two snapshots opened together on one store both answer while both are open: each sees, in
    /// `pg_stat_activity`, the other's connection inside its transaction. (On one connection the second would wait
    /// for the first, which waits for the second: the rendezvous would time out.)
    @Test func twoSnapshotsOfOneStoreAreOpenAtOnce() throws {
        let location = try PostgresTestServer.newDatabase()
        let backend = try PostgresBackend(url: location, busyTimeout: 10, access: .writeOrCreate)
        defer { backend.close() }
        let bothOpen = DispatchGroup()
        let bothLooked = DispatchGroup()
        for group in [bothOpen, bothOpen, bothLooked, bothLooked] { group.enter() }
        let seen = Mutex<[Int: (own: Int64, others: [Int64], batches: Int64)]>([:])
        let failures = Mutex<[String]>([])
        DispatchQueue.concurrentPerform(iterations: 2) { index in
            do {
                let result = try backend.read { db -> (Int64, [Int64], Int64) in
                    let own = try #require(try db.fetchInteger("SELECT pg_backend_pid()"))
                    bothOpen.leave()
                    guard bothOpen.wait(timeout: .now() + 30) == .success else { throw Stuck(description: "the other snapshot never opened") }
                    let others = try db.fetchAll("""
                        SELECT pid FROM pg_stat_activity
                        WHERE datname = current_database() AND xact_start IS NOT NULL AND pid <> pg_backend_pid()
                        """).map { try $0.integer(0) }
                    // Neither ends its transaction before both have looked.
                    bothLooked.leave()
                    guard bothLooked.wait(timeout: .now() + 30) == .success else { throw Stuck(description: "the other snapshot never looked") }
                    return (own, others, try #require(try db.fetchInteger("SELECT count(*) FROM batch")))
                }
                seen.withLock { $0[index] = result }
            } catch {
                failures.withLock { $0.append("\(error)") }
            }
        }
        #expect(failures.withLock { $0 }.isEmpty, "\(failures.withLock { $0 })")
        let both = seen.withLock { $0 }
        let first = try #require(both[0]), second = try #require(both[1])
        #expect(first.own != second.own)
        #expect(first.others.contains(second.own) && second.others.contains(first.own), "\(both)")
        #expect(first.batches == 0 && second.batches == 0)
    }

    /// A transaction that needs a pooled connection when the server has gone away fails as opening the store would,
    /// soon (the pool itself would retry quietly for a minute): "Cannot reach", exit 75.
    @Test func aPooledTransactionOnAServerGoneSaysItCannotReachIt() throws {
        let server = try PostgresTestServer.newDatabase()
        guard let serverPort = URLComponents(string: server)?.port else { throw PostgresTestServer.Missing() }
        let relay = try PostgresStoreTests.Relay(to: serverPort)
        let throughRelay = server.replacingOccurrences(of: ":\(serverPort)/", with: ":\(relay.port)/") + "?sslmode=disable"
        let backend = try PostgresBackend(url: throughRelay, busyTimeout: 10, access: .writeOrCreate)
        defer { backend.close() }
        let inner = Mutex<WellBeingError?>(nil)
        var started = Date()
        _ = try? backend.read { _ in  // holds the store's own connection, which the cut ends too
            relay.cut(reset: false)
            started = Date()
            let failure = wellBeingError { _ = try backend.read { try $0.fetchInteger("SELECT 1") } }
            inner.withLock { $0 = failure }
        }
        let seconds = Date().timeIntervalSince(started)
        let error = try #require(inner.withLock { $0 })
        #expect(error.kind == .storeUnreachable && error.description.contains("Cannot reach"), "\(error)")
        #expect(seconds < 15, "\(seconds) s")
    }

    /// A pooled transaction that streams rows completes while every cooperative thread is held (as synchronous
    /// callers may hold them): leasing and reading rows run on the connections' event loops, never needing one.
    /// (With tasks on the global executor this read never finishes.) The threads are held for about a second.
    @Test func aStreamingPooledReadNeedsNoCooperativeThread() throws {
        let location = try PostgresTestServer.newDatabase()
        let backend = try PostgresBackend(url: location, busyTimeout: 10, access: .writeOrCreate)
        defer { backend.close() }
        let release = DispatchSemaphore(value: 0)
        let holders = ProcessInfo.processInfo.activeProcessorCount + 2  // more than the cooperative pool's threads
        for _ in 0..<holders { Task.detached { release.wait() } }
        defer { for _ in 0..<holders { release.signal() } }
        Thread.sleep(forTimeInterval: 1)
        let done = DispatchSemaphore(value: 0)
        let rows = Mutex(0)
        DispatchQueue.global().async {
            _ = try? backend.read { _ in  // holds the store's own connection: the inner read leases from the pool
                try backend.read { db in
                    try db.forEachRow("SELECT generate_series(1, 20000)", []) { _ in rows.withLock { $0 += 1 } }
                }
            }
            done.signal()
        }
        #expect(done.wait(timeout: .now() + 20) == .success)
        #expect(rows.withLock { $0 } == 20000)
    }

    /// A transaction whose ROLLBACK fails leaves its connection inside it; that connection is closed, and the next
    /// transaction — on the store's own connection, or on one of the pool beside it — gets another one.
    @Test func aConnectionWhoseRollbackFailedIsNeverUsedAgain() throws {
        let location = try PostgresTestServer.newDatabase()
        // A rollback that always fails (and leaves the transaction aborted, not ended).
        let backend = try PostgresBackend(url: location, busyTimeout: 10, access: .writeOrCreate,
                                          rollbackStatement: "ROLLBACK TO SAVEPOINT never_made")
        defer { backend.close() }
        func pid() throws -> Int64 { try #require(try backend.read { try $0.fetchInteger("SELECT pg_backend_pid()") }) }
        func failingRead() throws -> Int64 {
            let pid = Mutex<Int64?>(nil)
            #expect(throws: (any Error).self) {
                try backend.read { db in
                    pid.withLock { $0 = try? db.fetchInteger("SELECT pg_backend_pid()") }
                    throw Stuck(description: "the body failed")
                }
            }
            return try #require(pid.withLock { $0 })
        }
        // The store's own connection.
        let own = try pid()
        #expect(try failingRead() == own)
        let next = try pid()  // on a connection still inside the aborted transaction this would fail (25P02)
        #expect(next != own)
        // A pooled connection (the store's own is held by the outer read).
        let pooled = try backend.read { _ in
            let pooled = try pid()
            #expect(pooled != next)
            #expect(try failingRead() == pooled)
            let after = try pid()
            #expect(after != pooled && after != next)
            #expect(try backend.read { try $0.fetchInteger("SELECT count(*) FROM batch") } == 0)
            return pooled
        }
        // The server saw both discarded connections end.
        for discarded in [own, pooled] {
            var open = "1"
            for _ in 0..<100 where open != "0" {
                open = try PostgresTestServer.psql(location, "SELECT count(*) FROM pg_stat_activity WHERE pid = \(discarded)")
                if open != "0" { Thread.sleep(forTimeInterval: 0.05) }
            }
            #expect(open == "0", "connection \(discarded) is still open")
        }
    }
}
#endif
