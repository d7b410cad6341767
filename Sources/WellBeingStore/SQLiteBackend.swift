import Foundation
import GRDB
import WellBeingCore
#if canImport(Glibc)
import Glibc
#endif

/// The store as one SQLite file: the default, for one office.
///
/// A new store is built completely under a temporary name (mode 0600, since it holds personal data) and
/// then linked into place, so that no other process ever sees a half-made store. Opening for writing
/// migrates an older schema and refuses a damaged file (`PRAGMA quick_check`); a store written by a newer
/// version is refused. Writers wait for each other (WAL journal, busy timeout) and fail with `storeBusy`
/// rather than corrupt anything.
///
/// A store opened for writing is a GRDB `DatabasePool`: one writer, and readers on connections of their own
/// that each see the last committed state (WAL snapshots), so an analysis runs while an import writes into the
/// same store from the same process (a server). A store opened for reading only, one in memory and one being
/// created are a `DatabaseQueue` (a read-only or immutable file cannot hold the pool's shared memory; the others
/// have one user).
final class SQLiteBackend: StoreBackend {
    /// The connection(s): a pool for a store opened for writing, else a queue.
    let database: any DatabaseWriter
    /// The path of the store file, or `:memory:`.
    let path: String
    /// The path messages name: `path`, or for a store being created under a temporary name, its final one.
    let shownPath: String
    /// How this store was opened.
    let access: StoreAccess

    var displayName: String { shownPath }

    /// Opens (or, for `.writeOrCreate` and `.createNew`, creates) the store at `path`.
    ///
    /// - Parameter busyTimeout: how long to wait for another process's write to finish.
    /// - Throws: `inputMissing` (read) or `cannotCreateOutput` (write) for a path that is no store file
    ///   (missing, a folder, a device, a FIFO, an empty file); `badData` for another SQLite file, a store
    ///   from a newer version or a damaged store; `storeBusy` when another process holds it too long.
    init(path: String, busyTimeout: TimeInterval, access: StoreAccess) throws {
        self.path = path
        shownPath = path
        self.access = access
        let failure: WellBeingError.Kind = access == .read ? .inputMissing : .cannotCreateOutput
        switch FileKind.of(path) {
        case .missing:
            switch access {
            case .read, .writeExisting:
                throw WellBeingError(.inputMissing, Message(.storeMissing, ["path": path]))
            case .writeOrCreate, .createNew:
                try Self.createAtomically(path: path, refuseExisting: access == .createNew)
            }
        case .regularFile:
            if access == .createNew { throw Self.alreadyExists(path) }
            if Self.fileSize(path) == 0 {
                throw WellBeingError(failure, Message(.storeEmptyFile, ["path": path]))
            }
        case let kind:
            throw WellBeingError(failure, Message(.storeNotAFile, ["path": path]).localizingArgument("kind", Message(kind.phraseKey)))
        }
        do {
            database = try Self.openChecked(path: path, busyTimeout: busyTimeout, access: access, pooled: true)
        } catch {
            throw Self.translate(error, path: path, access: access)
        }
    }

    /// A private store in memory, for tests and dry runs without a store.
    init(inMemory: Void = ()) throws {
        path = ":memory:"
        shownPath = path
        access = .writeOrCreate
        var configuration = Configuration()
        configuration.foreignKeysEnabled = true
        let queue = try DatabaseQueue(configuration: configuration)
        try Self.validate(queue, path: path)
        try StoreSchema.migrator.migrate(queue)
        database = queue
    }

    private static func configuration(busyTimeout: TimeInterval, readonly: Bool, pooled: Bool = false) -> Configuration {
        var configuration = Configuration()
        configuration.busyMode = .timeout(busyTimeout)
        configuration.foreignKeysEnabled = true
        configuration.readonly = readonly
        if !readonly {
            // A pool sets WAL itself (and its readers may not); a queue is put in WAL so that other processes read on.
            configuration.prepareDatabase { db in
                if !pooled { try db.execute(sql: "PRAGMA journal_mode = WAL") }
                try db.execute(sql: "PRAGMA synchronous = NORMAL")
            }
        }
        return configuration
    }

