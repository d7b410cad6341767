#if PostgreSQL
import Foundation
import Logging
import NIOCore
import NIOPosix
import NIOSSL
import PostgresNIO
import WellBeingCore

/// Where a PostgreSQL store's transactions get their connections, one connection per transaction for its whole
/// `BEGIN…COMMIT`.
///
/// The store's own connection, made directly when the store opens (so that a server that cannot be reached, refuses
/// the login or fails TLS is said at once, with its own message), serves one transaction at a time, and is made again
/// the same way when it was lost. A transaction that starts while another holds it leases a connection from a
/// `PostgresClient` pool instead, so that a server's readers and an import run at once; the pool runs as a service
/// in a task this object owns (started by the first such transaction, ended by `close()`). A connection whose
/// transaction could not be rolled back is closed, never lent again.
///
/// The pool retries a failed connection quietly and its leases wait meanwhile, so a lease that waits long makes a
/// connection of its own to learn why: when that fails too, its error is the transaction's (as at opening).
///
/// Callers are synchronous and block their own thread while they wait; the tasks that lease connections and read
/// rows prefer a connection's event loop as executor, so they never need one of the few cooperative threads (which
/// synchronous callers, such as tests, may be holding).
final class PostgresConnections: @unchecked Sendable {
    let location: PostgresLocation
    let logger: Logger
    /// Event loops for every connection: NIO's process-wide group, so a store opened per request costs no threads.
    let group: any EventLoopGroup = MultiThreadedEventLoopGroup.singleton
    /// How long a lease waits for the pool before a connection of its own checks that the server can be reached.
    let probeInterval: TimeInterval
    /// How long a lease waits in all before the store is said to be busy (every pooled connection in use).
    let leaseTimeout: TimeInterval
    /// The most connections the pool opens besides the store's own.
    static let poolSize = 8

    private let lock = NSLock()
    /// The store's own connection; nil until made again after it was lost or discarded. Guarded by `lock`.
    private var own: PostgresConnection?
    /// Whether a transaction holds the store's own connection. Guarded by `lock`.
    private var ownInUse = false
    /// The pool and the task running it, once a transaction needed it. Guarded by `lock`.
    private var pool: (client: PostgresClient, service: Task<Void, Never>)?
    private var closed = false
    private let watches = ConnectionWatches()

    /// Connects the store's own connection.
    ///
    /// - Throws: the connection's failure, as postgres-nio reports it (the backend translates it).
    init(location: PostgresLocation, logger: Logger, probeInterval: TimeInterval = 2, leaseTimeout: TimeInterval) throws {
        self.location = location
        self.logger = logger
        self.probeInterval = probeInterval
        self.leaseTimeout = leaseTimeout
        own = try connect()
    }

    /// A connection made directly (not pooled), waited for on the calling thread.
    func connect() throws -> PostgresConnection {
        try PostgresConnection.connect(on: group.next(), configuration: try Self.configuration(location),
                                       id: 0, logger: logger).wait()
    }

    /// A connection for one transaction: the store's own when it is free, else one of the pool.
    ///
    /// - Throws: a connection failure (of the store's own connection made again, or of the check a long lease
    ///   makes), untranslated; `WellBeingError` `storeBusy` when the pool has no connection free for `leaseTimeout`.
    func lease() throws -> PostgresLease {
        let ownFree: Bool = lock.withLock {
            guard !ownInUse, !closed else { return false }
            ownInUse = true
            return true
        }
        if ownFree {
            do {
                let connection = try ownConnection()
                return PostgresLease(connection: connection, watch: watches.watch(connection)) { discard in
                    self.giveBackOwn(connection, discard: discard)
                }
            } catch {
                lock.withLock { ownInUse = false }
                throw error
            }
        }
        return try leaseFromPool()
    }

    /// The store's own connection, made again when it was lost or discarded. Called holding `ownInUse`.
    private func ownConnection() throws -> PostgresConnection {
        if let own = lock.withLock({ own }), !own.isClosed { return own }
        let made = try connect()
        lock.withLock { own = made }
        return made
    }

    private func giveBackOwn(_ connection: PostgresConnection, discard: Bool) {
        if discard {
            lock.withLock { if own === connection { own = nil } }
            close(connection)
        }
        lock.withLock { ownInUse = false }
    }

    private func close(_ connection: PostgresConnection) {
        if !connection.isClosed { _ = try? connection.close().wait() }
    }

