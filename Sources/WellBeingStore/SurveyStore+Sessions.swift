import Foundation
import WellBeingCore

/// A signed-in browser of `wellbeing serve`'s accounts as the store keeps it, so that a restart, or a second server
/// on the same store, still knows it: the SHA-256 of its cookie (the cookie itself is never stored), its account as
/// it is now (a changed role counts at once), and when it was last used.
public struct StoredSession: Sendable, Hashable {
    /// The hex SHA-256 of the session cookie's value.
    public var idHash: String
    public var account: Account
    public var createdAt: Date
    public var lastSeen: Date
}

extension SurveyStore {
    /// Keeps a new session of account `account`; `notFound` when the account has gone meanwhile.
    public func addSession(idHash: String, account: String, at time: Date) throws {
        try writeApart { db in
            guard try db.fetchOne("SELECT name FROM account WHERE name = ?", [account]) != nil else { throw Self.noAccount(account, db) }
            let seconds = Int64(time.timeIntervalSince1970)
            try db.execute("INSERT INTO session (idHash, account, createdAt, lastSeen) VALUES (?, ?, ?, ?)",
                           [idHash, account, seconds, seconds])
        }
    }

    /// The session whose cookie hashes to `idHash`, with its account, if it is kept.
    public func storedSession(idHash: String) throws -> StoredSession? {
        try read { db in
            try db.fetchOne("""
                SELECT s.idHash, a.name, a.role, a.passwordHash, a.createdAt, s.createdAt, s.lastSeen
                FROM session s JOIN account a ON a.name = s.account WHERE s.idHash = ?
                """, [idHash]).map { row in
                let account = try Self.account(from: StoreRow(Array(row.values[1...4])))
                return StoredSession(idHash: try row.text(0), account: account,
                                     createdAt: Date(timeIntervalSince1970: TimeInterval(try row.integer(5))),
                                     lastSeen: Date(timeIntervalSince1970: TimeInterval(try row.integer(6))))
            }
        }
    }

    /// Records that the session was used at `time`.
    public func touchSession(idHash: String, at time: Date) throws {
        try writeApart { db in
            try db.execute("UPDATE session SET lastSeen = ? WHERE idHash = ?", [Int64(time.timeIntervalSince1970), idHash])
        }
    }

    /// Forgets a session (its browser signed out).
    public func removeSession(idHash: String) throws {
        try writeApart { db in try db.execute("DELETE FROM session WHERE idHash = ?", [idHash]) }
    }

    /// Forgets every session not used since `time`; how many.
    @discardableResult
    public func removeSessions(lastSeenBefore time: Date) throws -> Int {
        try writeApart { db in
            let stale = try db.fetchInteger("SELECT count(*) FROM session WHERE lastSeen < ?", [Int64(time.timeIntervalSince1970)]) ?? 0
            if stale > 0 { try db.execute("DELETE FROM session WHERE lastSeen < ?", [Int64(time.timeIntervalSince1970)]) }
            return Int(stale)
        }
    }

    /// How many sessions account `name` has kept.
    public func sessionCount(of name: String) throws -> Int {
        try read { db in Int(try db.fetchInteger("SELECT count(*) FROM session WHERE account = ?", [name]) ?? 0) }
    }
}