    /// Opens an existing store file, checks what it is, and migrates it (writers) or checks that it needs no
    /// migration (readers). A writer gets a pool when `pooled`, else a queue.
    private static func openChecked(path: String, busyTimeout: TimeInterval, access: StoreAccess,
                                    pooled: Bool) throws -> any DatabaseWriter {
        let migrator = StoreSchema.migrator
        guard access == .read else {
            // Checked through a read-only connection first: opening for writing already writes (the WAL mode).
            let checker = try DatabaseQueue(path: path, configuration: configuration(busyTimeout: busyTimeout, readonly: true))
            try validate(checker, path: path)
            try checkIntegrity(checker, path: path)
            try checker.close()
            let writer: any DatabaseWriter = pooled
                ? try DatabasePool(path: path, configuration: configuration(busyTimeout: busyTimeout, readonly: false, pooled: true))
                : try DatabaseQueue(path: path, configuration: configuration(busyTimeout: busyTimeout, readonly: false))
            // Migrating takes the write lock; a store that is up to date is only read.
            if !(try writer.read { try migrator.hasCompletedMigrations($0) }) { try migrator.migrate(writer) }
            return writer
        }
        func openReadOnly(_ location: String) throws -> DatabaseQueue {
            let queue = try DatabaseQueue(path: location, configuration: configuration(busyTimeout: busyTimeout, readonly: true))
            try validate(queue, path: path)
            return queue
        }
        let queue: DatabaseQueue
        do {
            queue = try openReadOnly(path)
        } catch let error as DatabaseError where canReadImmutable(error, path: path) {
            // A WAL store on a read-only mount (or in a folder this user cannot write) cannot get its shared-memory
            // file; with no pending journal the file alone is the whole store, which SQLite reads as immutable.
            queue = try openReadOnly("file:" + (path.addingPercentEncoding(withAllowedCharacters: .urlPathAllowed) ?? path)
                + "?immutable=1")
        }
        if !(try queue.read { try migrator.hasCompletedMigrations($0) }) {
            // An older schema: a reader migrates it only where it may write.
            do {
                let writer = try DatabaseQueue(path: path, configuration: configuration(busyTimeout: busyTimeout, readonly: false))
                try migrator.migrate(writer)
                try writer.close()
            } catch {
                throw WellBeingError(.cannotCreateOutput, Message(.storeOlder, ["path": path]))
            }
        }
        return queue
    }

    private static func canReadImmutable(_ error: DatabaseError, path: String) -> Bool {
        guard error.resultCode == .SQLITE_CANTOPEN || error.resultCode == .SQLITE_READONLY else { return false }
        return fileSize(path + "-wal") == 0
    }

    /// Refuses SQLite files that are not wellbeing stores, and stores from a newer version.
    private static func validate(_ queue: DatabaseQueue, path: String) throws {
        let migrator = StoreSchema.migrator
        try queue.read { db in
            let applicationID = try Int32.fetchOne(db, sql: "PRAGMA application_id") ?? 0
            let tableCount = try Int.fetchOne(db, sql: "SELECT count(*) FROM sqlite_master") ?? 0
            if applicationID != StoreSchema.applicationID && tableCount > 0 {
                throw WellBeingError(.badData, Message(.storeNotAStore, ["path": path]))
            }
            if try migrator.hasBeenSuperseded(db) {
                throw WellBeingError(.badData, Message(.storeNewer, ["path": path, "version": ToolVersion.current]))
            }
        }
    }

    /// Refuses to write into a store whose pages are damaged.
    private static func checkIntegrity(_ queue: DatabaseQueue, path: String) throws {
        let result = try queue.read { try String.fetchAll($0, sql: "PRAGMA quick_check(3)") }
        guard result != ["ok"] else { return }
        throw WellBeingError(.badData, Message(.storeDamaged, ["path": path, "detail": result.joined(separator: "; ").singleLineVisible]))
    }

    /// Builds a complete, migrated store under a temporary name in the same folder and links it into place.
    ///
    /// `link` never replaces an existing file, so when two processes create the same store at once one of
    /// them wins and the other simply opens the winner's store; nobody ever sees a half-made one.
    private static func createAtomically(path: String, refuseExisting: Bool) throws {
        let temporary = try makeMigrated(besides: path)
        defer { removeFiles(of: temporary) }
        _ = try publish(temporary, as: path, refuseExisting: refuseExisting)
    }

    /// A store being created: the migrated store under the temporary name `temporary` beside `path`, opened for
    /// writing; messages name `path`. `finishPending` and `publish` then put it in place.
    init(pending temporary: String, shownAs path: String, busyTimeout: TimeInterval) throws {
        self.path = temporary
        shownPath = path
        access = .writeOrCreate
        do {
            database = try Self.openChecked(path: temporary, busyTimeout: busyTimeout, access: .writeOrCreate, pooled: false)
        } catch {
            throw Self.translate(error, path: path, access: .writeOrCreate)
        }
    }

    /// Leaves a store being created as one self-contained file (its journal written back and removed) and
    /// closes it, so that linking that file into place publishes everything.
    func finishPending() throws {
        do {
            try database.writeWithoutTransaction { try $0.execute(sql: "PRAGMA journal_mode = DELETE") }
            try database.close()
        } catch {
            throw Self.translate(error, path: shownPath, access: .writeOrCreate)
        }
    }