    /// A connection leased from the pool (started on first use), waited for on the calling thread.
    private func leaseFromPool() throws -> PostgresLease {
        let client = try startedPool()
        let handoff = LeaseHandoff()
        let loop = group.next()
        let leasing = Self.task(on: loop) {
            do {
                try await client.withConnection { connection in
                    // Lent to the caller until it gives the connection back; one whose transaction could not be rolled
                    // back is closed before the pool sees it again, so the pool drops it.
                    guard let discard = await handoff.lend(connection) else { return }
                    if discard { try? await connection.close() }
                }
            } catch {
                handoff.fail(error)
            }
        }
        let started = Date()
        while true {
            switch handoff.wait(seconds: probeInterval) {
            case let .lent(connection):
                return PostgresLease(connection: connection, watch: watches.watch(connection)) { discard in handoff.giveBack(discard: discard) }
            case let .failed(error):
                throw error
            case .waiting:
                // The pool may be failing to connect (it retries quietly): a connection of our own says why.
                do {
                    close(try connect())
                } catch {
                    if handoff.abandon() { handoff.giveBack(discard: false) }
                    leasing.cancel()
                    throw error
                }
                if Date().timeIntervalSince(started) >= leaseTimeout {
                    if handoff.abandon() { handoff.giveBack(discard: false) }
                    leasing.cancel()
                    throw WellBeingError(.storeBusy, Message(.storeBusy, ["path": location.displayName]))
                }
            }
        }
    }

    /// The pool, started (its `run()` in a task of its own) when first needed.
    private func startedPool() throws -> PostgresClient {
        let configuration = try Self.poolConfiguration(location)
        return try lock.withLock {
            if let pool { return pool.client }
            guard !closed else { throw WellBeingError(.internalFailure, Message(.storeFailed, ["path": location.displayName, "detail": "closed"])) }
            let client = PostgresClient(configuration: configuration, eventLoopGroup: group, backgroundLogger: logger)
            let service = Self.task(on: group.next()) { await client.run() }
            pool = (client, service)
            return client
        }
    }

    /// Closes the store's own connection and ends the pool's service (which closes the pool's connections).
    func close() {
        let (connection, service): (PostgresConnection?, Task<Void, Never>?) = lock.withLock {
            closed = true
            defer { own = nil; pool = nil }
            return (own, pool?.service)
        }
        if let connection { close(connection) }
        service?.cancel()
    }

    /// Runs `work` in a task that prefers `loop` as its executor: it runs there between its waits, never on a
    /// cooperative thread, and it never blocks (it only awaits).
    static func task<T: Sendable>(on loop: any EventLoop, _ work: @escaping @Sendable () async -> T) -> Task<T, Never> {
        if #available(macOS 15, iOS 18, tvOS 18, watchOS 11, *) {
            return Task(executorPreference: EventLoopTaskExecutor(loop)) { await work() }
        }
        return Task { await work() }
    }

    // MARK: Configuration

    /// How to reach the server: host and port or a socket folder, TLS as the URL's `sslmode` asks, the password,
    /// `application_name`, a connection timeout of 15 s.
    static func configuration(_ location: PostgresLocation) throws -> PostgresConnection.Configuration {
        try settings(location)
    }

    /// The same for the pool's connections, at most `poolSize` of them.
    static func poolConfiguration(_ location: PostgresLocation) throws -> PostgresClient.Configuration {
        var configuration: PostgresClient.Configuration = try settings(location)
        configuration.options.maximumConnections = poolSize
        return configuration
    }

    private static func settings<Settings: PostgresSettings>(_ location: PostgresLocation) throws -> Settings {
        var settings: Settings
        if let folder = location.socketFolder {
            settings = Settings(unixSocketPath: folder + "/.s.PGSQL.\(location.port)", username: location.user,
                                password: location.password, database: location.database)
        } else {
            settings = Settings(host: location.host, port: location.port, username: location.user,
                                password: location.password, database: location.database, tls: try Settings.tls(location))
        }
        settings.setOptions(connectTimeoutSeconds: 15, startup: [("application_name", location.applicationName)])
        return settings
    }

    /// TLS as `sslmode` asks: nil for `disable`; else the settings and whether TLS is required (`prefer` and
    /// `allow` fall back to a plain connection when the server offers none).
    static func tlsSettings(_ location: PostgresLocation) throws -> (TLSConfiguration, required: Bool)? {
        switch location.tlsMode {
        case .disable:
            return nil
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
            return (settings, !(location.tlsMode == .prefer || location.tlsMode == .allow))
        }
    }
}

/// The two configurations postgres-nio takes, a connection's and a pool's, built alike from a store's URL.
protocol PostgresSettings {
    associatedtype TLS
    init(unixSocketPath: String, username: String, password: String?, database: String?)
    init(host: String, port: Int, username: String, password: String?, database: String?, tls: TLS)
    /// TLS as the URL's `sslmode` asks.
    static func tls(_ location: PostgresLocation) throws -> TLS
    mutating func setOptions(connectTimeoutSeconds: Int64, startup: [(String, String)])
}

