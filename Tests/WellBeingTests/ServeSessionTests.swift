#if Server
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Logging
import NIOCore
import Testing
import WellBeingTestSupport
import WellBeingCore
@testable import WellBeingServer
import WellBeingStore
import WellBeingWorkspace

/// Accounts' sessions kept in the store: a restart signs nobody out, two servers on one store share them, and an
/// account removed, given a new password or another role counts at once; a sign-in never waits for an import.
@Suite(.serialized) struct ServeSessionTests {
    static let password = "password-of-sato"
    static let passwordHash = Result { try Passwords.hash(password) }

    /// A store holding the mini survey and the importer sato.
    static func accountStore(in folder: TemporaryFolder) throws -> String {
        let path = folder.file("accounts.sqlite")
        let store = try SurveyStore(path: path)
        _ = try importResponses(store, Paths.fixture("mini-utf8.csv"))
        try store.addAccount(Account(name: "sato", role: .importer, passwordHash: try passwordHash.get(), createdAt: "2026-12-03"))
        store.close()
        return path
    }

    static func server(_ store: String, recheck: TimeInterval = 30) -> WorkspaceServer {
        var settings = ServeSettings(storePath: store, language: .en, allowedHosts: ["localhost"])
        settings.sessionRecheckSeconds = recheck
        var logger = Logger(label: "serve-session-test") { _ in SwiftLogNoOpLogHandler() }
        logger.logLevel = .critical
        return WorkspaceServer(settings: settings, loginToken: nil, logger: logger)
    }

