#if PostgreSQL
import Foundation
import Logging
import NIOCore
import NIOPosix
import NIOSSL
import PostgresNIO
import WellBeingCore

/// The store as a database on a PostgreSQL server: for a division or a prefecture that shares one store.
///
/// One connection per store, used synchronously by one transaction at a time (a lock keeps two tasks from
/// interleaving their `BEGIN…COMMIT` on it): each call waits for the server's answer on the calling thread
/// while the connection's own event loop thread reads the socket. A connection that fails its `ROLLBACK`, or
/// is lost, is discarded and the next transaction connects again.
///
/// The store's domain code runs unchanged on either backend. Writes are one transaction each, serialised per
/// survey by a transaction-level advisory lock (as SQLite serialises its writers), so the duplicate-file and
/// respondent-id rules, which are the survey's, hold with importers on several machines while another
/// survey's import goes on; a write for the whole store (undo, copy) excludes every survey's; readers take a
/// repeatable-read snapshot and see only committed batches. The schema is migrated by one process at a time
/// under a second advisory lock, with the same migration identifiers as SQLite.
final class PostgresBackend: StoreBackend, @unchecked Sendable {
    /// Advisory lock keys ("WBST" and "WBSM"): one for writers, one for schema migration. A write of one survey
    /// holds "WBST" shared and the pair ("WBSV", hashtext(survey)) exclusively; a write of the whole store holds
    /// "WBST" exclusively.
    static let writeLockKey: Int64 = 0x5742_5354
    static let migrationLockKey: Int64 = 0x5742_534D
    static let surveyLockClass: Int32 = 0x5742_5356

    let location: PostgresLocation
    let access: StoreAccess
    private let group: MultiThreadedEventLoopGroup
    /// Held for a whole transaction: one transaction at a time on the connection (recursive, so that a store
    /// call made inside another's transaction still fails as it did, rather than hanging).
    private let inUse = NSRecursiveLock()
    /// The connection and its watch; nil once discarded (reconnected by the next transaction). Guarded by `inUse`.
    private var current: (connection: PostgresConnection, watch: ConnectionWatch)?
    private let logger: Logger
    /// How long a writer waits for another writer's transaction (PostgreSQL `lock_timeout`).
    private let lockTimeout: TimeInterval

    var displayName: String { location.displayName }

    init(url: String, busyTimeout: TimeInterval, access: StoreAccess) throws {
        location = try PostgresLocation(url: url)
        self.access = access
        // An import of a million respondents holds the write lock for some seconds; a server store is shared,
        // so a writer waits longer than on a file before it gives up with "busy".
        lockTimeout = max(busyTimeout, 300)
        logger = Logger(label: "wellbeing.store") { _ in SwiftLogNoOpLogHandler() }
        group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        do {
            current = try Self.connect(location, on: group, logger: logger)
        } catch {
            try? group.syncShutdownGracefully()
            throw Self.translate(error, location: location, access: access, connecting: true)
        }
        do {
            try prepareSchema()
        } catch {
            close()
            throw Self.translate(error, location: location, access: access)
        }
    }

    deinit { close() }

    func close() {
        inUse.withLock { discardConnection() }
        try? group.syncShutdownGracefully()
    }

    private static func connect(_ location: PostgresLocation, on group: MultiThreadedEventLoopGroup,
                                logger: Logger) throws -> (connection: PostgresConnection, watch: ConnectionWatch) {
        let connection = try PostgresConnection.connect(on: group.next(), configuration: try configuration(location),
                                                        id: 1, logger: logger).wait()
        return (connection, ConnectionWatch(connection))
    }

    /// The open connection, connecting again when the last one was discarded. Called with `inUse` held.
    private func connection() throws -> (connection: PostgresConnection, watch: ConnectionWatch) {
        if let current, !current.connection.isClosed { return current }
        discardConnection()
        do {
            current = try Self.connect(location, on: group, logger: logger)
        } catch {
            throw Self.translate(error, location: location, access: access, connecting: true)
        }
        return current!
    }

