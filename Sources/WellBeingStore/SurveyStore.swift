import Foundation
import WellBeingCore
#if canImport(Glibc)
import Glibc
#endif

/// How a command uses the store.
public enum StoreAccess: Sendable {
    /// Read only: the store must exist; it is opened read-only, so that a store on a read-only share or in
    /// a folder the user cannot write can still be analysed, and readers never take the write lock.
    case read
    /// Read and write a store that must exist already (the small imports, undo).
    case writeExisting
    /// Read and write; a missing store is created first.
    case writeOrCreate
    /// Create a new store; an existing file at the path is refused, never replaced (the demo).
    case createNew
}

/// Every survey, KPI, population table and reference figure, in one store: an SQLite file (the default) or a
/// database on a PostgreSQL server (`postgresql://…`).
///
/// Imports, undo and queries live here, written once; the backend owns the connection, the schema history,
/// the locking and the mapping of its failures to the tool's error kinds. A new SQLite store is built
/// completely under a temporary name (mode 0600, since it holds personal data) and then linked into place;
/// opening for writing migrates an older schema; a store written by a newer version is refused. Writers wait
/// for each other and fail with `storeBusy` rather than corrupt anything.
public final class SurveyStore: Sendable {
    let backend: any StoreBackend
    /// Reads the instruments the store keeps as text (the YAML reader lives in WellBeingIngest).
    let instruments: InstrumentDecoder
    /// Where the store is, as messages name it: the file path, or `server/database` (never a password).
    public var path: String { backend.displayName }
    /// How this store was opened.
    public let access: StoreAccess

    /// Opens (or, for `.writeOrCreate` and `.createNew`, creates) the store at `location`: a file path, or a
    /// `postgresql://` URL.
    ///
    /// - Parameters:
    ///   - busyTimeout: how long to wait for another process's write to finish.
    ///   - instruments: reads the instruments the store keeps as text (`InstrumentDecoder.yaml` in WellBeingIngest).
    /// - Throws: `inputMissing` (read) or `cannotCreateOutput` (write) for a path that is no store file
    ///   (missing, a folder, a device, a FIFO, an empty file) or a server that refuses the login; `badData`
    ///   for another SQLite file or database, a store from a newer version or a damaged store; `storeBusy`
    ///   when another process holds it too long or the server does not answer.
    public init(path location: String, busyTimeout: TimeInterval = 10, access: StoreAccess = .writeOrCreate,
                instruments: InstrumentDecoder) throws {
        self.access = access
        self.instruments = instruments
        if StoreLocation.isServerURL(location) {
            backend = try StoreLocation.openServer(location, busyTimeout: busyTimeout, access: access)
        } else {
            backend = try SQLiteBackend(path: location, busyTimeout: busyTimeout, access: access)
        }
    }

    /// Runs `body` on the store at `location`, creating it when there is none — but a store created here is
    /// built under a temporary name and linked into place only after `body` returns, so that a failed first
    /// import leaves no file behind.
    ///
    /// When another process creates the store meanwhile, nothing of the first run is kept and `body` runs
    /// again on that store: it must be safe to run twice.
    ///
    /// - Throws: what `body` throws; the errors of opening or creating a store.
    public static func creatingOnSuccess<T>(_ location: String, busyTimeout: TimeInterval = 10, instruments: InstrumentDecoder,
                                            _ body: (SurveyStore) throws -> T) throws -> T {
        func opened() throws -> SurveyStore {
            try SurveyStore(path: location, busyTimeout: busyTimeout, access: .writeOrCreate, instruments: instruments)
        }
        guard !isServerLocation(location), FileKind.of(location) == .missing else {
            return try body(opened())
        }
        let temporary = try SQLiteBackend.makeMigrated(besides: location)
        defer { SQLiteBackend.removeFiles(of: temporary) }
        let backend = try SQLiteBackend(pending: temporary, shownAs: location, busyTimeout: busyTimeout)
        let result: T
        do {
            result = try body(SurveyStore(backend: backend, access: .writeOrCreate, instruments: instruments))
        } catch {
            backend.close()
            throw error
        }
        try backend.finishPending()
        guard try SQLiteBackend.publish(temporary, as: location, refuseExisting: false) else {
            // Another process created the store meanwhile: theirs stands, and the work is done again on it.
            return try body(opened())
        }
        return result
    }

    /// Whether `location` names a store on a server (`postgresql://…`) rather than a file.
    public static func isServerLocation(_ location: String) -> Bool { StoreLocation.isServerURL(location) }