extension PostgresConnection.Configuration: PostgresSettings {
    static func tls(_ location: PostgresLocation) throws -> TLS {
        guard let (settings, required) = try PostgresConnections.tlsSettings(location) else { return .disable }
        let context = try NIOSSLContext(configuration: settings)
        return required ? .require(context) : .prefer(context)
    }

    mutating func setOptions(connectTimeoutSeconds: Int64, startup: [(String, String)]) {
        options.connectTimeout = .seconds(connectTimeoutSeconds)
        options.additionalStartupParameters = startup
    }
}

extension PostgresClient.Configuration: PostgresSettings {
    static func tls(_ location: PostgresLocation) throws -> TLS {
        guard let (settings, required) = try PostgresConnections.tlsSettings(location) else { return .disable }
        return required ? .require(settings) : .prefer(settings)
    }

    mutating func setOptions(connectTimeoutSeconds: Int64, startup: [(String, String)]) {
        options.connectTimeout = .seconds(connectTimeoutSeconds)
        options.additionalStartupParameters = startup
    }
}

/// A connection lent to one transaction; `giveBack` ends the loan (closing the connection when `discard`).
struct PostgresLease {
    let connection: PostgresConnection
    let watch: ConnectionWatch
    let giveBack: (_ discard: Bool) -> Void
}

/// The meeting point of a task that leased a pooled connection and the thread that waits for it: the task lends
/// the connection and awaits its return; the thread waits (blocking only itself) and gives it back.
private final class LeaseHandoff: @unchecked Sendable {
    enum State {
        case waiting
        case lent(PostgresConnection)
        case failed(Error)
    }

    private let condition = NSCondition()
    private var state = State.waiting
    private var abandoned = false
    /// The loan's end: whether to discard the connection; and the task awaiting it.
    private var returned: Bool?
    private var lender: CheckedContinuation<Bool, Never>?

    /// Called by the task with the leased connection; returns once the caller gave it back (whether to discard
    /// it), or nil at once when the caller no longer waits.
    func lend(_ connection: PostgresConnection) async -> Bool? {
        let taken: Bool = condition.withLock {
            guard !abandoned else { return false }
            state = .lent(connection)
            condition.broadcast()
            return true
        }
        guard taken else { return nil }
        return await withCheckedContinuation { continuation in
            let discard: Bool? = condition.withLock {
                if let returned { return returned }
                lender = continuation
                return nil
            }
            if let discard { continuation.resume(returning: discard) }
        }
    }

    func fail(_ error: Error) {
        condition.withLock {
            state = .failed(error)
            condition.broadcast()
        }
    }

    /// The connection or the failure, or `.waiting` when neither came within `seconds`.
    func wait(seconds: TimeInterval) -> State {
        condition.withLock {
            let deadline = Date().addingTimeInterval(seconds)
            while case .waiting = state, condition.wait(until: deadline) {}
            return state
        }
    }

    /// The caller stops waiting; true when the connection was lent meanwhile (and must be given back).
    func abandon() -> Bool {
        condition.withLock {
            abandoned = true
            if case .lent = state { return true }
            return false
        }
    }

    func giveBack(discard: Bool) {
        let lender: CheckedContinuation<Bool, Never>? = condition.withLock {
            returned = discard
            defer { self.lender = nil }
            return self.lender
        }
        lender?.resume(returning: discard)
    }
}

/// Runs a task's jobs on an event loop (the task prefers it as its executor), so that code which only awaits
/// needs no cooperative thread.
@available(macOS 15, iOS 18, tvOS 18, watchOS 11, *)
final class EventLoopTaskExecutor: TaskExecutor {
    let loop: any EventLoop

    init(_ loop: any EventLoop) { self.loop = loop }

    func enqueue(_ job: consuming ExecutorJob) {
        let job = UnownedJob(job)
        loop.execute { job.runSynchronously(on: self.asUnownedTaskExecutor()) }
    }
}

/// One `ConnectionWatch` per open connection, made when a connection is first lent (a pooled connection serves many
/// transactions; a watch per transaction would add a close handler to it each time).
final class ConnectionWatches: @unchecked Sendable {
    private let lock = NSLock()
    private var watches: [ObjectIdentifier: (connection: PostgresConnection, watch: ConnectionWatch)] = [:]

    func watch(_ connection: PostgresConnection) -> ConnectionWatch {
        let key = ObjectIdentifier(connection)
        let (watch, made): (ConnectionWatch, Bool) = lock.withLock {
            if let known = watches[key], known.connection === connection { return (known.watch, false) }
            let watch = ConnectionWatch(connection)
            watches[key] = (connection, watch)
            return (watch, true)
        }
        if made {
            // The entry keeps the connection alive until it closes, so no other connection can take its identifier.
            connection.closeFuture.whenComplete { _ in
                self.lock.withLock {
                    if self.watches[key]?.connection === connection { self.watches[key] = nil }
                }
            }
        }
        return watch
    }
}
#endif