    /// Closes the connection (a failed ROLLBACK leaves it in an unknown state; it is never used again).
    /// Called with `inUse` held.
    private func discardConnection() {
        guard let current else { return }
        self.current = nil
        if !current.connection.isClosed { try? current.connection.close().wait() }
    }

    private static func configuration(_ location: PostgresLocation) throws -> PostgresConnection.Configuration {
        let tls: PostgresConnection.Configuration.TLS
        switch location.tlsMode {
        case .disable:
            tls = .disable
        case .allow, .prefer, .require, .verifyCA, .verifyFull:
            var settings = TLSConfiguration.makeClientConfiguration()
            switch location.tlsMode {
            case .verifyFull: settings.certificateVerification = .fullVerification
            case .verifyCA: settings.certificateVerification = .noHostnameVerification
            default: settings.certificateVerification = .none
            }
            if let root = location.rootCertificate, location.tlsMode == .verifyCA || location.tlsMode == .verifyFull {
                settings.trustRoots = .file(root)
            }
            let context = try NIOSSLContext(configuration: settings)
            tls = location.tlsMode == .prefer || location.tlsMode == .allow ? .prefer(context) : .require(context)
        }
        var configuration: PostgresConnection.Configuration
        if let folder = location.socketFolder {
            configuration = .init(unixSocketPath: folder + "/.s.PGSQL.\(location.port)", username: location.user,
                                  password: location.password, database: location.database)
        } else {
            configuration = .init(host: location.host, port: location.port, username: location.user,
                                  password: location.password, database: location.database, tls: tls)
        }
        configuration.options.connectTimeout = .seconds(15)
        configuration.options.additionalStartupParameters = [("application_name", location.applicationName)]
        return configuration
    }

    // MARK: Transactions

    func read<T>(_ body: (any StoreTransaction) throws -> T) throws -> T {
        try transaction(begin: "BEGIN ISOLATION LEVEL REPEATABLE READ, READ ONLY", lock: nil, body)
    }

    func write<T>(survey: SurveyID?, _ body: (any StoreTransaction) throws -> T) throws -> T {
        // Read committed: after the lock is granted, every statement sees what the previous writer committed.
        return try transaction(begin: "BEGIN ISOLATION LEVEL READ COMMITTED", lock: .some(survey), body)
    }

    /// - Parameter lock: nil for a read; for a write, the survey it writes (nil inside: the whole store).
    private func transaction<T>(begin: String, lock: SurveyID??, _ body: (any StoreTransaction) throws -> T) throws -> T {
        inUse.lock()
        defer { inUse.unlock() }
        let (connection, watch) = try connection()
        let transaction = PostgresTransaction(connection: connection, watch: watch, logger: logger)
        do {
            try transaction.execute(begin)
            if let lock {
                try transaction.execute("SET LOCAL lock_timeout = '\(Int(lockTimeout * 1000))ms'")
                if let survey = lock {
                    try transaction.execute("SELECT pg_advisory_xact_lock_shared(\(Self.writeLockKey))")
                    try transaction.execute("SELECT pg_advisory_xact_lock(\(Self.surveyLockClass), hashtext(?))", [survey.rawValue])
                } else {
                    try transaction.execute("SELECT pg_advisory_xact_lock(\(Self.writeLockKey))")
                }
            }
            let result = try body(transaction)
            try transaction.execute("COMMIT")
            return result
        } catch {
            try? transaction.waitForPending()
            if !connection.isClosed {
                do {
                    try transaction.execute("ROLLBACK")
                } catch {
                    discardConnection()
                }
            }
            if error is StoreRow.Mismatch { throw error }  // said by the store, which knows it as damage
            throw Self.translate(error, location: location, access: lock != nil ? access : .read)
        }
    }

    // MARK: Schema

