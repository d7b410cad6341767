#if Server
import Crypto
import Foundation
import Logging
import WellBeingCore
import WellBeingStore
import WellBeingWorkspace

/// What a signed-in person may do: viewer (figures, reports), importer (+ imports, undo), admin (+ accounts).
public typealias Role = AccountRole

/// A signed-in browser: who, with which role, and the token its state-changing requests must carry.
public struct Session: Sendable {
    public var id: String
    /// The account's name; the analyst at the server's own console for the one-time login.
    public var user: String
    public var role: Role
    /// The CSRF token: every POST carries it (`X-CSRF-Token` or a `csrf` form field).
    public var csrf: String
    var lastSeen: Date
    /// Whether the store keeps it (an account's session; the one-time login's lives in memory only).
    var kept = false
    /// When the store was last asked whether the session and its account still stand, and its role.
    var checkedAt = Date()
    /// The last use written to the store.
    var keptSeen = Date()
    /// What the store keeps of the cookie (`Sessions.storedHash`), made once; empty when not kept.
    var keptHash = ""
}

/// Where the sessions of accounts are kept beyond this process's memory: the store, as the SHA-256 of each cookie.
/// A restart then signs nobody out, and several servers on one store (behind one proxy) share them.
public struct SessionRecords: Sendable {
    /// The store as messages name it.
    let path: String
    /// A store to read sessions from.
    let reading: @Sendable () throws -> SurveyStore
    /// A store to write them to, or nil when this process may not write the store (sessions stay in memory).
    let writing: @Sendable () throws -> SurveyStore?
}