    /// Builds a complete, migrated store (mode 0600) under a temporary name beside `path` and returns that name.
    static func makeMigrated(besides path: String) throws -> String {
        let directory = (path as NSString).deletingLastPathComponent
        if !directory.isEmpty {
            switch FileKind.of(directory) {
            case .directory: break
            case .missing:
                throw WellBeingError(.cannotCreateOutput, Message(.storeFolderMissing, ["path": path, "folder": directory]))
            case let kind:
                throw WellBeingError(.cannotCreateOutput, Message(.storeFolderIsNot, ["path": path, "folder": directory])
                    .localizingArgument("kind", Message(kind.phraseKey)))
            }
        }
        if fileSize(path + "-wal") > 0 {
            // SQLite would replay a journal left by a deleted store into the new one.
            throw WellBeingError(.cannotCreateOutput, Message(.storeJournalLeft, ["path": path]))
        }
        let name = (path as NSString).lastPathComponent
        let temporary = ((directory.isEmpty ? "." : directory) as NSString)
            .appendingPathComponent(".\(name).new-\(getpid())-\(UInt32.random(in: 0...UInt32.max))")
        let descriptor = open(temporary, O_CREAT | O_EXCL | O_WRONLY, 0o600)
        guard descriptor >= 0 else {
            throw WellBeingError(.cannotCreateOutput, Message(.cannotCreateStore, ["path": path, "reason": OutputPaths.systemError()]))
        }
        Glibc.close(descriptor)
        do {
            let queue = try DatabaseQueue(path: temporary, configuration: configuration(busyTimeout: 10, readonly: false))
            try StoreSchema.migrator.migrate(queue)
            try queue.close()
        } catch {
            removeFiles(of: temporary)
            throw translate(error, path: path, access: .writeOrCreate)
        }
        return temporary
    }

    /// Links the finished store `temporary` into place at `path`; false when another process created `path` a
    /// moment ago (its store stands, `temporary` is left for the caller to remove).
    static func publish(_ temporary: String, as path: String, refuseExisting: Bool) throws -> Bool {
        if link(temporary, path) == 0 { return true }
        let linkError = errno
        if linkError == EEXIST {
            if refuseExisting { throw alreadyExists(path) }
            return false
        }
        if linkError == EPERM || linkError == ENOTSUP || linkError == EOPNOTSUPP || linkError == EXDEV {
            // A file system without hard links: rename, unless the path appeared meanwhile.
            if FileKind.of(path) != .missing {
                if refuseExisting { throw alreadyExists(path) }
                return false
            }
            if rename(temporary, path) == 0 { return true }
        }
        throw WellBeingError(.cannotCreateOutput, Message(.cannotCreateStore, ["path": path, "reason": OutputPaths.systemError(linkError)]))
    }

    /// The refusal of `.createNew` where a file already stands.
    private static func alreadyExists(_ path: String) -> WellBeingError {
        WellBeingError(.cannotCreateOutput, Message(.storeExists, ["path": path]))
    }

    /// The store file and the journal files SQLite may keep beside it.
    static func files(of path: String) -> [String] {
        [path] + ProtectedFile.storeJournalSuffixes.map { path + $0 }
    }

    /// Removes a temporary store and its journals.
    static func removeFiles(of temporary: String) {
        for file in files(of: temporary) { unlink(file) }
    }

    static func fileSize(_ path: String) -> Int {
        var status = stat()
        guard stat(path, &status) == 0 else { return 0 }
        return Int(status.st_size)
    }

    /// Maps SQLite failures to the tool's error kinds (busy → exit 75, I/O → 74), keeping the failure as `cause`.
    static func translate(_ error: Error, path: String, access: StoreAccess = .writeOrCreate) -> WellBeingError {
        if let error = error as? WellBeingError { return error }
        guard let database = error as? DatabaseError else {
            // Not SQLite's own: its text may hold internals or data, so only its type is named.
            return WellBeingError(.internalFailure, Message(.storeFailedUnexpectedly, ["path": path, "type": "\(type(of: error))"]),
                                  cause: error)
        }
        var mapped = kind(of: database, path: path, access: access)
        mapped.cause = database
        return mapped
    }