    /// Checks what the database holds, and migrates it (one process at a time) when this command may write.
    private func prepareSchema() throws {
        inUse.lock()
        defer { inUse.unlock() }
        let (connection, watch) = try connection()
        let transaction = PostgresTransaction(connection: connection, watch: watch, logger: logger)
        let server = location.displayName
        try transaction.execute("BEGIN")
        do {
            if access != .read { try transaction.execute("SELECT pg_advisory_xact_lock(\(Self.migrationLockKey))") }
            let tables = Set(try transaction.fetchTexts(
                "SELECT table_name FROM information_schema.tables WHERE table_schema = current_schema()"))
            var applied: [String] = []
            if tables.contains("grdb_migrations") {
                applied = try transaction.fetchTexts("SELECT identifier FROM grdb_migrations ORDER BY identifier")
            } else if !tables.isEmpty {
                throw WellBeingError(.badData, Message(.serverNotAStore, ["server": server]))
            }
            if applied.contains(where: { !StoreSchema.identifiers.contains($0) }) {
                throw WellBeingError(.badData, Message(.storeNewer, ["path": server, "version": ToolVersion.current]))
            }
            switch access {
            case .read, .writeExisting:
                if applied.isEmpty { throw WellBeingError(.inputMissing, Message(.serverStoreMissing, ["server": server])) }
            case .createNew:
                if !applied.isEmpty { throw WellBeingError(.cannotCreateOutput, Message(.serverStoreExists, ["server": server])) }
            case .writeOrCreate:
                break
            }
            let missing = StoreSchema.identifiers.filter { !applied.contains($0) }
            if !missing.isEmpty {
                if access == .read {
                    // A reader migrates only where it may write, as on a file, and like a writer one at a time: what
                    // another process migrated while this one waited for the lock is not done again.
                    do {
                        try transaction.execute("SELECT pg_advisory_xact_lock(\(Self.migrationLockKey))")
                        let now = try transaction.fetchTexts("SELECT identifier FROM grdb_migrations")
                        try migrate(transaction, missing: StoreSchema.identifiers.filter { !now.contains($0) }, creating: false)
                    } catch {
                        throw WellBeingError(.cannotCreateOutput, Message(.storeOlder, ["path": server]))
                    }
                } else {
                    try migrate(transaction, missing: missing, creating: applied.isEmpty)
                }
            }
            try transaction.execute("COMMIT")
        } catch {
            if !connection.isClosed {
                do { try transaction.execute("ROLLBACK") } catch { discardConnection() }
            }
            throw error
        }
    }

    private func migrate(_ transaction: PostgresTransaction, missing: [String], creating: Bool) throws {
        if creating { try transaction.execute("CREATE TABLE grdb_migrations (identifier TEXT NOT NULL PRIMARY KEY)") }
        for identifier in missing {
            for statement in PostgresSchema.statements(of: identifier) { try transaction.execute(statement) }
            try transaction.execute("INSERT INTO grdb_migrations (identifier) VALUES (?)", [identifier])
        }
    }

    // MARK: Errors

    /// Maps connection and server failures to the tool's error kinds, keeping the failure as `cause`: a server
    /// that cannot be reached → `storeUnreachable` (75, HTTP 503); a lock wait that ran out → `storeBusy` (75,
    /// HTTP 409); a refused login or TLS → `cannotCreateOutput` (73); a full disk, or a connection lost once it
    /// was made → `ioFailure` (74). Never includes the password or the query's values.
    ///
    /// What a failure means depends on whether the connection was made (`connecting`): once it was, the server
    /// going away is a lost connection whichever layer noticed it first — under TLS it arrives as NIOSSL's
    /// `uncleanShutdown` (no close_notify), which is no certificate problem. While connecting, a server that
    /// closes during the TLS handshake is unreachable (75); only a handshake the server completed and the client
    /// refused (an unknown authority, a certificate for another host) is a TLS failure (73).
    static func translate(_ error: Error, location: PostgresLocation, access: StoreAccess, connecting: Bool = false) -> WellBeingError {
        if let error = error as? WellBeingError { return error }
        var mapped = kind(of: error, location: location, access: access, connecting: connecting)
        mapped.cause = error
        return mapped
    }

