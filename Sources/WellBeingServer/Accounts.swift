#if Server
import Foundation
import Hummingbird
import HTTPTypes
import HummingbirdBcrypt
import NIOCore
import WellBeingCore
import WellBeingReport
import WellBeingStore
import WellBeingWorkspace

/// Passwords as bcrypt hashes (hummingbird-auth's `HummingbirdBcrypt`, cost 12): what `wellbeing users` stores and
/// what the login checks.
public enum Passwords {
    /// The fewest characters a password may have.
    public static let minimumLength = 8

    /// The hash to store for `password`; `usage` when it is empty or short.
    public static func hash(_ password: String) throws -> String {
        guard !password.isEmpty else { throw WellBeingError(.usage, Message(.passwordEmpty)) }
        guard password.count >= minimumLength else {
            throw WellBeingError(.usage, Message(.passwordShort, ["count": "\(minimumLength)"]))
        }
        return Bcrypt.hash(password, cost: 12)
    }

    /// Whether `password` is the one of `account`; with no account, a hash is still checked, so that the time
    /// taken does not tell whether the name exists.
    static func verify(_ password: String, account: Account?) -> Bool {
        guard let account else {
            _ = Bcrypt.verify(password, hash: decoy)
            return false
        }
        return Bcrypt.verify(password, hash: account.passwordHash)
    }

    /// A hash of a random password, checked when the name is unknown.
    static let decoy = Bcrypt.hash(Sessions.randomToken(), cost: 12)
}

extension WorkspaceServer {
    /// The sign-in form of accounts.
    /// - Parameter next: the page to open after signing in (a path of this server, `returnPath`).
    static func loginForm(language: Language, failure: WellBeingError? = nil, next: String? = nil) -> String {
        func say(_ key: MessageKey) -> String { escapeMarkup(Message(key).text(in: language)) }
        var html = failure.map { Pages.errorBlock($0, language: language) } ?? ""
        let returning = returnPath(next).map { "<input type=\"hidden\" name=\"next\" value=\"\(escapeMarkup($0))\">\n" } ?? ""
        html += """
            <form class="panel" method="post" action="/login">
            \(returning)\
            <label>\(say(.pageLoginName)) <input type="text" name="name" autocomplete="username" required></label>
            <label>\(say(.pageLoginPassword)) <input type="password" name="password" autocomplete="current-password" required></label>
            <button type="submit">\(say(.pageLoginSubmit))</button>
            </form>

            """
        return Pages.page(Message(.pageLoginHeading).text(in: language), html, language: language, session: nil)
    }

    /// `POST /login`: an account's name and password (a same-origin form); a session, or 401 with the form again.
    func logInWithPassword(_ request: Request, context: ServerContext) async throws -> Response {
        let language = context.language ?? settings.language
        try RequestGuard.checkSameOrigin(request)
        if await sessions.isThrottled(context.client) {
            throw WellBeingError(.unauthenticated, Message(.serveLoginThrottled))
        }
        var request = request
        let form = FormFields(urlEncoded: String(buffer: try await request.collectBody(upTo: 16 * 1024)))
        let name = form["name"]?.trimmingCharacters(in: .whitespaces) ?? ""
        let password = form["password"] ?? ""
        let path = settings.storePath
        let account = try await BlockingWork.run { () -> Account? in
            let exists = SurveyStore.isServerLocation(path) || FileKind.of(path) != .missing
            let account = exists ? try SurveyStore(path: path, access: .read).account(named: name) : nil
            return Passwords.verify(password, account: account) ? account : nil
        }
        guard let account else {
            await sessions.recordFailedLogin(context.client)
            return Pages.response(Self.loginForm(language: language, failure: WellBeingError(.unauthenticated, Message(.loginWrong)),
                                                 next: form["next"]),
                                  status: .unauthorized)
        }
        let session = await sessions.open(user: account.name, role: account.role, keep: true)
        logger.notice("signed in: \(account.name) (\(account.role.rawValue))")
        var response = Response(status: .seeOther, headers: [.location: Self.returnPath(form["next"]) ?? "/"])
        response.headers.append(HTTPField(name: .setCookie, value: sessionCookie(session.id)))
        return response
    }

    /// `next` when it is a page of this server to return to after signing in: a path (`/indicators?period=2025`),
    /// never another site (`//host`, `/\\host`, `https://…`), the API, the sign-in itself, or a broken line; else nil.
    static func returnPath(_ next: String?) -> String? {
        guard let next, next.hasPrefix("/"), next.count <= 2000, !next.hasPrefix("//"), !next.hasPrefix("/\\"),
              !next.hasPrefix("/api/"), !next.hasPrefix("/login"), !next.hasPrefix("/logout"),
              !next.unicodeScalars.contains(where: { $0.value < 0x20 || $0 == "\\" || $0.value == 0x7F }) else { return nil }
        return next
    }

    /// Whether the store at `path` has accounts (then sign-in is by name and password, and no token is printed).
    public static func storeHasAccounts(_ path: String) throws -> Bool {
        guard SurveyStore.isServerLocation(path) || FileKind.of(path) != .missing else { return false }
        return !(try SurveyStore(path: path, access: .read).accounts().isEmpty)
    }
}
#endif
