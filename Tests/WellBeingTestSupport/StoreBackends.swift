import Foundation
import Testing
import WellBeingStore

/// The store backends a test runs against: the SQLite file always; PostgreSQL when the tests are built with
/// `--traits PostgreSQL` (then a server must be there: `.ci/run` starts one; in CI a missing one fails).
public enum StoreBackendKind: String, CaseIterable, Sendable, CustomTestStringConvertible {
    case sqlite, postgresql

    public static var available: [StoreBackendKind] {
        #if PostgreSQL
        return PostgresTestServer.shouldRun ? allCases : [.sqlite]
        #else
        return [.sqlite]
        #endif
    }

    public var testDescription: String { rawValue }

    /// A new, empty store location: a file in `folder`, or a new database on the test server.
    public func newLocation(in folder: TemporaryFolder) throws -> String {
        switch self {
        case .sqlite: return folder.file("store.sqlite")
        case .postgresql: return try PostgresTestServer.newDatabase()
        }
    }
}

/// The throwaway server `.ci/postgres.sh` starts: `WELLBEING_TEST_POSTGRES` (a URL without password, to the
/// maintenance database) and `WELLBEING_TEST_POSTGRES_PASSWORD`.
public enum PostgresTestServer {
    public struct Missing: Error, CustomStringConvertible {
        public init() {}
        public var description: String {
            "WELLBEING_TEST_POSTGRES is not set: run the tests through .ci/run, or start a server with "
                + "'eval \"$(.ci/postgres.sh start /tmp/wbpg)\"' first"
        }
    }

    public static let environment = ProcessInfo.processInfo.environment
    /// Whether the server tests run: when a server is given, and always in CI (where a missing one fails them).
    public static var shouldRun: Bool { url != nil || !(environment["CI"] ?? "").isEmpty }
    public static var url: String? { environment["WELLBEING_TEST_POSTGRES"].flatMap { $0.isEmpty ? nil : $0 } }
    public static var password: String { environment["WELLBEING_TEST_POSTGRES_PASSWORD"] ?? "" }
    /// The server's URL up to the database name.
    public static var serverURL: String? { url.map { String($0[..<$0.range(of: "/", options: .backwards)!.lowerBound]) } }
    /// What the `wellbeing` processes of a test need besides the store: the password.
    public static var childEnvironment: [String: String] { ["PGPASSWORD": password] }

    /// A new empty database on the test server; its URL carries no password.
    public static func newDatabase() throws -> String {
        guard let url, let serverURL else { throw Missing() }
        setenv("PGPASSWORD", password, 1)  // for stores opened inside the test process
        let name = "wbtest_" + UUID().uuidString.replacingOccurrences(of: "-", with: "").prefix(16).lowercased()
        _ = try psql(url, "CREATE DATABASE \(name)")
        return serverURL + "/" + name
    }

    /// Runs SQL with psql and returns its unaligned output.
    @discardableResult
    public static func psql(_ database: String, _ sql: String) throws -> String {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["psql", "-X", "-q", "-At", "-v", "ON_ERROR_STOP=1", database, "-c", sql]
        var environment = ProcessInfo.processInfo.environment
        environment["PGPASSWORD"] = password
        process.environment = environment
        let output = Pipe(), errors = Pipe()
        process.standardOutput = output
        process.standardError = errors
        try process.run()
        let text = String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        let failure = String(decoding: errors.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        if process.terminationStatus != 0 {
            throw TestFailure(description: "psql failed: \(failure)")
        }
        return text.trimmingCharacters(in: .whitespacesAndNewlines)
    }
}

/// SQL run on a store file from outside the store (to damage it, or read what it holds).
public enum StoreFiles {
    /// Runs SQL on an SQLite file with the sqlite3 module of Python (no second SQLite binding in the tests);
    /// several statements (separated by `;`) run as a script and print nothing.
    public static func sqlite(_ path: String, _ sql: String) throws -> Data {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3", "-c", """
            import sqlite3, sys
            c = sqlite3.connect(sys.argv[1])
            if ";" in sys.argv[2]:
                c.executescript(sys.argv[2])
            else:
                for row in c.execute(sys.argv[2]): print("|".join(map(str, row)))
            c.commit()
            """, path, sql]
        let output = Pipe()
        process.standardOutput = output
        try process.run()
        let data = output.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return data
    }
}