    private static func kind(of error: Error, location: PostgresLocation, access: StoreAccess, connecting: Bool) -> WellBeingError {
        let server = location.displayName
        let refused = WellBeingError.Kind.cannotCreateOutput  // exit 73, reading or writing
        let closedDetail = Message(.serverClosedConnection)
        if !connecting && isConnectionLoss(error) {
            return WellBeingError(.ioFailure, Message(.serverLost, ["server": server]).localizingArgument("detail", closedDetail))
        }
        if let tls = error as? NIOSSLError ?? (error as? PSQLError)?.underlying as? NIOSSLError {
            if isClosedDuringHandshake(tls) {
                return WellBeingError(.storeUnreachable, Message(.serverUnreachable, ["server": server]).localizingArgument("detail", closedDetail))
            }
            return WellBeingError(refused, Message(.serverTLSFailed, ["server": server, "detail": "\(tls)".singleLineVisible]))
        }
        guard let psql = error as? PSQLError else {
            return WellBeingError(connecting ? .storeUnreachable : .internalFailure,
                                  Message(connecting ? .serverUnreachable : .storeFailed,
                                          ["server": server, "path": server, "detail": "\(error)".singleLineVisible]))
        }
        let underlying = psql.underlying.map { "\($0)".singleLineVisible } ?? ""
        switch psql.code {
        case .sslUnsupported:
            return WellBeingError(refused, Message(.serverTLSRefused, ["server": server, "mode": location.tlsMode.rawValue]))
        case .failedToAddSSLHandler, .receivedUnencryptedDataAfterSSLRequest:
            return WellBeingError(refused, Message(.serverTLSFailed, ["server": server, "detail": underlying]))
        case .authMechanismRequiresPassword:
            // No password was found; when a password file was passed over, that is the reason to give.
            guard let note = location.passwordFileNote else {
                return WellBeingError(refused, Message(.serverPasswordMissing, ["server": server, "user": location.user]))
            }
            return WellBeingError(refused, Message(.serverLoginRefused, ["server": server, "user": location.user,
                                                                          "database": location.database]).localizingArgument("detail", note))
        case .connectionError:
            return WellBeingError(.storeUnreachable, Message(.serverUnreachable, ["server": server, "detail": underlying.isEmpty ? "no connection" : underlying]))
        case .serverClosedConnection, .uncleanShutdown, .clientClosedConnection:
            return WellBeingError(.storeUnreachable, Message(.serverUnreachable, ["server": server]).localizingArgument("detail", closedDetail))
        case .server:
            let state = psql.serverInfo?[.sqlState] ?? ""
            let detail = (psql.serverInfo?[.message] ?? "").singleLineVisible
            switch state {
            case "28P01", "28000", "3D000":
                return WellBeingError(refused, Message(.serverLoginRefused, ["server": server, "user": location.user,
                                                                              "database": location.database, "detail": detail]))
            case "55P03", "40P01", "40001", "53300", "57P03":
                return WellBeingError(.storeBusy, Message(.storeBusy, ["path": server]))
            case "42501":
                return WellBeingError(refused, Message(.serverNoPermission, ["server": server, "detail": detail]))
            case "53100":
                return WellBeingError(.ioFailure, Message(.storeDiskFull, ["path": server]))
            case "57P01", "57P02":
                return WellBeingError(.ioFailure, Message(.serverLost, ["server": server, "detail": detail]))
            default:
                return WellBeingError(.internalFailure, Message(.storeFailed, ["path": server, "detail": "\(state) \(detail)"]))
            }
        default:
            return WellBeingError(.internalFailure, Message(.storeFailed, ["path": server, "detail": "\(psql.code) \(underlying)"]))
        }
    }

