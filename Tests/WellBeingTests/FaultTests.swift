import Foundation
import GRDB
import Testing
import WellBeingTestSupport
@testable import WellBeingCore

/// The store under kills, concurrent writers and readers during an import (bounded in time), on every backend.
@Suite(.serialized) struct FaultTests {
    static let header = "id,地区,sex,q1,q2,q3,q4,ls,comment\n"

    /// A survey file big enough that importing it takes a few seconds in a debug build.
    static func bigFile(in folder: TemporaryFolder, name: String, prefix: String, rows: Int = 400_000) throws -> String {
        var text = header
        text.reserveCapacity(rows * 32)
        for index in 0..<rows {
            text += "\(prefix)\(index),北区,男性,\(index % 5 + 1),\(index * 7 % 5 + 1),\(index * 3 % 5 + 1),3,\(index % 11),\n"
        }
        return try folder.write(name, text)
    }

    static func start(_ arguments: [String], in folder: String, errors: String? = nil) throws -> Process {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent().appendingPathComponent("wellbeing")
        process.arguments = arguments
        process.currentDirectoryURL = URL(fileURLWithPath: folder)
        process.standardOutput = FileHandle.nullDevice
        process.environment = ProcessInfo.processInfo.environment.merging(PostgresTestServer.childEnvironment) { $1 }
        if let errors {
            _ = FileManager.default.createFile(atPath: errors, contents: nil)
            process.standardError = FileHandle(forWritingAtPath: errors)
        } else {
            process.standardError = FileHandle.nullDevice
        }
        try process.run()
        return process
    }

    /// Integrity, and every stored block belonging to a batch whose row count it matches.
    static func checkConsistent(_ store: String, _ backend: StoreBackendKind) throws -> (batches: Int, respondents: Int) {
        let mismatch = """
            SELECT count(*) FROM batch WHERE kind = 'responses' AND rowCount <>
                (SELECT coalesce(sum(rowCount), 0) FROM respondentBlock WHERE respondentBlock.batchId = batch.id)
            """
        let pendingBatches = "SELECT count(*) FROM batch WHERE sha256 = ''"
        let totals = "SELECT (SELECT count(*) FROM batch), (SELECT coalesce(sum(rowCount), 0) FROM respondentBlock)"
        if backend == .postgresql {
            #expect(try PostgresTestServer.psql(store, mismatch) == "0", "a batch whose rows are not all stored")
            #expect(try PostgresTestServer.psql(store, pendingBatches) == "0", "a half-written batch")
            let numbers = try PostgresTestServer.psql(store, totals).split(separator: "|").compactMap { Int($0) }
            return (numbers.first ?? -1, numbers.last ?? -1)
        }
        let queue = try DatabaseQueue(path: store)
        defer { try? queue.close() }
        return try queue.read { db in
            #expect(try String.fetchOne(db, sql: "PRAGMA integrity_check") == "ok")
            #expect(try Row.fetchAll(db, sql: "PRAGMA foreign_key_check").isEmpty)
            #expect(try Int.fetchOne(db, sql: mismatch) == 0, "a batch whose rows are not all stored")
            #expect(try Int.fetchOne(db, sql: pendingBatches) == 0, "a half-written batch")
            let row = try Row.fetchOne(db, sql: totals)
            return (row?[0] ?? -1, row?[1] ?? -1)
        }
    }

    /// Runs `wellbeing` with the test server's password (harmless for a file store).
    static func run(_ arguments: [String], in folder: String) throws -> CommandLineTests.Run {
        try CommandLineTests.run(arguments, environment: PostgresTestServer.childEnvironment, in: folder)
    }