    /// Signs sato in with `password`: the browser, or nil when refused.
    static func signIn(_ client: some TestClientProtocol, password: String = password) async throws -> ServeTests.Browser? {
        let response = try await client.execute(uri: "/login", method: .post,
                                                headers: [.origin: "http://localhost", .contentType: "application/x-www-form-urlencoded"],
                                                body: ByteBuffer(string: "name=sato&password=\(password)"))
        guard response.status == .seeOther, let setCookie = response.headers[.setCookie] else { return nil }
        let cookie = String(setCookie.split(separator: ";")[0])
        let who = try await Self.who(client, cookie)
        return ServeTests.Browser(cookie: cookie, csrf: try #require(who.csrf))
    }

    /// What `/api/v1/session` says of `cookie`.
    static func who(_ client: some TestClientProtocol, _ cookie: String) async throws -> (status: HTTPResponse.Status, role: String?, csrf: String?) {
        let response = try await client.execute(uri: "/api/v1/session", method: .get, headers: [.cookie: cookie])
        let object = try? JSONSerialization.jsonObject(with: Data(buffer: response.body)) as? [String: Any]
        return (response.status, object?["role"] as? String, object?["csrf"] as? String)
    }

    @Test func aSessionOutlivesARestartAndServesASecondServerWithoutTheStoreHoldingTheCookie() async throws {
        let folder = try TemporaryFolder()
        let store = try Self.accountStore(in: folder)
        let first = Self.server(store)
        let kept = try await first.application().test(.router) { client in try await Self.signIn(client) }
        await first.sessions.finishWriting()
        let browser = try #require(kept)
        // The store keeps a hash: neither the cookie nor its CSRF token is in the store's files.
        let value = String(browser.cookie.split(separator: "=")[1])
        for file in [store, store + "-wal"] where FileManager.default.fileExists(atPath: file) {
            let bytes = try Data(contentsOf: URL(fileURLWithPath: file))
            #expect(bytes.range(of: Data(value.utf8)) == nil && bytes.range(of: Data(browser.csrf.utf8)) == nil)
        }
        #expect(try SurveyStore(path: store, access: .read).sessionCount(of: "sato") == 1)

        // Another server on the same store (a restart, or a second one behind the proxy) knows the browser, its role
        // and its CSRF token: a state change works.
        let second = Self.server(store)
        try await second.application().test(.router) { client in
            let who = try await Self.who(client, browser.cookie)
            #expect(who.status == .ok && who.role == "importer" && who.csrf == browser.csrf)
            let undo = try await client.execute(uri: "/api/v1/batches/1/undo", method: .post, headers: browser.headers(post: true))
            #expect(undo.status == .ok, "\(ServeTests.text(undo))")
            // A cookie the store does not keep is still refused.
            #expect(try await Self.who(client, "wellbeing_session=\(Sessions.randomToken())").status == .unauthorized)
        }
    }

    @Test func aSignedOutBrowserIsSentToTheSignInForm() async throws {
        let folder = try TemporaryFolder()
        let store = try Self.accountStore(in: folder)
        try await Self.server(store).application().test(.router) { client in
            for (path, location) in [("/", "/login"), ("/indicators?period=2025", "/login?next=%2Findicators%3Fperiod%3D2025"),
                                     ("/batches", "/login?next=%2Fbatches")] {
                let page = try await client.execute(uri: path, method: .get, headers: [.cookie: "wellbeing_session=stale"])
                #expect(page.status == .seeOther && page.headers[.location] == location, "\(path)")
                #expect(page.headers[.contentSecurityPolicy] != nil)
            }
            // The form carries the page, and signing in returns to it.
            let form = ServeTests.text(try await client.execute(uri: "/login?next=%2Findicators%3Fperiod%3D2025", method: .get))
            #expect(form.contains("<input type=\"hidden\" name=\"next\" value=\"/indicators?period=2025\">"))
            func signIn(next: String) async throws -> String? {
                let encoded = next.addingPercentEncoding(withAllowedCharacters: .alphanumerics)!
                let response = try await client.execute(uri: "/login", method: .post,
                                                        headers: [.origin: "http://localhost", .contentType: "application/x-www-form-urlencoded"],
                                                        body: ByteBuffer(string: "name=sato&password=\(Self.password)&next=\(encoded)"))
                #expect(response.status == .seeOther)
                return response.headers[.location]
            }
            #expect(try await signIn(next: "/indicators?period=2025") == "/indicators?period=2025")
            // Never to another site, the API or a broken header line.
            for hostile in ["//evil.example/", "/\\evil.example", "https://evil.example/", "/api/v1/batches", "/x\r\nSet-Cookie: a=b",
                            "javascript:alert(1)", "/login?next=//evil.example"] {
                #expect(try await signIn(next: hostile) == "/", "\(hostile)")
            }
            let hostileForm = ServeTests.text(try await client.execute(uri: "/login?next=%2F%22%3E%3Cscript%3Ealert(1)%3C%2Fscript%3E", method: .get))
            #expect(!hostileForm.contains("<script>"))
            let api = try await client.execute(uri: "/api/v1/batches", method: .get)
            #expect(api.status == .unauthorized && ServeTests.text(api).contains("/login") && !ServeTests.text(api).contains("token"))
            let change = try await client.execute(uri: "/api/v1/batches/1/undo", method: .post, headers: [.origin: "http://localhost"])
            #expect(change.status == .unauthorized)
        }
    }

    @Test func aNewRoleANewPasswordAndARemovedAccountCountAtOnce() async throws {
        let folder = try TemporaryFolder()
        let path = try Self.accountStore(in: folder)
        let server = Self.server(path, recheck: 0)
        try await server.application().test(.router) { client in
            let browser = try #require(try await Self.signIn(client))
            await server.sessions.finishWriting()
            let store = try SurveyStore(path: path, access: .writeExisting)
            try store.updateAccount("sato", passwordHash: nil, role: .viewer)
            #expect(try await Self.who(client, browser.cookie).role == "viewer")
            let undo = try await client.execute(uri: "/api/v1/batches/1/undo", method: .post, headers: browser.headers(post: true))
            #expect(undo.status == .forbidden)
            // A new password signs the browser out.
            try store.updateAccount("sato", passwordHash: try Self.passwordHash.get(), role: .importer)
            #expect(try await Self.who(client, browser.cookie).status == .unauthorized)
            // Signed in again, then the account removed: out.
            let again = try #require(try await Self.signIn(client))
            await server.sessions.finishWriting()
            #expect(try await Self.who(client, again.cookie).role == "importer")
            try store.removeAccount("sato")
            #expect(try await Self.who(client, again.cookie).status == .unauthorized)
        }
    }

    @Test func signingOutOnOneServerSignsOutOnTheOther() async throws {
        let folder = try TemporaryFolder()
        let store = try Self.accountStore(in: folder)
        let first = Self.server(store), second = Self.server(store, recheck: 0)
        try await first.application().test(.router) { one in
            let browser = try #require(try await Self.signIn(one))
            await first.sessions.finishWriting()
            try await second.application().test(.router) { two in
                #expect(try await Self.who(two, browser.cookie).status == .ok)
                let out = try await one.execute(uri: "/logout", method: .post, headers: browser.headers(post: true))
                #expect(out.status == .ok)
                await first.sessions.finishWriting()
                #expect(try await Self.who(two, browser.cookie).status == .unauthorized)
                #expect(try await Self.who(one, browser.cookie).status == .unauthorized)
            }
        }
    }

    /// Another process holds the store's write lock (as an import does): the sign-in answers without waiting for
    /// it, the session works from memory, and is written once the lock is free.
    @Test func aSignInDuringAnotherWriteDoesNotWait() async throws {
        let folder = try TemporaryFolder()
        let store = try Self.accountStore(in: folder)
        let holder = Process()
        holder.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        holder.arguments = ["python3", "-c", """
            import sqlite3, sys
            c = sqlite3.connect(sys.argv[1], isolation_level=None)
            c.execute('BEGIN IMMEDIATE')
            print('locked', flush=True)
            sys.stdin.readline()
            c.execute('ROLLBACK')
            """, store]
        let output = Pipe(), input = Pipe()
        holder.standardOutput = output
        holder.standardInput = input
        try holder.run()
        defer { try? input.fileHandleForWriting.close() }
        _ = output.fileHandleForReading.availableData  // "locked"
        let server = Self.server(store)
        try await server.application().test(.router) { client in
            let browser = try #require(try await Self.signIn(client))
            #expect(holder.isRunning, "the sign-in waited for the other writer")
            #expect(try await Self.who(client, browser.cookie).status == .ok)
            try input.fileHandleForWriting.write(contentsOf: Data("done\n".utf8))
            holder.waitUntilExit()
            await server.sessions.finishWriting()
        }
        #expect(try SurveyStore(path: store, access: .read).sessionCount(of: "sato") == 1)
    }

    #if PostgreSQL
    /// A division's setting: two servers on one PostgreSQL store answer the CLI's bytes, take an import, and share
    /// the sessions of their accounts (a sign-out on one is a sign-out on both).
    @Test(.enabled(if: PostgresTestServer.shouldRun)) func twoServersOnOnePostgreSQLStore() async throws {
        let folder = try TemporaryFolder()
        let url = try PostgresTestServer.newDatabase()
        let store = try SurveyStore(path: url)
        _ = try importResponses(store, Paths.fixture("mini-utf8.csv"))
        try store.addAccount(Account(name: "sato", role: .importer, passwordHash: try Self.passwordHash.get(), createdAt: "2026-12-03"))
        store.close()
        let cli = try CommandLineTests.run(["indicators", "--store", url, "--survey", "mini", "--period", "2025", "--format", "json"],
                                           environment: PostgresTestServer.childEnvironment, in: folder.path)
        #expect(cli.status == 0, "\(cli.errors)")
        let first = Self.server(url), second = Self.server(url, recheck: 0)
        try await first.application().test(.router) { one in
            let browser = try #require(try await Self.signIn(one))
            await first.sessions.finishWriting()
            let answer = try await one.execute(uri: "/api/v1/indicators?survey=mini&period=2025", method: .get, headers: browser.headers())
            #expect(answer.status == .ok && ServeTests.text(answer) == cli.output)
            let (body, headers) = ServeTests.form([("instrument", "mini"), ("period", "2031")],
                                                  file: ("sato.csv", ServeTests.miniFile("P", count: 12)))
            let upload = try await one.execute(uri: "/api/v1/imports", method: .post, headers: browser.headers(post: true, headers), body: body)
            #expect(upload.status == .created, "\(ServeTests.text(upload))")
            try await second.application().test(.router) { two in
                #expect(try await Self.who(two, browser.cookie).role == "importer")
                let batches = try await two.execute(uri: "/api/v1/batches", method: .get, headers: browser.headers())
                #expect(batches.status == .ok && ServeTests.text(batches).contains("\"sato.csv\""))
                let out = try await one.execute(uri: "/logout", method: .post, headers: browser.headers(post: true))
                #expect(out.status == .ok)
                await first.sessions.finishWriting()
                #expect(try await Self.who(two, browser.cookie).status == .unauthorized)
            }
        }
        #expect(try SurveyStore(path: url, access: .read).sessionCount(of: "sato") == 0)
    }
    #endif

    @Test func behindAProxyOnThisMachineTheThrottleCountsTheForwardedClient() {
        func client(_ forwarded: [String], peer: String, behindProxy: Bool = true) -> String {
            var fields = HTTPFields()
            for value in forwarded { fields.append(HTTPField(name: .xForwardedFor, value: value)) }
            let request = Request(head: HTTPRequest(method: .get, scheme: "http", authority: "localhost", path: "/login", headerFields: fields),
                                  body: RequestBody(buffer: ByteBuffer()))
            return RequestGuard.client(request, peer: peer, behindProxy: behindProxy)
        }
        #expect(client(["10.0.0.5"], peer: "127.0.0.1") == "10.0.0.5")
        // What the client itself wrote comes first; the proxy's own entry is the last one.
        #expect(client(["1.2.3.4, 10.0.0.5"], peer: "127.0.0.1") == "10.0.0.5")
        #expect(client(["1.2.3.4", "10.0.0.6"], peer: "::1") == "10.0.0.6")
        // Not behind a proxy, or a connection from elsewhere: the header is anyone's words.
        #expect(client(["10.0.0.5"], peer: "127.0.0.1", behindProxy: false) == "127.0.0.1")
        #expect(client(["10.0.0.5"], peer: "192.0.2.7") == "192.0.2.7")
        #expect(client([], peer: "127.0.0.1") == "127.0.0.1")
    }
}
#endif
