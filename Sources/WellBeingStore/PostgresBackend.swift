#if PostgreSQL
import Foundation
import Logging
import NIOCore
import NIOSSL
import PostgresNIO
import WellBeingCore

/// The store as a database on a PostgreSQL server: for a division or a prefecture that shares one store.
///
/// Each transaction runs on one connection for its whole `BEGIN…COMMIT` (`PostgresConnections`: the store's own
/// connection, or one leased from a pool when transactions overlap), so a server's readers and an import run at
/// once through one store. The calling thread (the CLI's, or a server's blocking-work thread) waits for each answer;
/// rows stream to it from a task that awaits when the caller falls behind, on the connection's event loop, so
/// nothing waits on an event loop or needs a cooperative thread. A connection that fails its `ROLLBACK` is closed,
/// never used again; the store's own connection, when lost, is made again.
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
    let connections: PostgresConnections
    private let logger: Logger
    /// How long a writer waits for another writer's transaction (PostgreSQL `lock_timeout`).
    private let lockTimeout: TimeInterval
    /// What ends a failed transaction: `ROLLBACK` (tests give a statement that fails, to see the connection discarded).
    let rollbackStatement: String

    var displayName: String { location.displayName }

    init(url: String, busyTimeout: TimeInterval, access: StoreAccess, rollbackStatement: String = "ROLLBACK") throws {
        location = try PostgresLocation(url: url)
        self.access = access
        self.rollbackStatement = rollbackStatement
        // An import of a million respondents holds the write lock for some seconds; a server store is shared,
        // so a writer waits longer than on a file before it gives up with "busy".
        lockTimeout = max(busyTimeout, 300)
        logger = Logger(label: "wellbeing.store") { _ in SwiftLogNoOpLogHandler() }
        do {
            connections = try PostgresConnections(location: location, logger: logger, leaseTimeout: lockTimeout)
        } catch {
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

    func close() { connections.close() }

    // MARK: Transactions

    func read<T>(_ body: (any StoreTransaction) throws -> T) throws -> T {
        try transaction(begin: "BEGIN ISOLATION LEVEL REPEATABLE READ, READ ONLY", lock: nil, body)
    }

    func write<T>(survey: SurveyID?, _ body: (any StoreTransaction) throws -> T) throws -> T {
        // Read committed: after the lock is granted, every statement sees what the previous writer committed.
        return try transaction(begin: "BEGIN ISOLATION LEVEL READ COMMITTED", lock: survey.map(WriteLock.survey) ?? .wholeStore, body)
    }

    func writeApart<T>(_ body: (any StoreTransaction) throws -> T) throws -> T {
        try transaction(begin: "BEGIN ISOLATION LEVEL READ COMMITTED", lock: .none, body)
    }

    /// The advisory lock a write takes: one survey's (beside a shared hold of the whole store's), the whole store's,
    /// or none (records apart from the batches).
    private enum WriteLock {
        case survey(SurveyID), wholeStore, none
    }

    /// A connection for one transaction, its failure said as the tool's error.
    private func lease() throws -> PostgresLease {
        do {
            return try connections.lease()
        } catch {
            throw Self.translate(error, location: location, access: access, connecting: true)
        }
    }

    /// Runs `body` between `begin` and `COMMIT` on one leased connection; on any error rolls back, and closes the
    /// connection when the rollback fails (its state is then unknown).
    ///
    /// - Parameter lock: nil for a read; for a write, the lock it takes.
    private func transaction<T>(begin: String, lock: WriteLock?, _ body: (any StoreTransaction) throws -> T) throws -> T {
        let lease = try lease()
        var discard = false
        defer { lease.giveBack(discard) }
        let transaction = PostgresTransaction(connection: lease.connection, watch: lease.watch, logger: logger)
        do {
            try transaction.execute(begin)
            if let lock {
                try transaction.execute("SET LOCAL lock_timeout = '\(Int(lockTimeout * 1000))ms'")
                switch lock {
                case .survey(let survey):
                    try transaction.execute("SELECT pg_advisory_xact_lock_shared(\(Self.writeLockKey))")
                    try transaction.execute("SELECT pg_advisory_xact_lock(\(Self.surveyLockClass), hashtext(?))", [survey.rawValue])
                case .wholeStore:
                    try transaction.execute("SELECT pg_advisory_xact_lock(\(Self.writeLockKey))")
                case .none:
                    break
                }
            }
            let result = try body(transaction)
            try transaction.execute("COMMIT")
            return result
        } catch {
            discard = !rollBack(transaction)
            if error is StoreRow.Mismatch { throw error }  // said by the store, which knows it as damage
            throw Self.translate(error, location: location, access: lock != nil ? access : .read)
        }
    }

    /// Ends a failed transaction; false when the connection may still be inside it (the rollback failed).
    private func rollBack(_ transaction: PostgresTransaction) -> Bool {
        try? transaction.waitForPending()
        guard !transaction.connection.isClosed else { return true }  // the server ended the transaction itself
        do {
            try transaction.execute(rollbackStatement)
            return true
        } catch {
            return false
        }
    }

    // MARK: Schema

    /// Checks what the database holds, and migrates it (one process at a time) when this command may write.
    private func prepareSchema() throws {
        let lease = try connections.lease()
        var discard = false
        defer { lease.giveBack(discard) }
        let transaction = PostgresTransaction(connection: lease.connection, watch: lease.watch, logger: logger)
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
            discard = !rollBack(transaction)
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
        // A task reads the answer as an async row sequence and hands the rows over; this thread converts and
        // consumes them, so reading the network and decoding overlap. When this thread falls behind, the task
        // awaits, and the sequence's back-pressure stops reading the socket: no thread waits on the event loop.
        let feed = RowFeed()
        let query = try query(sql, arguments.storeValues)
        guard let watching = watch.onClose({ feed.finish(.failure(ConnectionWatch.Closed())) }) else {
            throw ConnectionWatch.Closed()
        }
        defer { watch.forget(watching) }
        let connection = connection, logger = logger
        _ = PostgresConnections.task(on: connection.eventLoop) {
            do {
                for try await row in try await connection.query(query, logger: logger) {
                    guard await feed.push(row) else { break }
                }
                feed.finish(.success(()))
            } catch {
                feed.finish(.failure(error))
            }
        }
        do {
            while let row = try feed.pop() { try body(try Self.row(row)) }
        } catch {
            // The task stops at its next row; the statement is done with before the transaction goes on.
            feed.abandon()
            feed.waitUntilFinished()
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

    /// Registers `fail`, to be called if the connection closes before `forget`; nil (and never called) when the
    /// connection has closed already.
    func onClose(_ fail: @escaping @Sendable () -> Void) -> Int? {
        lock.withLock {
            guard !closed else { return nil }
            next += 1
            waiting[next] = fail
            return next
        }
    }

    func forget(_ id: Int) {
        lock.withLock { waiting[id] = nil }
    }

    /// `future`, failed with `Closed` if the connection closes before it completes.
    func watched<T: Sendable>(_ future: EventLoopFuture<T>) -> EventLoopFuture<T> {
        let answer = future.eventLoop.makePromise(of: T.self)
        guard let id = onClose({ answer.fail(Closed()) }) else {
            answer.fail(Closed())
            return answer.futureResult
        }
        future.whenComplete { result in
            self.forget(id)
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

/// Rows handed from the task that reads a query's answer to the thread that consumes them, at most `limit`
/// waiting. A full feed makes the task await (holding no thread) until the reader has taken half, so it stops asking
/// the row sequence for more, whose back-pressure stops reading the socket: a large answer never sits in memory
/// whole, and no event loop is held.
private final class RowFeed: @unchecked Sendable {
    private let condition = NSCondition()
    private var rows: [PostgresRow] = []
    private var head = 0
    private var outcome: Result<Void, Error>?
    private var abandoned = false
    /// The task, awaiting room.
    private var producer: CheckedContinuation<Void, Never>?
    private let limit = 64

    /// Hands over a row, awaiting room when the feed is full; false once the reader has stopped.
    func push(_ row: PostgresRow) async -> Bool {
        while true {
            if let accepted = offer(row) { return accepted }
            await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
                let parked: Bool = condition.withLock {
                    guard !abandoned, rows.count - head >= limit else { return false }
                    producer = continuation
                    return true
                }
                if !parked { continuation.resume() }
            }
        }
    }

    /// True when taken, false when the reader has stopped, nil when the feed is full.
    private func offer(_ row: PostgresRow) -> Bool? {
        condition.withLock {
            if abandoned { return false }
            guard rows.count - head < limit else { return nil }
            rows.append(row)
            condition.signal()
            return true
        }
    }

    /// The end of the rows: the query's outcome (the first one given counts).
    func finish(_ result: Result<Void, Error>) {
        condition.withLock {
            if outcome == nil { outcome = result }
            condition.broadcast()
        }
    }

    /// The reader stopped (its body threw): the task is told at its next row.
    func abandon() {
        let producer: CheckedContinuation<Void, Never>? = condition.withLock {
            abandoned = true
            rows.removeAll()
            head = 0
            defer { self.producer = nil }
            return self.producer
        }
        producer?.resume()
    }

    /// Waits until the task has ended (or the connection closed).
    func waitUntilFinished() {
        condition.withLock {
            while outcome == nil { condition.wait() }
        }
    }

    /// The next row; nil at the end; the query's error if it failed.
    func pop() throws -> PostgresRow? {
        condition.lock()
        while head == rows.count && outcome == nil { condition.wait() }
        guard head < rows.count else {
            condition.unlock()
            try outcome?.get()
            return nil
        }
        let row = rows[head]
        head += 1
        if head == rows.count {
            rows.removeAll(keepingCapacity: true)
            head = 0
        } else if head >= 1024 {
            rows.removeFirst(head)
            head = 0
        }
        var resumed: CheckedContinuation<Void, Never>?
        if rows.count - head <= limit / 2 {
            resumed = producer
            producer = nil
        }
        condition.unlock()
        resumed?.resume()
        return row
    }
}
#endif