    private static func kind(of database: DatabaseError, path: String, access: StoreAccess) -> WellBeingError {
        let detail = (database.message ?? "").visibleControlCharacters
        switch database.resultCode {
        case .SQLITE_BUSY, .SQLITE_LOCKED:
            return WellBeingError(.storeBusy, Message(.storeBusy, ["path": path]))
        case .SQLITE_NOTADB, .SQLITE_CORRUPT:
            return WellBeingError(.badData, Message(.storeNotReadable, ["path": path, "detail": detail.isEmpty ? "corrupt" : detail]))
        case .SQLITE_CANTOPEN, .SQLITE_READONLY, .SQLITE_PERM, .SQLITE_AUTH:
            if access == .read {
                return WellBeingError(.inputMissing, Message(.storeCannotRead, ["path": path, "detail": detail.isEmpty ? "permission denied" : detail]))
            }
            return WellBeingError(.cannotCreateOutput, Message(.storeCannotWrite, ["path": path, "detail": detail.isEmpty ? "permission denied" : detail]))
        case .SQLITE_FULL:
            return WellBeingError(.ioFailure, Message(.storeDiskFull, ["path": path]))
        case .SQLITE_IOERR:
            return WellBeingError(.ioFailure, Message(access == .read ? .storeReadFailed : .storeWriteFailed,
                                                      ["path": path, "detail": detail.isEmpty ? "I/O error" : detail]))
        default:
            return WellBeingError(.internalFailure, Message(.storeFailed, ["path": path, "detail": detail.isEmpty ? "\(database.resultCode)" : detail]))
        }
    }

    func write<T>(survey: SurveyID?, _ body: (any StoreTransaction) throws -> T) throws -> T {
        try transaction(.immediate, body)
    }

    func writeApart<T>(_ body: (any StoreTransaction) throws -> T) throws -> T {
        try transaction(.immediate, body)
    }

    func read<T>(_ body: (any StoreTransaction) throws -> T) throws -> T {
        try transaction(.deferred, body)
    }

    /// Closes the store. A pool's reader connections are closed first (GRDB's `close` closes its writer first), so
    /// that the writer is the last connection and SQLite folds the WAL back into the file and removes it: the store
    /// is again one self-contained file, which a user may copy alone.
    func close() {
        (database as? DatabasePool)?.releaseMemory()
        try? database.close()
    }

    private func transaction<T>(_ kind: Database.TransactionKind, _ body: (any StoreTransaction) throws -> T) throws -> T {
        do {
            if kind == .deferred {
                // A snapshot: on a pool, a reader connection of its own, never waiting for a writer.
                return try database.read { db in try body(SQLiteTransaction(db)) }
            }
            return try database.writeWithoutTransaction { db in
                var result: T?
                try db.inTransaction(kind) {
                    result = try body(SQLiteTransaction(db))
                    return .commit
                }
                return result!
            }
        } catch let error as DatabaseError {
            throw Self.translate(error, path: shownPath, access: kind == .deferred ? .read : access)
        }
    }
}

/// One SQLite transaction, as the store's domain code sees it.
final class SQLiteTransaction: StoreTransaction {
    let db: Database
    var dialect: StoreDialect { .sqlite }

    init(_ db: Database) { self.db = db }

    func execute(_ sql: String, _ arguments: StoreArguments) throws {
        try db.execute(sql: sql, arguments: Self.arguments(arguments.storeValues))
    }

    func executeSoon(_ sql: String, _ arguments: StoreArguments) throws { try execute(sql, arguments) }

    func forEachRow(_ sql: String, _ arguments: StoreArguments, _ body: (StoreRow) throws -> Void) throws {
        let cursor = try Row.fetchCursor(db, sql: sql, arguments: Self.arguments(arguments.storeValues))
        while let row = try cursor.next() {
            try body(StoreRow((0..<row.count).map { Self.value(row[$0] as DatabaseValue) }))
        }
    }

    func insertRows(into table: String, columns: [String], rows: [[StoreValue]]) throws {
        guard !rows.isEmpty else { return }
        let statement = try db.cachedStatement(sql: "INSERT INTO \(table) (\(columns.joined(separator: ", "))) VALUES ("
            + Array(repeating: "?", count: columns.count).joined(separator: ", ") + ")")
        for row in rows { try statement.execute(arguments: Self.arguments(row)) }
    }

    static func arguments(_ values: [StoreValue]) -> StatementArguments {
        StatementArguments(values.map { value -> DatabaseValue in
            switch value {
            case .null: return .null
            case let .integer(number): return number.databaseValue
            case let .real(number): return number.databaseValue
            case let .text(text): return text.databaseValue
            case let .blob(data): return data.databaseValue
            }
        })
    }

    static func value(_ value: DatabaseValue) -> StoreValue {
        switch value.storage {
        case .null: return .null
        case let .int64(number): return .integer(number)
        case let .double(number): return .real(number)
        case let .string(text): return .text(text)
        case let .blob(data): return .blob(data)
        }
    }
}