    /// Whether `error` says the connection went away (closed by the server, reset, cut), as opposed to an answer
    /// of the server or a mistake of this program.
    static func isConnectionLoss(_ error: Error) -> Bool {
        switch error {
        case is ConnectionWatch.Closed, is NIOSSLError, is IOError, is ChannelError:
            return true
        case let psql as PSQLError:
            switch psql.code {
            case .connectionError, .serverClosedConnection, .uncleanShutdown, .clientClosedConnection: return true
            default: return false
            }
        default:
            return false
        }
    }

    /// Whether a TLS error says the connection closed before or during the handshake, rather than that the
    /// handshake found something wrong.
    static func isClosedDuringHandshake(_ error: NIOSSLError) -> Bool {
        switch error {
        case .uncleanShutdown, .readInInvalidTLSState:
            return true
        case let .handshakeFailed(.sslError(stack)):
            return stack.contains(.eofDuringHandshake) || stack.contains(.eofDuringAdditionalCertficiateChainValidation)
        default:
            return false
        }
    }
}

/// One PostgreSQL transaction, as the store's domain code sees it: `?` placeholders become `$1…`, values are
/// bound in binary (answers as `bytea`), rows stream to the caller while the server sends them.
final class PostgresTransaction: StoreTransaction {
    let connection: PostgresConnection
    let watch: ConnectionWatch
    let logger: Logger
    var dialect: StoreDialect { .postgresql }

    init(connection: PostgresConnection, watch: ConnectionWatch, logger: Logger) {
        self.connection = connection
        self.watch = watch
        self.logger = logger
    }

    /// Sends a statement; its answer, or a failure when the connection closes first.
    private func send(_ query: PostgresQuery) -> EventLoopFuture<PostgresQueryResult> {
        watch.watched(connection.query(query, logger: logger))
    }

    /// Statements sent and not yet waited for (`executeSoon`), oldest first.
    private var pending: [EventLoopFuture<PostgresQueryResult>] = []

    func execute(_ sql: String, _ arguments: StoreArguments) throws {
        try waitForPending()
        _ = try send(try query(sql, arguments.storeValues)).wait()
    }

    func executeSoon(_ sql: String, _ arguments: StoreArguments) throws {
        // A few statements in flight: the server stores one block while this thread encodes the next.
        if pending.count >= 4 { _ = try pending.removeFirst().wait() }
        pending.append(send(try query(sql, arguments.storeValues)))
    }

    /// Waits for every statement sent by `executeSoon`; the first failure is thrown (the others fail with it).
    func waitForPending() throws {
        var failure: Error?
        for statement in pending {
            do { _ = try statement.wait() } catch { failure = failure ?? error }
        }
        pending.removeAll()
        if let failure { throw failure }
    }

    func forEachRow(_ sql: String, _ arguments: StoreArguments, _ body: (StoreRow) throws -> Void) throws {
        try waitForPending()
        // The event loop hands rows over as they arrive; this thread converts and consumes them, so reading
        // the network and decoding blocks overlap.
        let queue = RowQueue()
        let done = watch.watched(connection.query(try query(sql, arguments.storeValues), logger: logger) { row in queue.push(row) })
        done.whenComplete { result in queue.finish(result.map { _ in () }) }
        do {
            while let row = try queue.pop() { try body(try Self.row(row)) }
        } catch {
            queue.abandon()
            _ = try? done.wait()
            throw error
        }
    }

