#if Server
import Foundation
import WellBeingStore

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
}

/// The server's sessions and its one-time login token, and the login throttle.
///
/// Held in this process's memory: a restart signs everyone out (the analyst opens the newly printed address).
public actor Sessions {
    private var sessions: [String: Session] = [:]
    private var loginToken: String?
    private var failedLogins: [String: [Date]] = [:]
    private let idleSeconds: TimeInterval
    /// Failed logins allowed from one client per minute before it must wait.
    static let failedLoginsPerMinute = 10

    /// - Parameter loginToken: the token of the printed login address, usable once; nil when accounts sign in
    ///   (the store has accounts).
    public init(loginToken: String?, idleSeconds: TimeInterval) {
        self.loginToken = loginToken
        self.idleSeconds = idleSeconds
    }

    /// A new random token: 32 bytes from the system's secure generator, as URL-safe text.
    public static func randomToken() -> String {
        var generator = SystemRandomNumberGenerator()
        let bytes = (0..<32).map { _ in UInt8.random(in: .min ... .max, using: &generator) }
        return Data(bytes).base64EncodedString()
            .replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_")
            .replacingOccurrences(of: "=", with: "")
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

    /// A new session for `user`.
    public func open(user: String, role: Role) -> Session {
        let session = Session(id: Self.randomToken(), user: user, role: role, csrf: Self.randomToken(), lastSeen: Date())
        sessions[session.id] = session
        return session
    }

    /// The live session of cookie value `id`, if any (an idle one is closed).
    public func session(_ id: String) -> Session? {
        guard var session = sessions[id] else { return nil }
        if session.lastSeen.timeIntervalSinceNow < -idleSeconds {
            sessions[id] = nil
            return nil
        }
        session.lastSeen = Date()
        sessions[id] = session
        return session
    }

    /// Ends a session (log out).
    public func close(_ id: String) { sessions[id] = nil }

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
