#if Server
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Testing
import WellBeingTestSupport
import WellBeingCore
import WellBeingIngest
import WellBeingReport
@testable import WellBeingServer
import WellBeingStore
import WellBeingWorkspace

/// `wellbeing serve` under load and faults: answers kept per store state (and shared while computed), readers
/// answering while an import runs, hostile uploads refused as the CLI refuses them, clients and servers that go
/// away mid-work (through the built executable), and HTTPS.
@Suite(.serialized) struct ServeLoadTests {
    // MARK: The answer cache

    /// Waits until `open()` is called.
    final class Gate: @unchecked Sendable {
        private let lock = NSLock()
        private var waiting: [CheckedContinuation<Void, Never>] = []
        private var opened = false

        func wait() async {
            await withCheckedContinuation { continuation in
                let now = lock.withLock { () -> Bool in
                    if opened { return true }
                    waiting.append(continuation)
                    return false
                }
                if now { continuation.resume() }
            }
        }

        func open() {
            let resumed = lock.withLock { () -> [CheckedContinuation<Void, Never>] in
                opened = true
                defer { waiting = [] }
                return waiting
            }
            resumed.forEach { $0.resume() }
        }
    }

    final class Counter: @unchecked Sendable {
        private let lock = NSLock()
        private var value = 0
        private var highest = 0
        func enter() -> Int { lock.withLock { value += 1; highest = max(highest, value); return value } }
        func leave() { lock.withLock { value -= 1 } }
        var peak: Int { lock.withLock { highest } }
    }

    static let state = StoreState(batchCount: 1, lastBatchID: 1, lastBatchSHA256: "a", lastImportedAt: "t")

    @Test func identicalRequestsAtOnceShareOneComputation() async throws {
        let cache = AnswerCache(limitBytes: 1 << 20, width: 2)
        let gate = Gate()
        let runs = Counter()
        let answers = try await withThrowingTaskGroup(of: Data.self) { group in
            for _ in 0..<10 {
                group.addTask {
                    try await cache.answer(request: "indicators?period=2025", state: Self.state) {
                        _ = runs.enter()
                        await gate.wait()
                        return (Data("figures".utf8), Self.state)
                    }
                }
            }
            // Every request has arrived (one computes, nine wait for it) before the computation may end.
            while await cache.hits < 9 { try await Task.sleep(nanoseconds: 1_000_000) }
            gate.open()
            return try await group.reduce(into: [Data]()) { $0.append($1) }
        }
        #expect(answers.count == 10 && Set(answers) == [Data("figures".utf8)])
        let computations = await cache.computations
        #expect(runs.peak == 1 && computations == 1)
        // Kept: the next one is not computed again; another state is.
        _ = try await cache.answer(request: "indicators?period=2025", state: Self.state) { Issue.record("computed again"); return (Data(), nil) }
        let later = StoreState(batchCount: 2, lastBatchID: 2, lastBatchSHA256: "b", lastImportedAt: "t")
        let changed = try await cache.answer(request: "indicators?period=2025", state: later) { (Data("new".utf8), later) }
        let computedNow = await cache.computations
        #expect(changed == Data("new".utf8) && computedNow == 2)
    }