    func insertRows(into table: String, columns: [String], rows: [[StoreValue]]) throws {
        guard !rows.isEmpty else { return }
        try waitForPending()
        let prefix = "INSERT INTO \(table) (\(columns.joined(separator: ", "))) "
        // Columns of integers, numbers and text go as one array each (`unnest`): a few parameters per statement
        // however many rows (free-text answers come a few hundred per block).
        if let arrays = Self.columnArrays(rows, columnCount: columns.count) {
            var bindings = PostgresBindings(capacity: arrays.count)
            var casts: [String] = []
            for (position, array) in arrays.enumerated() {
                switch array {
                case let .integers(values): bindings.append(values); casts.append("$\(position + 1)::bigint[]")
                case let .reals(values): bindings.append(values); casts.append("$\(position + 1)::float8[]")
                case let .texts(values): bindings.append(values); casts.append("$\(position + 1)::text[]")
                }
            }
            let sql = prefix + "SELECT * FROM unnest(" + casts.joined(separator: ", ") + ")"
            _ = try send(PostgresQuery(unsafeSQL: sql, binds: bindings)).wait()
            return
        }
        // Otherwise (NULLs, bytes) multi-row VALUES; PostgreSQL takes at most 65,535 parameters a statement.
        let perStatement = max(1, min(2000, 65_535 / columns.count))
        let tuple = "(" + Array(repeating: "?", count: columns.count).joined(separator: ", ") + ")"
        var start = 0
        while start < rows.count {
            let chunk = rows[start..<min(rows.count, start + perStatement)]
            let sql = prefix + "VALUES " + Array(repeating: tuple, count: chunk.count).joined(separator: ", ")
            _ = try send(try query(sql, chunk.flatMap { $0 })).wait()
            start += perStatement
        }
    }

    /// One column's values, all of one kind and none NULL.
    enum ColumnArray {
        case integers([Int64]), reals([Double]), texts([String])
    }

    /// The rows as one array per column, or nil when a column holds NULLs, bytes or mixed kinds.
    static func columnArrays(_ rows: [[StoreValue]], columnCount: Int) -> [ColumnArray]? {
        var arrays: [ColumnArray] = []
        for column in 0..<columnCount {
            switch rows[0][column] {
            case .integer:
                var values: [Int64] = []
                values.reserveCapacity(rows.count)
                for row in rows { guard case let .integer(value) = row[column] else { return nil }; values.append(value) }
                arrays.append(.integers(values))
            case .real:
                var values: [Double] = []
                values.reserveCapacity(rows.count)
                for row in rows { guard case let .real(value) = row[column] else { return nil }; values.append(value) }
                arrays.append(.reals(values))
            case .text:
                var values: [String] = []
                values.reserveCapacity(rows.count)
                for row in rows { guard case let .text(value) = row[column] else { return nil }; values.append(value) }
                arrays.append(.texts(values))
            case .null, .blob:
                return nil
            }
        }
        return arrays
    }

    /// Statements already rewritten to `$n` placeholders (an import repeats a few statements many times).
    private var rewritten: [String: String] = [:]

    /// The statement with `$n` placeholders and its values bound (in binary; answers as `bytea`).
    func query(_ sql: String, _ values: [StoreValue]) throws -> PostgresQuery {
        let text: String
        if let known = rewritten[sql] {
            text = known
        } else {
            text = Self.numberedPlaceholders(sql)
            if rewritten.count < 64 { rewritten[sql] = text }
        }
        var bindings = PostgresBindings(capacity: values.count)
        for value in values {
            switch value {
            case .null: bindings.appendNull()
            case let .integer(number): bindings.append(number)
            case let .real(number): bindings.append(number)
            case let .text(string): bindings.append(string)
            case let .blob(data): try bindings.append(data)
            }
        }
        return PostgresQuery(unsafeSQL: text, binds: bindings)
    }

    /// `?` outside quoted literals → `$1`, `$2`, … (over UTF-8 bytes: `?` and `'` never occur inside a
    /// multi-byte character).
    static func numberedPlaceholders(_ sql: String) -> String {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(sql.utf8.count + 16)
        var number = 0
        var quoted = false
        for byte in sql.utf8 {
            if byte == UInt8(ascii: "'") { quoted.toggle() }
            if byte == UInt8(ascii: "?") && !quoted {
                number += 1
                bytes.append(UInt8(ascii: "$"))
                bytes.append(contentsOf: String(number).utf8)
            } else {
                bytes.append(byte)
            }
        }
        return String(decoding: bytes, as: UTF8.self)
    }

