#if Server
import Foundation
import Hummingbird
import HummingbirdCore
import HummingbirdTLS
import HTTPTypes
import Logging
import NIOCore
import WellBeingAnalysis
import WellBeingCore
import WellBeingReport
import WellBeingStore
import WellBeingWorkspace

/// `wellbeing serve`: the Workspace's operations over HTTP — the API (`/api/v1/…`, the same bytes as the CLI's
/// `--format`) and the pages — behind `RequestGuard`.
public struct WorkspaceServer: Sendable {
    public let settings: ServeSettings
    public let sessions: Sessions
    let boundPort: BoundPort
    let imports = ImportLocks()
    /// The import page's imports, running and lately ended.
    let jobs = ImportJobs()
    /// The store as every request reads it (one pool of SQLite readers shared by all).
    let readers: StoreReaders
    /// Analysis answers per request and store state (see `AnswerCache`).
    let cache: AnswerCache
    let logger: Logger

    /// - Parameter loginToken: the one-time token of the printed address; nil when people sign in with accounts.
    public init(settings: ServeSettings, loginToken: String?, logger: Logger? = nil) {
        let logger = logger ?? Self.standardErrorLogger()
        let readers = StoreReaders(path: settings.storePath)
        self.settings = settings
        // Accounts' sessions are kept in the store; the one-time login's only in memory.
        self.sessions = Sessions(loginToken: loginToken, idleSeconds: settings.sessionIdleSeconds,
                                 records: loginToken == nil ? readers.sessionRecords() : nil,
                                 recheckSeconds: settings.sessionRecheckSeconds, logger: logger)
        self.boundPort = BoundPort(settings.port)
        self.readers = readers
        self.cache = AnswerCache(limitBytes: settings.cacheBytes, width: settings.analysisWidth)
        self.logger = logger
    }

    /// A logger that writes to standard error (standard output's first line is the address): requests by
    /// method, path (never the query: the login token is in it) and status.
    public static func standardErrorLogger(level: Logger.Level = .info) -> Logger {
        var logger = Logger(label: "wellbeing-serve") { StreamLogHandler.standardError(label: $0) }
        logger.logLevel = level
        return logger
    }

    /// The application; `onRunning` gets the address once the port is bound (the first line to print).
    public func application(onRunning: @escaping @Sendable (String) async -> Void = { _ in })
        -> some ApplicationProtocol {
        let boundPort = self.boundPort
        let host = settings.host
        let scheme = settings.tls == nil ? "http" : "https"
        return Application(
            router: router(),
            server: serverBuilder(),
            configuration: .init(address: .hostname(host, port: settings.port), serverName: nil),
            onServerRunning: { channel in
                let port = channel.localAddress?.port ?? 0
                boundPort.value = port
                let shown = host.contains(":") ? "[\(host)]" : host
                await onRunning("\(scheme)://\(shown):\(port)")
            },
            logger: logger)
    }

    /// HTTP/1.1, inside TLS when the server has a certificate.
    func serverBuilder() -> HTTPServerBuilder {
        guard let tls = settings.tls else { return .http1() }
        let configuration = tls.configuration
        return HTTPServerBuilder { responder in
            try TLSChannel(HTTP1Channel(responder: responder), tlsConfiguration: configuration)
        }
    }

    /// Runs the server until SIGINT or SIGTERM; `onRunning` gets the address once the port is bound.
    public func run(onRunning: @escaping @Sendable (String) async -> Void) async throws {
        let abandoned = Upload.removeAbandoned(in: settings.temporaryFolder)
        if abandoned > 0 { logger.notice("removed \(abandoned) upload folder(s) left by a server that was stopped mid-upload") }
        defer { readers.close() }
        do {
            try await application(onRunning: onRunning).runService()
        } catch {
            await finishImportJobs()
            throw error
        }
        await finishImportJobs()
        await sessions.finishWriting()
    }

    /// Lets the imports that the pages started end before the server stops (each completes whole or fails whole and
    /// removes its upload).
    func finishImportJobs() async {
        let running = await jobs.runningCount
        guard running > 0 else { return }
        logger.notice("waiting for \(running) import(s) started from the import page to end before stopping")
        await jobs.finishRunning()
    }