    @Test func failuresAreSharedButNeverKept() async throws {
        let cache = AnswerCache(limitBytes: 1 << 20, width: 2)
        let failure = WellBeingError(.usage, Message(.serveMissingParameter, ["name": "period"]))
        for _ in 0..<2 {
            await #expect(throws: WellBeingError.self) {
                try await cache.answer(request: "r", state: Self.state) { throw failure }
            }
        }
        #expect(await cache.computations == 2)
    }

    @Test func theLaneBoundsComputationsAtOnceAndTheCacheItsBytes() async throws {
        let cache = AnswerCache(limitBytes: 4000, width: 2)
        let running = Counter()
        try await withThrowingTaskGroup(of: Void.self) { group in
            for index in 0..<8 {
                group.addTask {
                    _ = try await cache.answer(request: "r\(index)", state: Self.state) {
                        _ = running.enter()
                        try await Task.sleep(nanoseconds: 20_000_000)
                        running.leave()
                        return (Data(repeating: UInt8(index), count: 900), Self.state)
                    }
                }
            }
            try await group.waitForAll()
        }
        #expect(running.peak == 2)
        let size = await cache.size
        #expect(size.bytes <= 4000 && size.count == 4)
        await cache.storeChanged()
        #expect(await cache.size.count == 0)
    }

    // MARK: Through the routes

    static func get(_ client: some TestClientProtocol, _ browser: ServeTests.Browser, _ uri: String) async throws -> String {
        let response = try await client.execute(uri: uri, method: .get, headers: browser.headers())
        #expect(response.status == .ok, "\(uri): \(ServeTests.text(response))")
        return ServeTests.text(response)
    }

    /// The figures of 2025 as the commands compute them from the store now.
    static func commandsFigures(_ store: String) throws -> String {
        let view = try AnalysisViews.indicators(store: SurveyStore(path: store, access: .read), period: "2025",
                                                request: AnalysisRequest(language: .en), format: .csv)
        return String(decoding: view.body, as: UTF8.self)
    }

    /// Imports `count` mini answers into `store` as another process would: through a store of its own, never through
    /// the server (which therefore learns of it only from the store).
    static func importElsewhere(_ store: String, prefix: String, count: Int, in folder: TemporaryFolder) throws -> Int64 {
        let path = try folder.write("\(prefix).csv", String(decoding: ServeTests.miniFile(prefix, count: count), as: UTF8.self))
        let loaded = try WorkspaceServer.instrument(named: "mini", store: store)
        let request = ResponseImport.Request(path: path, instrument: loaded.instrument, instrumentFileName: loaded.fileName,
                                             period: PeriodLabel("2025"))
        return try #require(try ResponseImport.run(request, store: store).outcome.batchID)
    }

    @Test func answersFollowTheStoreWhoeverWritesIt() async throws {
        let folder = try TemporaryFolder()
        let store = try ServeTests.hostileStore(in: folder)
        let server = ServeTests.server(store: store)
        try await server.application().test(.router) { client in
            let browser = try await ServeTests.logIn(client)
            let uri = "/api/v1/indicators?period=2025&format=csv&lang=en"
            let first = try await Self.get(client, browser, uri)
            #expect(first == (try Self.commandsFigures(store)))
            let again = try await Self.get(client, browser, uri)
            #expect(again == first)
            let page = try await Self.get(client, browser, "/indicators?period=2025")
            let pageAgain = try await Self.get(client, browser, "/indicators?period=2025")
            #expect(pageAgain == page)
            // The analysis behind the CSV answered the JSON too.
            let json = try await Self.get(client, browser, "/api/v1/indicators?period=2025&lang=en")
            let commandsJSON = try AnalysisViews.indicators(store: SurveyStore(path: store, access: .read), period: "2025",
                                                            request: AnalysisRequest(language: .en), format: .json).body
            #expect(json == String(decoding: commandsJSON, as: UTF8.self))
            // The API's answers, once, and the page's, once (its second reader got the kept page).
            #expect(await server.cache.computations == 2)

            // Another process imports into the period: the next answers are computed again, from the new data.
            let batch = try Self.importElsewhere(store, prefix: "X", count: 30, in: folder)
            let after = try await Self.get(client, browser, uri)
            let figuresAfter = try Self.commandsFigures(store)
            #expect(after != first && after == figuresAfter)
            let pageAfter = try await Self.get(client, browser, "/indicators?period=2025")
            #expect(pageAfter != page)
            // … and its undo brings back the first figures.
            try SurveyStore(path: store, access: .writeExisting).undo(batchID: batch)
            let undone = try await Self.get(client, browser, uri)
            #expect(undone == first)

            // The server's own import changes them too.
            let (body, headers) = ServeTests.form([("instrument", "mini"), ("period", "2025")], file: ("own.csv", ServeTests.miniFile("O", count: 25)))
            let imported = try await client.execute(uri: "/api/v1/imports", method: .post, headers: browser.headers(post: true, headers), body: body)
            #expect(imported.status == .created, "\(ServeTests.text(imported))")
            let own = try await Self.get(client, browser, uri)
            let figuresOwn = try Self.commandsFigures(store)
            #expect(own != first && own == figuresOwn)
            let pageOwn = try await Self.get(client, browser, "/indicators?period=2025")
            #expect(pageOwn != page && pageOwn != pageAfter)
            // The page's table shows the whole area's n of the commands' figures now.
            let respondents = try SurveyStore(path: store, access: .read).surveys()[0].periods[PeriodLabel("2025")] ?? 0
            #expect(ServeTests.tableRows(pageOwn).contains { $0.count > 2 && $0[2] == "\(respondents)" }, "n = \(respondents)")
        }
    }

    /// Every page of figures, and the report download, is kept like the API's answers: a second reader costs no
    /// analysis and gets the same bytes; another language or another choice is an answer of its own; a usage error
    /// reaches the page (400 and its message) every time, never kept.
    @Test func pagesAreKeptLikeTheAPIsAnswers() async throws {
        let (_, store) = try AnalysisCommandTests.demo.get()
        let server = ServeTests.server(store: store)
        try await server.application().test(.router) { client in
            let browser = try await ServeTests.logIn(client)
            for uri in ["/indicators?survey=lwc&period=2025&by=%E5%B9%B4%E4%BB%A3", "/trend?survey=lwc&from=2024&to=2025",
                        "/compare?survey=lwc&period=2025", "/drivers?survey=lwc&period=2025", "/reports?survey=lwc",
                        "/api/v1/reports/lwc/2025.html?previous=2024", "/api/v1/reports/lwc/2025.xlsx?previous=2024"] {
                let before = await server.cache.computations
                let first = try await Self.get(client, browser, uri)
                #expect(await server.cache.computations == before + 1, "\(uri): not computed through the cache")
                let again = try await Self.get(client, browser, uri)
                #expect(again == first, "\(uri)")
                #expect(await server.cache.computations == before + 1, "\(uri): computed again for the second reader")
                // The same choices in the other language: another answer, in that language.
                let other = try await Self.get(client, browser, uri + "&lang=ja")
                #expect(other != first, "\(uri)")
                #expect(await server.cache.computations == before + 2, "\(uri)")
            }
            let english = try await Self.get(client, browser, "/indicators?survey=lwc&period=2025&lang=en")
            let japanese = try await Self.get(client, browser, "/indicators?survey=lwc&period=2025&lang=ja")
            #expect(english.contains("<html lang=\"en\">") && japanese.contains("<html lang=\"ja\">") && japanese.contains("偏差値"))
            let unweighted = try await Self.get(client, browser, "/indicators?survey=lwc&period=2025&weights=none&lang=en")
            #expect(unweighted != english)
            // A usage error: its message on the page, each time (a failure is never kept).
            let computed = await server.cache.computations
            for _ in 0..<2 {
                let response = try await client.execute(uri: "/compare?survey=lwc&period=2025&by=sex&lang=en", method: .get,
                                                        headers: browser.headers())
                #expect(response.status == .badRequest)
                #expect(ServeTests.text(response).contains(escapeMarkup(Message(.compareNoBy).text(in: .en))))
            }
            #expect(await server.cache.computations == computed + 2)
        }
    }

    @Test func readersAnswerWhileAnImportRuns() async throws {
        let folder = try TemporaryFolder()
        let store = try ServeTests.hostileStore(in: folder)
        let log = LogLines()
        let server = ServeTests.server(store: store, maxUpload: 64 << 20, log: log)
        try await server.application().test(.router) { client in
            let browser = try await ServeTests.logIn(client)
            let uri = "/api/v1/indicators?period=2025&by=sex&lang=en"
            let before = try await Self.get(client, browser, uri)
            let finished = Counter()
            let rows = 150_000
            let (body, headers) = ServeTests.form([("instrument", "mini"), ("period", "2026")], file: ("large.csv", ServeTests.miniFile("L", count: rows)))
            async let imported = { () async throws -> TestResponse in
                defer { _ = finished.enter() }
                return try await client.execute(uri: "/api/v1/imports", method: .post, headers: browser.headers(post: true, headers), body: body)
            }()
            while !log.text.contains("large.csv into mini started") { try await Task.sleep(nanoseconds: 5_000_000) }
            // While the import writes: readers get the figures of the store as it was, computed anew as well as kept.
            // How many are answered before the import ends depends on the machine's speed; at least the first is.
            var answeredDuring = 0
            for index in 0..<6 {
                let answer = try await Self.get(client, browser, index % 2 == 0 ? uri : "/api/v1/indicators?period=2025&min_n=\(5 + index)&lang=en")
                if index % 2 == 0 { #expect(answer == before) }
                guard finished.peak == 0 else { break }
                answeredDuring += 1
            }
            let response = try await imported
            #expect(response.status == .created, "\(ServeTests.text(response))")
            #expect(answeredDuring >= 1, "the import ended before a reader was answered; make it larger")
            let batches = try SurveyStore(path: store, access: .read).batches()
            #expect(batches.last?.rowCount == rows)
        }
    }

    // MARK: Hostile uploads: the CLI's refusals

    @Test func hostileFilesAreRefusedAsTheCommandRefusesThem() async throws {
        let folder = try TemporaryFolder()
        let store = folder.file("mini.sqlite")
        try importResponses(try SurveyStore(path: store), Paths.fixture("mini-utf8.csv"), policy: .skip)
        let instrument = try folder.write("mini.yaml", String(contentsOfFile: Paths.fixture("mini.yaml"), encoding: .utf8))
        let bomb = try TestWorkbook.zipBomb(header: ["id", "地区", "sex", "q1", "q2", "q3", "q4", "ls", "comment"], in: folder)
        var files = [bomb]
        for name in ["resp-binary.csv", "resp-cp932-bad-byte.csv", "resp-unbalanced-quote.csv", "resp-many-bad-rows.csv",
                     "resp-10000-columns.csv", "resp-nul-in-field.csv", "resp-html.csv"] {
            let copy = folder.file(name)
            try FileManager.default.copyItem(atPath: Paths.fixture("Hostile/\(name)"), toPath: copy)
            files.append(copy)
        }
        let uploads = files
        let temporary = try TemporaryFolder()
        let server = ServeTests.server(store: store, maxUpload: 64 << 20, temporary: temporary.path)
        let before = try SurveyStore(path: store, access: .read).batches()
        try await server.application().test(.router) { client in
            let browser = try await ServeTests.logIn(client)
            for path in uploads {
                let name = (path as NSString).lastPathComponent
                let cli = try CommandLineTests.run(["import", "responses", name, "--instrument", instrument, "--period", "2026",
                                                    "--store", store], in: folder.path)
                #expect(cli.status == 65, "\(name): \(cli.errors)")
                let (body, headers) = ServeTests.form([("instrument", "mini"), ("period", "2026")],
                                                      file: (name, try Data(contentsOf: URL(fileURLWithPath: path))))
                let response = try await client.execute(uri: "/api/v1/imports", method: .post, headers: browser.headers(post: true, headers), body: body)
                // Exit 65 (bad data) is 422; the message and every problem's place are the CLI's.
                #expect(response.status.code == 422, "\(name): \(ServeTests.text(response).prefix(400))")
                let object = try JSONSerialization.jsonObject(with: Data(buffer: response.body)) as? [String: Any]
                #expect(object?["error"] as? String == "badData", "\(name)")
                let message = try #require(object?["message"] as? String, "\(name)")
                #expect(Self.saysTheSame(message, as: cli.errors), "\(name): the API says '\(message)', the CLI: \(cli.errors.prefix(400))")
                // The CLI shows the first 50 (and how many more); the API answers every one.
                for problem in (object?["problems"] as? [[String: Any]] ?? []).prefix(50) {
                    let location = problem["location"] as? String ?? "?", text = problem["message"] as? String ?? "?"
                    #expect(cli.errors.contains(location) && Self.saysTheSame(text, as: cli.errors), "\(name): \(location) \(text)")
                }
            }
        }
        #expect(try SurveyStore(path: store, access: .read).batches() == before)
        #expect(try FileManager.default.contentsOfDirectory(atPath: temporary.path).isEmpty)
    }

    /// Whether the server's words give the CLI's facts: the same text, or (where the CLI names its options, which the
    /// server replaces with its page's controls: `MessageCatalogue.webWording`) the same opening, and no option.
    static func saysTheSame(_ web: String, as cli: String) -> Bool {
        if cli.contains(web) { return true }
        let opening = String(web.prefix { $0 != "(" && $0 != ";" })
        return !web.contains("--") && opening.count >= 12 && cli.contains(opening)
    }

    // MARK: The executable: faults and HTTPS

    /// Runs one case of Tests/serve-faults.py against the built executable.
    @Test(arguments: ["upload-cut", "import-cut", "page-stop", "kill", "logs", "tls"])
    func faultsThroughTheExecutable(_ name: String) throws {
        let folder = try TemporaryFolder()
        let executable = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent().appendingPathComponent("wellbeing").path
        let (status, text) = try runPython([(Paths.root as NSString).appendingPathComponent("Tests/serve-faults.py"), executable,
                                            Paths.fixtures, folder.path, name])
        #expect(status == 0 && text.hasSuffix("OK\n"), "\(text)")
    }

    /// A self-signed certificate and its key made by openssl in `folder`, named `name`.crt and `name`.key.
    static func certificate(_ name: String, in folder: TemporaryFolder) throws -> (certificate: String, key: String) {
        let certificate = folder.file("\(name).crt"), key = folder.file("\(name).key")
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", key, "-out", certificate,
                             "-days", "2", "-subj", "/CN=localhost"]
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        process.waitUntilExit()
        #expect(process.terminationStatus == 0)
        return (certificate, key)
    }

    @Test func wrongCertificatesAreRefusedByName() throws {
        let folder = try TemporaryFolder()
        let store = try ServeTests.hostileStore(in: folder)
        let first = try Self.certificate("first", in: folder)
        let second = try Self.certificate("second", in: folder)
        let notPEM = try folder.write("notes.txt", "not a certificate\n")
        for (arguments, status, named) in [
            (["--tls-cert", folder.file("missing.crt"), "--tls-key", first.key], Int32(66), [folder.file("missing.crt")]),
            (["--tls-cert", first.certificate, "--tls-key", folder.file("missing.key")], 66, [folder.file("missing.key")]),
            (["--tls-cert", notPEM, "--tls-key", first.key], 65, [notPEM, "--tls-cert"]),
            (["--tls-cert", first.certificate, "--tls-key", notPEM], 65, [notPEM, "--tls-key"]),
            (["--tls-cert", first.key, "--tls-key", first.key], 65, [first.key, "--tls-cert"]),
            (["--tls-cert", first.certificate, "--tls-key", second.key], 65, [second.key, first.certificate]),
            (["--tls-cert", folder.path, "--tls-key", first.key], 66, [folder.path]),
            (["--tls-cert", first.certificate], 64, ["--tls-key"]),
        ] {
            let run = try CommandLineTests.run(["serve", "--port", "0", "--store", store] + arguments, in: folder.path)
            #expect(run.status == status, "\(arguments): \(run.errors)")
            for name in named { #expect(run.errors.contains(name), "\(arguments): \(run.errors)") }
            #expect(run.output.isEmpty)
        }
    }

    @Test func theNetworkWithoutHTTPSIsRefusedInWordsAClerkFollows() throws {
        let folder = try TemporaryFolder()
        let store = try ServeTests.hostileStore(in: folder)
        let added = try ServeTests.run(["users", "add", "kato", "--role", "admin", "--store", store], input: "correct-horse-battery\n", in: folder.path)
        #expect(added.status == 0, "\(added.errors)")
        let run = try CommandLineTests.run(["serve", "--host", "192.0.2.10", "--store", store], in: folder.path)
        #expect(run.status == 64)
        #expect(run.errors.contains("--tls-cert") && run.errors.contains("--behind-proxy") && run.errors.contains("unencrypted"), "\(run.errors)")
    }
}
#endif