    static func row(_ row: PostgresRow) throws -> StoreRow {
        var values: [StoreValue] = []
        for cell in row {
            guard cell.bytes != nil else { values.append(.null); continue }
            switch cell.dataType {
            case .int2, .int4, .int8: values.append(.integer(try cell.decode(Int64.self)))
            case .float4, .float8: values.append(.real(try cell.decode(Double.self)))
            case .numeric: values.append(.real(try cell.decode(Double.self)))
            case .bool: values.append(.integer(try cell.decode(Bool.self) ? 1 : 0))
            case .bytea: values.append(.blob(try cell.decode(Data.self)))
            default: values.append(.text(try cell.decode(String.self)))
            }
        }
        return StoreRow(values)
    }
}

/// Rows handed from the event loop to the thread that reads them, at most `limit` waiting: a full queue holds
/// the event loop (and so the socket) until the reader catches up, so a large query never sits in memory whole.
/// Fails every statement still waited for when the connection closes. postgres-nio writes a statement to a
/// connection that is closing without a promise for the write, so a statement sent as the server goes away (seen
/// under TLS, where the close takes a few more steps) is never answered and its waiter would hang for good.
final class ConnectionWatch: @unchecked Sendable {
    /// What a statement fails with when the connection closed before its answer came.
    struct Closed: Error {}

    private let lock = NSLock()
    private var closed = false
    private var waiting: [Int: @Sendable () -> Void] = [:]
    private var next = 0

    init(_ connection: PostgresConnection) {
        connection.closeFuture.whenComplete { _ in self.closeAll() }
    }

    /// `future`, failed with `Closed` if the connection closes before it completes.
    func watched<T: Sendable>(_ future: EventLoopFuture<T>) -> EventLoopFuture<T> {
        let answer = future.eventLoop.makePromise(of: T.self)
        let id: Int? = lock.withLock {
            guard !closed else { return nil }
            next += 1
            waiting[next] = { answer.fail(Closed()) }
            return next
        }
        guard let id else {
            answer.fail(Closed())
            return answer.futureResult
        }
        future.whenComplete { result in
            self.lock.withLock { self.waiting[id] = nil }
            answer.completeWith(result)
        }
        return answer.futureResult
    }

    private func closeAll() {
        let failures = lock.withLock {
            closed = true
            defer { waiting.removeAll() }
            return Array(waiting.values)
        }
        for fail in failures { fail() }
    }
}

private final class RowQueue: @unchecked Sendable {
    private let condition = NSCondition()
    private var rows: [PostgresRow] = []
    private var head = 0
    private var outcome: Result<Void, Error>?
    private var abandoned = false
    private let limit = 64

    func push(_ row: PostgresRow) {
        condition.lock()
        defer { condition.unlock() }
        while rows.count - head >= limit && !abandoned { condition.wait() }
        guard !abandoned else { return }
        rows.append(row)
        condition.broadcast()
    }

    func finish(_ result: Result<Void, Error>) {
        condition.lock()
        outcome = result
        condition.broadcast()
        condition.unlock()
    }

    /// The reader stopped (its body threw): the remaining rows are dropped as they come.
    func abandon() {
        condition.lock()
        abandoned = true
        rows.removeAll()
        head = 0
        condition.broadcast()
        condition.unlock()
    }

    /// The next row; nil at the end; the query's error if it failed.
    func pop() throws -> PostgresRow? {
        condition.lock()
        defer { condition.unlock() }
        while head == rows.count && outcome == nil { condition.wait() }
        if head < rows.count {
            let row = rows[head]
            head += 1
            if head == rows.count {
                rows.removeAll(keepingCapacity: true)
                head = 0
            } else if head >= 1024 {
                rows.removeFirst(head)
                head = 0
            }
            condition.broadcast()
            return row
        }
        try outcome?.get()
        return nil
    }
}
#endif
