#if Server
import Foundation
import Hummingbird
import HTTPTypes
import Logging
import NIOCore
import WellBeingCore

/// Every request passes here first: the `Host` header (DNS rebinding), the session (401), same origin and the
/// CSRF token on every state change (403), the security headers on every answer, and errors said as the error
/// kinds' statuses with a body in the reader's language (JSON for `/api/`, a page otherwise).
struct RequestGuard: RouterMiddleware {
    typealias Context = ServerContext

    let settings: ServeSettings
    let sessions: Sessions
    let boundPort: BoundPort
    let logger: Logger

    /// Paths served without a session: the login and the stylesheet its error page uses.
    static let open: Set<String> = ["/login", "/assets/app.css"]
    static let sessionCookie = "wellbeing_session"
    static let languageCookie = "wellbeing_lang"

    func handle(_ request: Request, context: ServerContext, next: (Request, ServerContext) async throws -> Response) async throws -> Response {
        var context = context
        var request = request
        context.language = Self.requestedLanguage(request)
        context.client = Self.client(request, peer: context.client, behindProxy: settings.behindProxy)
        let language = context.language ?? settings.language
        var response: Response
        do {
            try checkHost(request)
            if !Self.open.contains(request.uri.path) {
                guard let id = request.cookies[Self.sessionCookie]?.value, let session = await sessions.session(id) else {
                    guard sessions.signInWithAccounts else { throw WellBeingError(.unauthenticated, Message(.serveLoginNeeded)) }
                    // A page a signed-out browser asks for: the sign-in form; the API and changes: 401.
                    if [.get, .head].contains(request.method), !request.uri.path.hasPrefix("/api/") {
                        let back = WorkspaceServer.returnPath(request.uri.description)  // the page, after signing in
                        let location = back.flatMap { $0 == "/" ? nil : "/login?next=" + WorkspaceServer.percentEncoded($0) } ?? "/login"
                        var response = Response(status: .seeOther, headers: [.location: location])
                        Self.secure(&response)
                        logger.info("\(request.method.rawValue) \(request.uri.path) \(response.status.code)")
                        return response
                    }
                    throw WellBeingError(.unauthenticated, Message(.serveSignInNeeded))
                }
                context.session = session
                if ![.get, .head].contains(request.method) {
                    try Self.checkSameOrigin(request)
                    try await checkCSRF(&request, session: session)
                }
            }
            response = try await next(request, context)
        } catch {
            // A page's choices stay with its language switch, on a page that failed too (a GET's query only).
            var choices: [String: String] = [:]
            if request.method == .get {
                for (key, value) in request.uri.queryParameters where !value.isEmpty && choices[String(key)] == nil {
                    choices[String(key)] = String(value)
                }
            }
            response = ErrorResponses.response(for: error, path: request.uri.path, language: language, session: context.session,
                                                  logger: logger, keeping: choices)
        }
        Self.secure(&response)
        // A page's language switch is remembered; a download in another language (a report in English) is not.
        if let chosen = context.language, request.uri.queryParameters.get("lang") != nil,
           response.headers[.contentType]?.hasPrefix("text/html") == true, response.headers[.contentDisposition] == nil {
            response.headers.append(HTTPField(name: .setCookie, value: "\(Self.languageCookie)=\(chosen.rawValue); Path=/; SameSite=Strict; Max-Age=31536000"
                                              + (settings.servesHTTPS ? "; Secure" : "")))
        }
        logger.info("\(request.method.rawValue) \(request.uri.path) \(response.status.code)")
        return response
    }

    /// Who is asking, for the login throttle: the connection's address, or behind a proxy on this machine (the
    /// connection from loopback) the address that proxy added last to `X-Forwarded-For` (earlier entries are the
    /// client's own words and are not believed).
    static func client(_ request: Request, peer: String, behindProxy: Bool) -> String {
        guard behindProxy, ServeSettings.isLoopback(peer) || peer == "::ffff:127.0.0.1" else { return peer }
        let forwarded = request.headers[values: .xForwardedFor].joined(separator: ",")
        guard let last = forwarded.split(separator: ",").last?.trimmingCharacters(in: .whitespaces), !last.isEmpty,
              last.count <= 64 else { return peer }
        return last
    }

    /// The reader's language: `?lang=` (remembered in a cookie), else the cookie.
    static func requestedLanguage(_ request: Request) -> Language? {
        if let asked = request.uri.queryParameters.get("lang"), let language = Language(rawValue: asked) { return language }
        return request.cookies[languageCookie].flatMap { Language(rawValue: $0.value) }
    }