    /// Refuses a server URL with a password given on the command line (`--store`, `store copy`'s arguments), where
    /// every user of the computer can read it; the environment (`WELLBEING_STORE`, `PGPASSWORD`) may hold one.
    ///
    /// - Throws: `usage`, with the URL shown with `***` for the password and where to put the password instead.
    public static func refusePasswordInArgument(_ location: String) throws { try StoreLocation.refusePasswordInArgument(location) }

    /// How messages name the store at `location`: a path as given, a server URL without user or password.
    public static func displayName(of location: String) -> String {
        guard isServerLocation(location) else { return location }
        return (try? PostgresLocation(url: location, environment: [:], findingPassword: false).displayName)
            ?? PostgresLocation.withoutPassword(location)
    }

    /// The files of the store at `location` that no output may replace: a store file and its journals, none
    /// for a store on a server.
    public static func protectedFiles(of location: String) -> [ProtectedFile] {
        isServerLocation(location) ? [] : ProtectedFile.store(location)
    }

    /// A private store in memory, for tests and dry runs without a store.
    public init(inMemory: Void = (), instruments: InstrumentDecoder) throws {
        access = .writeOrCreate
        self.instruments = instruments
        backend = try SQLiteBackend(inMemory: ())
    }

    /// A store over a backend opened elsewhere (tests, `store copy`).
    init(backend: any StoreBackend, access: StoreAccess, instruments: InstrumentDecoder) {
        self.backend = backend
        self.access = access
        self.instruments = instruments
    }

    /// Runs `body` on one snapshot of the store: every query made through the store it is handed reads in one
    /// read transaction, so a batch that lands meanwhile is wholly in or wholly out of everything `body` sees
    /// (an analysis reads responses, population, sample sizes, reference figures and KPIs this way).
    ///
    /// The store handed to `body` only reads, and only while `body` runs, on the calling thread.
    public func snapshot<T>(_ body: (SurveyStore) throws -> T) throws -> T {
        try read { transaction in
            try body(SurveyStore(backend: SnapshotBackend(transaction, displayName: path), access: .read, instruments: instruments))
        }
    }

    /// Runs `body` in one write transaction, holding the write lock from the start; any error rolls it back.
    ///
    /// - Parameter survey: the survey written, whose write lock is taken (nil: the whole store's).
    func write<T>(survey: SurveyID?, _ body: (any StoreTransaction) throws -> T) throws -> T {
        precondition(access != .read, "a store opened for reading was asked to write")
        return try readable { try backend.write(survey: survey, body) }
    }

    /// Runs `body` in one write transaction that takes no survey's lock (records apart from the batches).
    func writeApart<T>(_ body: (any StoreTransaction) throws -> T) throws -> T {
        precondition(access != .read, "a store opened for reading was asked to write")
        return try readable { try backend.writeApart(body) }
    }

    /// Runs `body` in one read transaction (a consistent snapshot, even while another process imports).
    func read<T>(_ body: (any StoreTransaction) throws -> T) throws -> T {
        try readable { try backend.read(body) }
    }

    /// A value of the wrong type in a column is damage to the store, said as such (exit 65).
    private func readable<T>(_ work: () throws -> T) throws -> T {
        do {
            return try work()
        } catch let mismatch as StoreRow.Mismatch {
            throw WellBeingError(.badData, Message(.storeNotReadable, ["path": path, "detail": mismatch.description]), cause: mismatch)
        }
    }

    /// Closes the connection (a file store closes by itself when released).
    public func close() { backend.close() }

    static func timestamp() -> String {
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime]
        return formatter.string(from: Date())
    }
}

/// The backend of a store handed out by `SurveyStore.snapshot`: every read runs in the one open read transaction.
/// It lives only while the snapshot's body runs, on that body's thread (hence unchecked).
private final class SnapshotBackend: StoreBackend, @unchecked Sendable {
    private let transaction: any StoreTransaction
    let displayName: String

    init(_ transaction: any StoreTransaction, displayName: String) {
        self.transaction = transaction
        self.displayName = displayName
    }

    func read<T>(_ body: (any StoreTransaction) throws -> T) throws -> T { try body(transaction) }

    func write<T>(survey: SurveyID?, _ body: (any StoreTransaction) throws -> T) throws -> T {
        preconditionFailure("a snapshot of the store was asked to write")
    }

    func writeApart<T>(_ body: (any StoreTransaction) throws -> T) throws -> T {
        preconditionFailure("a snapshot of the store was asked to write")
    }

    func close() {}
}