    /// The first line of standard output, the same in every language so that scripts can read it:
    /// `wellbeing serve: http://127.0.0.1:PORT/login?token=…`, or with accounts `wellbeing serve: http://HOST:PORT/`.
    public func addressLine(base: String, token: String?) -> String {
        "wellbeing serve: " + (token.map { "\(base)/login?token=\($0)" } ?? "\(base)/") + "\n"
    }

    /// Every route, behind the guard.
    public func router() -> Router<ServerContext> {
        let router = Router(context: ServerContext.self)
        router.add(middleware: RequestGuard(settings: settings, sessions: sessions, boundPort: boundPort, logger: logger))
        addSessionRoutes(router)
        addReadingRoutes(router)
        addWritingRoutes(router)
        addImportJobRoutes(router)
        addPages(router)
        return router
    }

    // MARK: Sessions

    func addSessionRoutes(_ router: Router<ServerContext>) {
        router.get("/login") { request, context -> Response in
            guard let token = request.uri.queryParameters.get("token") else {
                return Pages.response(Self.loginForm(language: context.language ?? settings.language,
                                                     next: request.uri.queryParameters.get("next").map { String($0) }))
            }
            if await sessions.isThrottled(context.client) {
                throw WellBeingError(.unauthenticated, Message(.serveLoginThrottled))
            }
            guard let session = await sessions.logIn(token: token) else {
                await sessions.recordFailedLogin(context.client)
                throw WellBeingError(.unauthenticated, Message(.serveTokenInvalid))
            }
            var response = Response(status: .seeOther, headers: [.location: "/"])
            response.headers.append(HTTPField(name: .setCookie, value: sessionCookie(session.id)))
            return response
        }
        router.post("/login") { request, context -> Response in
            try await logInWithPassword(request, context: context)
        }
        router.post("/logout") { request, context -> Response in
            if let id = request.cookies[RequestGuard.sessionCookie]?.value { await sessions.close(id) }
            let language = context.language ?? settings.language
            var response = Pages.response(Pages.page(Message(.pageSignedOut).text(in: language),
                                                     "<p>\(escapeMarkup(Message(.pageSignedOutAdvice).text(in: language)))</p>\n",
                                                     language: language, session: nil))
            response.headers.append(HTTPField(name: .setCookie, value: "\(RequestGuard.sessionCookie)=; Path=/; HttpOnly; SameSite=Strict; Max-Age=0"))
            return response
        }
        router.get("/api/v1/session") { _, context -> Response in
            struct Body: Encodable { var user: String; var role: String; var csrf: String }
            let session = try context.requireSession()
            return try Self.json(Body(user: session.user, role: session.role.rawValue, csrf: session.csrf))
        }
    }

    /// The session cookie: never readable by scripts, never sent from another site's page; under HTTPS (the
    /// server's own TLS or a proxy's) never sent over plain HTTP either.
    func sessionCookie(_ id: String) -> String {
        "\(RequestGuard.sessionCookie)=\(id); Path=/; HttpOnly; SameSite=Strict" + (settings.servesHTTPS ? "; Secure" : "")
    }

    // MARK: Reading: the same bytes as the CLI