/// The server's sessions and its one-time login token, and the login throttle.
///
/// The one-time login's session lives in this process's memory (a restart prints a new address). Accounts'
/// sessions are also kept in the store (`SessionRecords`): written behind the request in order, so a sign-in never
/// waits for an import's write lock, and read again every `recheckSeconds`, so that an account removed, given a new
/// password or another role, or a browser signed out on another server, counts within that time.
public actor Sessions {
    private var sessions: [String: Session] = [:]
    private var loginToken: String?
    private var failedLogins: [String: [Date]] = [:]
    private let idleSeconds: TimeInterval
    private let records: SessionRecords?
    /// Whether people sign in with accounts (then a page without a session sends the browser to the sign-in form).
    public nonisolated let signInWithAccounts: Bool
    private let recheckSeconds: TimeInterval
    private let logger: Logger?
    /// Writes to the store not yet made, in order, and the task making them.
    private var pending: [KeptChange] = []
    private var writer: Task<Void, Never>?
    /// Sessions (cookie values) whose row is not in the store yet (a recheck must not take them for removed).
    private var unwritten: Set<String> = []
    /// Failed logins allowed from one client per minute before it must wait.
    static let failedLoginsPerMinute = 10

    /// - Parameters:
    ///   - loginToken: the token of the printed login address, usable once; nil when accounts sign in.
    ///   - records: where accounts' sessions are kept; nil keeps every session in memory only.
    ///   - recheckSeconds: how often a session in memory is checked against the store.
    public init(loginToken: String?, idleSeconds: TimeInterval, records: SessionRecords? = nil, recheckSeconds: TimeInterval = 30,
                logger: Logger? = nil) {
        self.loginToken = loginToken
        self.signInWithAccounts = loginToken == nil
        self.idleSeconds = idleSeconds
        self.records = records
        self.recheckSeconds = recheckSeconds
        self.logger = logger
    }

    /// A new random token: 32 bytes from the system's secure generator, as URL-safe text.
    public static func randomToken() -> String {
        var generator = SystemRandomNumberGenerator()
        let bytes = (0..<32).map { _ in UInt8.random(in: .min ... .max, using: &generator) }
        return urlSafe(Data(bytes))
    }

    static func urlSafe(_ data: Data) -> String {
        data.base64EncodedString()
            .replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_")
            .replacingOccurrences(of: "=", with: "")
    }

    /// What the store keeps of a session cookie: its SHA-256 in hex (the cookie cannot be had back from it).
    static func storedHash(of id: String) -> String {
        SHA256.hash(data: Data(id.utf8)).map { String(format: "%02x", $0) }.joined()
    }

    /// A session's CSRF token, made from its cookie (so a server that finds the session in the store knows it too)
    /// and different from what the store keeps.
    static func csrfToken(for id: String) -> String {
        urlSafe(Data(SHA256.hash(data: Data(("wellbeing csrf\u{0}" + id).utf8))))
    }

    /// Whether `client` has failed to log in too often in the last minute.
    public func isThrottled(_ client: String) -> Bool {
        let recent = (failedLogins[client] ?? []).filter { $0.timeIntervalSinceNow > -60 }
        failedLogins[client] = recent.isEmpty ? nil : recent
        return recent.count >= Self.failedLoginsPerMinute
    }

    /// Counts a failed login of `client`.
    public func recordFailedLogin(_ client: String) {
        failedLogins[client, default: []].append(Date())
    }

    /// Takes the one-time token: a new session for the analyst when `token` is it (the token is then spent).
    public func logIn(token: String) -> Session? {
        guard let expected = loginToken, Self.sameText(token, expected) else { return nil }
        loginToken = nil
        return open(user: "analyst", role: .admin)
    }

    /// A new session for `user`; `keep` (an account's) also keeps it in the store, when there is one to write.
    public func open(user: String, role: Role, keep: Bool = false) -> Session {
        let id = Self.randomToken()
        let now = Date()
        var session = Session(id: id, user: user, role: role, csrf: Self.csrfToken(for: id), lastSeen: now)
        if keep, records != nil {
            session.kept = true
            session.checkedAt = now
            session.keptSeen = now
            session.keptHash = Self.storedHash(of: id)
            unwritten.insert(id)
            change(.add(id: id, hash: session.keptHash, account: user, at: now))
            change(.sweep(before: now.addingTimeInterval(-idleSeconds)))
        }
        sessions[id] = session
        return session
    }

    /// The live session of cookie value `id`, if any: from memory, else from the store (a session of an earlier run
    /// or of another server); an idle one is closed.
    public func session(_ id: String) async -> Session? {
        let now = Date()
        guard var session = sessions[id] else { return await keptSession(id, now: now) }
        if now.timeIntervalSince(session.lastSeen) > idleSeconds {
            sessions[id] = nil
            // Idle here, but another server on the store may have used it meanwhile: the store's last use decides.
            return session.kept ? await keptSession(id, now: now) : nil
        }
        session.lastSeen = now
        if session.kept, let records, now.timeIntervalSince(session.checkedAt) >= recheckSeconds, !unwritten.contains(id) {
            session.checkedAt = now
            sessions[id] = session
            // A store that cannot be read just now signs nobody out; the next request asks again.
            guard let stored = await Self.lookUp(session.keptHash, in: records) else { return session }
            guard let stored, sessions[id] != nil else {
                sessions[id] = nil
                return nil
            }
            session.role = stored.account.role
        }
        if session.kept, now.timeIntervalSince(session.keptSeen) > min(300, idleSeconds / 10) {
            session.keptSeen = now
            change(.touch(hash: session.keptHash, at: now))
        }
        sessions[id] = session
        return session
    }

    /// The session the store keeps for cookie value `id`, now also in memory.
    private func keptSession(_ id: String, now: Date) async -> Session? {
        guard let records, !id.isEmpty, id.count <= 128 else { return nil }
        let hash = Self.storedHash(of: id)
        guard let found = await Self.lookUp(hash, in: records), let stored = found else {
            return nil
        }
        if now.timeIntervalSince(stored.lastSeen) > idleSeconds {
            change(.remove(hash: hash))
            return nil
        }
        if let known = sessions[id] { return known }  // found by a request that asked meanwhile
        let session = Session(id: id, user: stored.account.name, role: stored.account.role, csrf: Self.csrfToken(for: id),
                              lastSeen: now, kept: true, checkedAt: now, keptSeen: stored.lastSeen, keptHash: hash)
        sessions[id] = session
        return session
    }

    /// The session the store keeps under `hash` (`.some(nil)`: none), or nil when the store cannot be read just now.
    private static func lookUp(_ hash: String, in records: SessionRecords) async -> StoredSession?? {
        do {
            return .some(try await BlockingWork.run { try records.reading().storedSession(idHash: hash) })
        } catch {
            return nil
        }
    }

    /// Ends a session (log out), here and in the store.
    public func close(_ id: String) {
        guard let session = sessions.removeValue(forKey: id) else {
            if records != nil { change(.remove(hash: Self.storedHash(of: id))) }  // one this process has not seen
            return
        }
        if session.kept { change(.remove(hash: session.keptHash)) }
    }

    /// Waits until every change to the kept sessions is written (the server stops).
    public func finishWriting() async {
        while let writer { await writer.value }
    }

    // MARK: Writing behind

    /// A change to the sessions the store keeps.
    private enum KeptChange {
        case add(id: String, hash: String, account: String, at: Date)
        case touch(hash: String, at: Date)
        case remove(hash: String)
        case sweep(before: Date)
    }

    /// Queues `kept` to be written in order after the ones before it.
    private func change(_ kept: KeptChange) {
        pending.append(kept)
        if writer == nil { writer = Task { await self.writePending() } }
    }

    private func writePending() async {
        while !pending.isEmpty {
            let next = pending.removeFirst()
            let failure = await write(next)
            if case let .add(id, _, account, _) = next {
                unwritten.remove(id)
                if let failure {
                    // The account went meanwhile: its session ends; a store this process cannot write keeps it in memory.
                    if failure.kind == .notFound { sessions[id] = nil } else { sessions[id]?.kept = false }
                    logger?.warning("the session of \(account) is kept in this server's memory only: \(failure.message.text(in: .en))")
                }
            }
        }
        writer = nil
    }

    /// Writes one change, waiting out a store busy with an import for up to three minutes (each try waits the
    /// store's own busy timeout first); the error it ended with.
    private func write(_ kept: KeptChange) async -> WellBeingError? {
        guard let records else { return nil }
        let start = Date()
        while true {
            do {
                try await BlockingWork.run {
                    guard let store = try records.writing() else {
                        throw WellBeingError(.cannotCreateOutput, Message(.storeCannotWrite, ["path": records.path, "detail": "read-only"]))
                    }
                    switch kept {
                    case let .add(_, hash, account, time): try store.addSession(idHash: hash, account: account, at: time)
                    case let .touch(hash, time): try store.touchSession(idHash: hash, at: time)
                    case let .remove(hash): try store.removeSession(idHash: hash)
                    case let .sweep(time): try store.removeSessions(lastSeenBefore: time)
                    }
                }
                return nil
            } catch let error as WellBeingError where error.kind == .storeBusy && Date().timeIntervalSince(start) < 180 {
                try? await Task.sleep(for: .seconds(1))
            } catch {
                let failure = (error as? WellBeingError)
                    ?? WellBeingError(.internalFailure, Message(.storeFailed, ["path": records.path, "detail": "\(type(of: error))"]))
                if case .add = kept {} else { logger?.warning("a session change was not written to the store: \(failure.message.text(in: .en))") }
                return failure
            }
        }
    }

    /// Compares two secrets in time that does not depend on where they differ.
    static func sameText(_ a: String, _ b: String) -> Bool {
        let left = Array(a.utf8), right = Array(b.utf8)
        guard left.count == right.count else { return false }
        var difference: UInt8 = 0
        for index in left.indices { difference |= left[index] ^ right[index] }
        return difference == 0
    }
}
#endif
