import Foundation
import GRDB
import WellBeingCore
import WellBeingIngest

/// The one SQLite file that holds every survey, KPI, population table and reference figure.
///
/// Opening a store creates it (mode 0600, since it holds personal data) or migrates it to the current
/// schema; a store written by a newer version of the tool is refused. Writers wait for each other
/// (WAL journal, busy timeout) and fail with `storeBusy` rather than corrupt anything.
public final class SurveyStore: @unchecked Sendable {
    /// The underlying connection; every access is serialised by GRDB.
    let queue: DatabaseQueue
    /// The path of the store file, or `:memory:`.
    public let path: String

    /// Opens (or creates) the store at `path`.
    ///
    /// - Parameter busyTimeout: how long to wait for another process's write to finish.
    public init(path: String, busyTimeout: TimeInterval = 10) throws {
        self.path = path
        let fileManager = FileManager.default
        let directory = (path as NSString).deletingLastPathComponent
        if !directory.isEmpty && !fileManager.fileExists(atPath: directory) {
            throw WellBeingError(.cannotCreateOutput, "Cannot create the store '\(path)': the folder '\(directory)' does not exist.")
        }
        if !fileManager.fileExists(atPath: path) {
            let descriptor = open(path, O_CREAT | O_EXCL | O_WRONLY, 0o600)
            if descriptor < 0 && errno != EEXIST {
                throw WellBeingError(.cannotCreateOutput,
                                     "Cannot create the store '\(path)': \(String(cString: strerror(errno))).")
            }
            if descriptor >= 0 { close(descriptor) }
        }
        var configuration = Configuration()
        configuration.busyMode = .timeout(busyTimeout)
        configuration.foreignKeysEnabled = true
        configuration.prepareDatabase { db in
            try db.execute(sql: "PRAGMA journal_mode = WAL")
            try db.execute(sql: "PRAGMA synchronous = NORMAL")
        }
        do {
            queue = try DatabaseQueue(path: path, configuration: configuration)
            try Self.migrate(queue, path: path)
        } catch let error as WellBeingError {
            throw error
        } catch {
            throw Self.translate(error, path: path)
        }
    }

    /// A private store in memory, for tests.
    public init(inMemory: Void = ()) throws {
        path = ":memory:"
        var configuration = Configuration()
        configuration.foreignKeysEnabled = true
        queue = try DatabaseQueue(configuration: configuration)
        try Self.migrate(queue, path: path)
    }

    private static func migrate(_ queue: DatabaseQueue, path: String) throws {
        let migrator = StoreSchema.migrator
        try queue.inDatabase { db in
            let applicationID = try Int32.fetchOne(db, sql: "PRAGMA application_id") ?? 0
            let tableCount = try Int.fetchOne(db, sql: "SELECT count(*) FROM sqlite_master") ?? 0
            if applicationID != StoreSchema.applicationID && tableCount > 0 {
                throw WellBeingError(.badData, "'\(path)' is an SQLite file but not a wellbeing store; "
                    + "give another --store path.")
            }
            if try migrator.hasBeenSuperseded(db) {
                throw WellBeingError(.badData, "The store '\(path)' was written by a newer version of wellbeing "
                    + "(its schema has changes this version \(ToolVersion.current) does not know). "
                    + "Update wellbeing to open it; the store was not changed.")
            }
        }
        // Migrating takes the write lock; a store that is up to date is only read, so that a report can
        // open it while another process imports.
        let upToDate = try queue.read { try migrator.hasCompletedMigrations($0) }
        if !upToDate { try migrator.migrate(queue) }
    }

    /// Maps SQLite failures to the tool's error kinds (busy → exit 75, I/O → 74).
    static func translate(_ error: Error, path: String) -> WellBeingError {
        if let error = error as? WellBeingError { return error }
        guard let database = error as? DatabaseError else {
            return WellBeingError(.internalFailure, "The store '\(path)' failed: \(error)")
        }
        switch database.resultCode {
        case .SQLITE_BUSY, .SQLITE_LOCKED:
            return WellBeingError(.storeBusy, "The store '\(path)' is busy: another wellbeing command is writing to it. "
                + "Try again when it has finished.")
        case .SQLITE_NOTADB, .SQLITE_CORRUPT:
            return WellBeingError(.badData, "'\(path)' is not a readable wellbeing store (\(database.message ?? "corrupt")).")
        case .SQLITE_CANTOPEN, .SQLITE_READONLY, .SQLITE_PERM:
            return WellBeingError(.cannotCreateOutput, "Cannot open the store '\(path)' for writing: \(database.message ?? "permission denied").")
        case .SQLITE_FULL, .SQLITE_IOERR:
            return WellBeingError(.ioFailure, "Writing the store '\(path)' failed (\(database.message ?? "I/O error")); "
                + "nothing of this import was kept.")
        default:
            return WellBeingError(.internalFailure, "The store '\(path)' failed: \(database.message ?? "\(database)")")
        }
    }

    /// Runs `body` in one write transaction, taking the write lock at once; any error rolls it back.
    func write<T>(_ body: (Database) throws -> T) throws -> T {
        try transaction(.immediate, body)
    }

    /// Runs `body` in one read transaction (a consistent snapshot, even while another process imports).
    func read<T>(_ body: (Database) throws -> T) throws -> T {
        try transaction(.deferred, body)
    }

    private func transaction<T>(_ kind: Database.TransactionKind, _ body: (Database) throws -> T) throws -> T {
        do {
            var result: T?
            try queue.inTransaction(kind) { db in
                result = try body(db)
                return .commit
            }
            return result!
        } catch let error as DatabaseError {
            throw Self.translate(error, path: path)
        }
    }

    static func timestamp() -> String {
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime]
        return formatter.string(from: Date())
    }
}