    func addReadingRoutes(_ router: Router<ServerContext>) {
        // One period, the CLI's options: indicators, compare, drivers.
        router.get("/api/v1/indicators") { request, context -> Response in
            let query = try APIQuery(request, context: context, settings: settings, extra: ["period"])
            let period = try query.required("period")
            // One analysis answers JSON and CSV alike: both are kept, so that a reader of the other finds it ready.
            let text: [ResultFormat] = [.json, .csv, .table]
            let formats = [query.format] + (text.contains(query.format) ? [ResultFormat.json, .csv].filter { $0 != query.format } : [])
            let body = try await cachedAnswers(formats.map { query.cacheKey(route: "indicators", format: $0) }) { store in
                let analysis = try PeriodAnalysis(store: store, survey: query.analysis.survey, period: period, options: query.analysis.options)
                return try formats.map { format in
                    try AnalysisViews.indicators(analysis, store: store, period: period, request: query.analysis, format: format,
                                                 byteOrderMark: query.byteOrderMark).body
                }
            }
            return Self.file(body, format: query.format, name: "indicators-\(period)")
        }
        let periodViews: [(String, @Sendable (SurveyStore, String, AnalysisRequest, ResultFormat, Bool) throws -> AnalysisView)] = [
            ("compare", { try AnalysisViews.compare(store: $0, period: $1, request: $2, format: $3, byteOrderMark: $4) }),
            ("drivers", { try AnalysisViews.drivers(store: $0, period: $1, request: $2, format: $3, byteOrderMark: $4) }),
        ]
        for (name, make) in periodViews {
            router.get("/api/v1/\(name)") { request, context -> Response in
                let query = try APIQuery(request, context: context, settings: settings, extra: ["period"])
                let period = try query.required("period")
                return try await view(query, name: "\(name)-\(period)") { store in
                    try make(store, period, query.analysis, query.format, query.byteOrderMark)
                }
            }
        }
        router.get("/api/v1/trend") { request, context -> Response in
            let query = try APIQuery(request, context: context, settings: settings, extra: ["from", "to"])
            let from = try query.required("from"), to = try query.required("to")
            return try await view(query, name: "trend-\(from)-\(to)") { store in
                try AnalysisViews.trend(store: store, from: from, to: to, request: query.analysis, format: query.format,
                                        byteOrderMark: query.byteOrderMark)
            }
        }
        router.get("/api/v1/batches") { request, context -> Response in
            let query = try APIQuery(request, context: context, settings: settings, extra: [], analysis: false)
            return try await view(query, name: "batches") { store in
                try AnalysisViews.batches(store: store, language: query.analysis.language, format: query.format,
                                          byteOrderMark: query.byteOrderMark)
            }
        }
    }

    /// Answers the bytes `make` renders from one snapshot of the store, computed off the cooperative threads, or
    /// kept from an identical request at the same store state (`AnswerCache`).
    func view(_ query: APIQuery, name: String, _ make: @escaping @Sendable (SurveyStore) throws -> AnalysisView) async throws -> Response {
        let body = try await cachedAnswer(query.cacheKey(route: name)) { store in try make(store).body }
        return Self.file(body, format: query.format, name: name)
    }

    /// An answer holding a file in `format`; downloads (CSV, workbooks) are named `name.ext`.
    static func file(_ body: Data, format: ResultFormat, name: String) -> Response {
        var headers: HTTPFields = [:]
        switch format {
        case .json: headers[.contentType] = "application/json; charset=utf-8"
        case .geojson: headers[.contentType] = "application/geo+json; charset=utf-8"
        case .table: headers[.contentType] = "text/plain; charset=utf-8"
        case .csv:
            headers[.contentType] = "text/csv; charset=utf-8"
            headers[.contentDisposition] = attachment("\(name).csv")
        case .xlsx:
            headers[.contentType] = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
            headers[.contentDisposition] = attachment("\(name).xlsx")
        }
        return Response(status: .ok, headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: body)))
    }

    /// `attachment; filename="…"` with an ASCII name and the real one percent-encoded (RFC 6266), so that no
    /// character of a period label or file name can break the header.
    static func attachment(_ name: String) -> String {
        let ascii = String(name.unicodeScalars.map { unreserved.contains($0) ? Character($0) : "_" })
        return "attachment; filename=\"\(ascii)\"; filename*=UTF-8''\(percentEncoded(name))"
    }

    static func json<T: Encodable>(_ value: T, status: HTTPResponse.Status = .ok) throws -> Response {
        Response(status: status, headers: [.contentType: "application/json; charset=utf-8"],
                 body: .init(byteBuffer: ByteBuffer(string: try JSONOutput.encode(value))))
    }
}

extension ServerContext {
    /// The session the guard found; every route but the login has one.
    func requireSession() throws -> Session {
        guard let session else { throw WellBeingError(.unauthenticated, Message(.serveLoginNeeded)) }
        return session
    }

    /// Refuses (403) a session whose role is below `role`.
    func require(_ role: Role) throws -> Session {
        let session = try requireSession()
        guard session.role >= role else {
            throw WellBeingError(.forbidden, Message(.serveRoleForbidden, ["role": session.role.rawValue, "needed": role.rawValue]))
        }
        return session
    }
}