    @Test(arguments: StoreBackendKind.available, [0.05, 0.3, 0.8, 1.5, 2.5])
    func killDuringImportLeavesTheStoreAsItWas(_ backend: StoreBackendKind, _ delay: Double) throws {
        let folder = try TemporaryFolder()
        let store = try backend.newLocation(in: folder)
        let seed = try Self.run(["import", "responses", Paths.fixture("mini-utf8.csv"), "--instrument", Paths.fixture("mini.yaml"),
                                             "--period", "2025", "--store", store], in: folder.path)
        #expect(seed.status == 0)
        let file = try Self.bigFile(in: folder, name: "big.csv", prefix: "K")
        let arguments = ["import", "responses", file, "--instrument", Paths.fixture("mini.yaml"), "--period", "2025", "--store", store]
        let process = try Self.start(arguments, in: folder.path)
        Thread.sleep(forTimeInterval: delay)
        let killed = process.isRunning
        if killed { kill(process.processIdentifier, SIGKILL) }
        process.waitUntilExit()
        // Killed before its commit, the import left nothing; killed after it (while closing), it is complete.
        // Never anything in between.
        let state = try Self.checkConsistent(store, backend)
        let untouched = state == (1, 3), complete = state == (2, 400_003)
        #expect(untouched || complete, "the store holds a partial import: \(state)")
        if !killed || process.terminationReason != .uncaughtSignal {
            #expect(complete, "an import that ran to its end must be complete")
        }
        if untouched {
            let retry = try Self.run(arguments, in: folder.path)
            #expect(retry.status == 0, "\(retry.errors)")
            let after = try Self.checkConsistent(store, backend)
            #expect(after.respondents == 400_003 && after.batches == 2)
        }
    }

    @Test(arguments: StoreBackendKind.available)
    func twoImportsAtOnceBothLandOrOneIsBusy(_ backend: StoreBackendKind) throws {
        let folder = try TemporaryFolder()
        let store = try backend.newLocation(in: folder)
        _ = try Self.run(["import", "responses", Paths.fixture("mini-utf8.csv"), "--instrument", Paths.fixture("mini.yaml"),
                                      "--period", "2025", "--store", store], in: folder.path)
        let first = try Self.bigFile(in: folder, name: "a.csv", prefix: "X", rows: 200_000)
        let second = try Self.bigFile(in: folder, name: "b.csv", prefix: "Y", rows: 200_000)
        let processes = try [first, second].map { file in
            try Self.start(["import", "responses", file, "--instrument", Paths.fixture("mini.yaml"), "--period", "2025", "--store", store],
                           in: folder.path, errors: file + ".log")
        }
        for process in processes { process.waitUntilExit() }
        let statuses = processes.map(\.terminationStatus)
        let logs = try [first, second].map { try String(contentsOfFile: $0 + ".log", encoding: .utf8) }
        #expect(statuses.allSatisfy { $0 == 0 || $0 == 75 }, "\(statuses): \(logs)")
        #expect(statuses.contains(0))
        let landed = statuses.filter { $0 == 0 }.count
        let state = try Self.checkConsistent(store, backend)
        #expect(state.batches == 1 + landed && state.respondents == 3 + 200_000 * landed)
    }

    @Test(arguments: StoreBackendKind.available)
    func aReaderDuringAnImportSeesTheOldOrTheNewState(_ backend: StoreBackendKind) throws {
        let folder = try TemporaryFolder()
        let store = try backend.newLocation(in: folder)
        _ = try Self.run(["import", "responses", Paths.fixture("mini-utf8.csv"), "--instrument", Paths.fixture("mini.yaml"),
                                      "--period", "2025", "--store", store], in: folder.path)
        let file = try Self.bigFile(in: folder, name: "big.csv", prefix: "K")
        let importer = try Self.start(["import", "responses", file, "--instrument", Paths.fixture("mini.yaml"), "--period", "2025",
                                       "--store", store], in: folder.path)
        var seen: Set<Int> = []
        let deadline = Date().addingTimeInterval(30)
        repeat {
            let run = try Self.run(["indicators", "--period", "2025", "--format", "json", "--weights", "none",
                                                "--min-n", "1", "--store", store], in: folder.path)
            #expect(run.status == 0, "\(run.errors)")
            if let object = try? JSONSerialization.jsonObject(with: Data(run.output.utf8)) as? [String: Any],
               let design = object["design"] as? [String: Any], let n = design["n"] as? Int {
                seen.insert(n)
            }
        } while importer.isRunning && Date() < deadline
        importer.waitUntilExit()
        #expect(importer.terminationStatus == 0)
        #expect(!seen.isEmpty)
        #expect(seen.isSubset(of: [3, 400_003]), "a reader saw a half-written import: \(seen)")
    }
}