    /// Refuses a `Host` (or HTTP/2 authority) that is not this server's: a page of another site that a DNS
    /// trick points at 127.0.0.1 must not read the figures.
    func checkHost(_ request: Request) throws {
        let accepted = settings.acceptedHostHeaders(port: boundPort.value)
        let given = [request.head.authority] + request.headers[values: .hostField].map(Optional.some)
        let named = given.compactMap { $0?.lowercased() }
        guard !named.isEmpty, named.allSatisfy(accepted.contains) else {
            throw WellBeingError(.usage, Message(.serveHostRefused, [
                "host": DataProblem.shortened(named.first ?? ""), "allowed": accepted.sorted().joined(separator: ", ")]))
        }
    }

    /// Refuses a state change that a page of another origin could have sent: the `Origin` must be this server's
    /// (the `Host` already checked), else `Sec-Fetch-Site` must say same-origin.
    static func checkSameOrigin(_ request: Request) throws {
        let host = (request.head.authority ?? request.headers[.hostField] ?? "").lowercased()
        // A browser sends `Origin: null` where the referrer policy hides the page's address; then only
        // `Sec-Fetch-Site` (which no page can set) vouches for the request.
        if let origin = request.headers[.origin], origin != "null" {
            guard origin.lowercased() == "http://\(host)" || origin.lowercased() == "https://\(host)" else {
                throw WellBeingError(.forbidden, Message(.serveCrossOrigin))
            }
        } else if request.headers[.secFetchSite]?.lowercased() != "same-origin" {
            throw WellBeingError(.forbidden, Message(.serveCrossOrigin))
        }
    }

    /// Refuses a state change without the session's CSRF token: in `X-CSRF-Token`, or in the `csrf` field of a
    /// form (a multipart upload's is checked by its route, which reads the form as it streams).
    func checkCSRF(_ request: inout Request, session: Session) async throws {
        if let token = request.headers[.csrfToken] {
            guard Sessions.sameText(token, session.csrf) else { throw WellBeingError(.forbidden, Message(.serveCrossOrigin)) }
            return
        }
        let type = request.headers[.contentType]?.lowercased() ?? ""
        if type.hasPrefix("multipart/form-data") { return }
        guard type.hasPrefix("application/x-www-form-urlencoded") else {
            throw WellBeingError(.forbidden, Message(.serveCrossOrigin))
        }
        let body = try await request.collectBody(upTo: 64 * 1024)
        let form = FormFields(urlEncoded: String(buffer: body))
        guard let token = form["csrf"], Sessions.sameText(token, session.csrf) else {
            throw WellBeingError(.forbidden, Message(.serveCrossOrigin))
        }
    }

    /// The headers every answer carries: nothing from elsewhere, no framing, no referrer to other sites (the
    /// login address holds its token), nothing cached.
    static func secure(_ response: inout Response) {
        response.headers[.contentSecurityPolicy] = "default-src 'none'; style-src 'self'; img-src 'self' data:; "
            + "form-action 'self'; frame-ancestors 'none'; base-uri 'none'"
        response.headers[.xContentTypeOptions] = "nosniff"
        response.headers[.xFrameOptions] = "DENY"
        response.headers[.referrerPolicy] = "same-origin"
        response.headers[.crossOriginOpenerPolicy] = "same-origin"
        if response.headers[.cacheControl] == nil { response.headers[.cacheControl] = "no-store" }
    }
}

/// The port the server listens on, known once it is bound (`--port 0` picks one).
final class BoundPort: @unchecked Sendable {
    private let lock = NSLock()
    private var port: Int

    init(_ port: Int) { self.port = port }

    var value: Int {
        get { lock.withLock { port } }
        set { lock.withLock { port = newValue } }
    }
}

/// The fields of a URL-encoded form or query (`a=1&b=%E5%B9%B4`), `+` as a space.
struct FormFields {
    var values: [String: String] = [:]

    init(urlEncoded text: String) {
        for pair in text.split(separator: "&") {
            let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            func decode(_ part: Substring) -> String {
                String(part).replacingOccurrences(of: "+", with: " ").removingPercentEncoding ?? String(part)
            }
            let name = decode(parts[0])
            if values[name] == nil { values[name] = parts.count > 1 ? decode(parts[1]) : "" }
        }
    }

    init(_ values: [String: String]) { self.values = values }

    subscript(_ name: String) -> String? { values[name] }
}
#endif