/// The CLI's options as query parameters: `period`, `from`, `to`, `survey`, `weights`, `by`, `min_n`, `items`,
/// `secondary_suppression`, `standardize`, `small_area`, `sae_method`, `sae_covariates`, `lang`, `bom` and
/// `format=json|csv|xlsx|table|geojson` (JSON by default). A parameter the route does not know is refused, so
/// that a misspelt option is never silently ignored.
struct APIQuery: Sendable {
    var parameters: [String: String]
    var analysis: AnalysisRequest
    var format: ResultFormat
    var byteOrderMark: Bool

    static let analysisNames: Set<String> = ["survey", "weights", "by", "min_n", "items", "secondary_suppression", "standardize",
                                             "small_area", "sae_method", "sae_covariates"]

    init(_ request: Request, context: ServerContext, settings: ServeSettings, extra: Set<String>, analysis takesAnalysis: Bool = true) throws {
        var parameters: [String: String] = [:]
        for (key, value) in request.uri.queryParameters where !value.isEmpty {  // a form's empty field: not given
            let name = String(key)
            guard parameters[name] == nil else {
                throw WellBeingError(.usage, Message(.serveParameterTwice, ["name": DataProblem.shortened(name)]))
            }
            parameters[name] = String(value)
        }
        let known = extra.union(["format", "lang", "bom"]).union(takesAnalysis ? Self.analysisNames : [])
        if let unknown = parameters.keys.sorted().first(where: { !known.contains($0) }) {
            throw WellBeingError(.usage, Message(.serveUnknownParameter, [
                "name": DataProblem.shortened(unknown), "known": known.sorted().joined(separator: ", ")]))
        }
        self.parameters = parameters
        func value<T>(_ name: String, _ parse: (String) -> T?, expected: String) throws -> T? {
            guard let text = parameters[name] else { return nil }
            guard let parsed = parse(text) else {
                throw WellBeingError(.usage, Message(.serveBadParameter, [
                    "name": name, "value": DataProblem.shortened(text), "expected": expected]))
            }
            return parsed
        }
        func flag(_ text: String) -> Bool? { ["true": true, "1": true, "yes": true, "false": false, "0": false, "no": false][text.lowercased()] }
        format = try value("format", { ResultFormat(rawValue: $0) }, expected: ResultFormat.allCases.map(\.rawValue).joined(separator: ", ")) ?? .json
        byteOrderMark = try value("bom", flag, expected: "true, false") ?? true
        var analysis = AnalysisRequest(language: context.language ?? settings.language)
        analysis.survey = parameters["survey"]
        analysis.weights = try value("weights", { Weighting(rawValue: $0) }, expected: Weighting.allCases.map(\.rawValue).joined(separator: ", "))
        analysis.minimumN = try value("min_n", { Int($0) }, expected: Message(.serveWholeNumber).text(in: analysis.language)) ?? 10
        analysis.items = try value("items", flag, expected: "true, false") ?? false
        analysis.secondarySuppression = try value("secondary_suppression", flag, expected: "true, false") ?? true
        analysis.by = parameters["by"]
        analysis.standardize = parameters["standardize"]
        analysis.smallArea = try value("small_area", { AnalysisRequest.SmallAreaModel(rawValue: $0) }, expected: "fh")
        analysis.saeMethod = try value("sae_method", { FayHerriot.Method(rawValue: $0.uppercased()) }, expected: "REML, ML, FH") ?? .reml
        analysis.saeCovariates = parameters["sae_covariates"]
        try analysis.validate()
        try analysis.checkedBreakdowns()
        self.analysis = analysis
    }

    /// What identifies the answer of `route` with these parameters: every parameter given, in a fixed order, with
    /// the language (from `lang`, the cookie or the server's), the format (`chosen`, else the request's) and the
    /// byte order mark as they apply.
    func cacheKey(route: String, format chosen: ResultFormat? = nil) -> String {
        var named = parameters
        named["lang"] = analysis.language.rawValue
        named["format"] = (chosen ?? format).rawValue
        named["bom"] = byteOrderMark ? "true" : "false"
        return route + "?" + named.keys.sorted().map { "\($0)=\(named[$0]!)" }.joined(separator: "\u{1F}")
    }

    /// A parameter the route cannot do without (`usage` naming it).
    func required(_ name: String) throws -> String {
        guard let value = parameters[name], !value.trimmingCharacters(in: .whitespaces).isEmpty else {
            throw WellBeingError(.usage, Message(.serveMissingParameter, ["name": name]))
        }
        return value
    }
}
#endif
