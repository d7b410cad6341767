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

/// The import page's imports as jobs of the server: the form's POST sends the browser to `/imports/{job}`, which shows
/// the progress and then what the page showed after an import before; `GET /api/v1/imports/{job}` is the same as JSON;
/// only the starter (or an admin) sees a job; the upload is gone once the job ends.
@Suite(.serialized) struct ServeImportJobTests {
    typealias Browser = ServeTests.Browser

    /// Posts the import page's form; returns the job's address from the 303.
    static func startOnThePage(_ client: some TestClientProtocol, _ browser: Browser, _ fields: [(String, String)],
                               file: (name: String, bytes: Data)) async throws -> String {
        let (body, headers) = ServeTests.form(fields + [("csrf", browser.csrf)], file: file)
        let response = try await client.execute(uri: "/import", method: .post, headers: browser.headers(post: true, headers), body: body)
        #expect(response.status == .seeOther, "\(ServeTests.text(response).prefix(600))")
        let location = try #require(response.headers[.location])
        #expect(location.hasPrefix("/imports/"))
        return location
    }

    static func jobJSON(_ client: some TestClientProtocol, _ browser: Browser, _ location: String) async throws -> [String: Any] {
        let response = try await client.execute(uri: "/api/v1" + location, method: .get, headers: browser.headers())
        #expect(response.status == .ok, "\(ServeTests.text(response))")
        return try #require(try JSONSerialization.jsonObject(with: Data(buffer: response.body)) as? [String: Any])
    }

    /// Polls the job's JSON until it has ended (ten minutes at most: the whole suite at once is slow on a small machine).
    static func waitForEnd(_ client: some TestClientProtocol, _ browser: Browser, _ location: String) async throws -> [String: Any] {
        let deadline = Date().addingTimeInterval(600)
        while Date() < deadline {
            let job = try await jobJSON(client, browser, location)
            if job["state"] as? String != "running" { return job }
            try await Task.sleep(nanoseconds: 20_000_000)
        }
        Issue.record("the job \(location) did not end in ten minutes")
        return [:]
    }

    static func uploads(in folder: String) -> [String] {
        ((try? FileManager.default.contentsOfDirectory(atPath: folder)) ?? []).filter { $0.hasPrefix(Upload.prefix) }
    }

    @Test func thePageEndsInTheSameResultAsTheAPI() async throws {
        // Two equal stores: one imports through the API (synchronous, as before), one through the page's job.
        let (apiFolder, pageFolder) = (try TemporaryFolder(), try TemporaryFolder())
        let (apiStore, pageStore) = (try ServeTests.hostileStore(in: apiFolder), try ServeTests.hostileStore(in: pageFolder))
        let temporary = try TemporaryFolder()
        var csv = String(decoding: ServeTests.miniFile("P", count: 30), as: UTF8.self)
        csv += "P99,北区,女性,7,3,3,3,5,\n"  // one bad cell, skipped
        let fields = [("instrument", "mini"), ("period", "2026"), ("on_error", "skip")]
        let file = (name: "<img src=x onerror=alert(1)>回答.csv", bytes: Data(csv.utf8))

        let answered = try await ServeTests.server(store: apiStore).application().test(.router) { client in
            let browser = try await ServeTests.logIn(client)
            let (body, headers) = ServeTests.form(fields, file: file)
            let response = try await client.execute(uri: "/api/v1/imports", method: .post, headers: browser.headers(post: true, headers), body: body)
            #expect(response.status == .created, "\(ServeTests.text(response))")
            return Data(buffer: response.body)
        }

        let server = ServeTests.server(store: pageStore, temporary: temporary.path)
        try await server.application().test(.router) { client in
            let expected = try #require(try JSONSerialization.jsonObject(with: answered) as? [String: Any])
            let browser = try await ServeTests.logIn(client)
            let location = try await Self.startOnThePage(client, browser, fields, file: file)
            #expect(location.count >= "/imports/".count + 40, "an unguessable id: \(location)")
            let job = try await Self.waitForEnd(client, browser, location)
            #expect(job["state"] as? String == "done" && job["status"] as? Int == 201, "\(job)")
            #expect(job["rows_read"] as? Int == 31 && job["file"] as? String == "<img src=x onerror=alert(1)>回答.csv", "\(job)")
            let result = try #require(job["result"] as? [String: Any])
            func canonical(_ object: [String: Any]) throws -> Data { try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys]) }
            #expect(try canonical(result) == canonical(expected), "page \(result)\nAPI \(expected)")
            #expect(result["rejected"] as? Int == 1 && result["rows"] as? Int == 30)

            // The page: the CLI's summary with the skipped row at its cell, the batch, the links, the form again.
            let page = try await client.execute(uri: location, method: .get, headers: browser.headers())
            #expect(page.status == .ok)
            let html = ServeTests.text(page)
            let summary = try #require(expected["summary"] as? String)
            #expect(html.contains("<div class=\"done\" role=\"status\"><p>" + escapeMarkup(summary).replacingOccurrences(of: "\n", with: "<br>")))
            #expect(html.contains("&lt;img src=x onerror=alert(1)&gt;回答.csv:32") && !html.contains("<img src=x"), "the skipped row at its place, escaped")
            #expect(html.contains("batch \(try #require(expected["batch"] as? Int))") && html.contains("href=\"/indicators?survey=mini&amp;period=2026\""))
            #expect(html.contains("<form class=\"panel\" method=\"post\" action=\"/import\""))
            #expect(!html.contains("http-equiv=\"refresh\"") && !html.contains("<progress"))
            #expect(try SurveyStore(path: pageStore, access: .read).importers().values.contains("analyst"))
        }
        #expect(Self.uploads(in: temporary.path).isEmpty, "the upload is removed when the job ends")
    }

    @Test func aDryRunOnThePageWritesNothing() async throws {
        let folder = try TemporaryFolder()
        let store = try ServeTests.hostileStore(in: folder)
        let server = ServeTests.server(store: store)
        try await server.application().test(.router) { client in
            let browser = try await ServeTests.logIn(client)
            let location = try await Self.startOnThePage(client, browser, [("instrument", "mini"), ("period", "2026"), ("dry_run", "true")],
                                                         file: ("n.csv", ServeTests.miniFile("D", count: 12)))
            let job = try await Self.waitForEnd(client, browser, location)
            #expect(job["state"] as? String == "done" && job["status"] as? Int == 200 && job["dry_run"] as? Bool == true, "\(job)")
            #expect((job["result"] as? [String: Any])?["batch"] == nil)
            let html = ServeTests.text(try await client.execute(uri: location, method: .get, headers: browser.headers()))
            #expect(html.contains("class=\"done\"") && !html.contains("See the indicators"))
        }
        #expect(try SurveyStore(path: store, access: .read).batches().count == 1)
    }

    @Test func aBadCellIsNamedOnTheJobsPageAndNothingIsImported() async throws {
        let folder = try TemporaryFolder()
        let store = try ServeTests.hostileStore(in: folder)
        let temporary = try TemporaryFolder()
        let server = ServeTests.server(store: store, temporary: temporary.path)
        try await server.application().test(.router) { client in
            let browser = try await ServeTests.logIn(client)
            let csv = "id,地区,sex,q1,q2,q3,q4,ls,comment\nB1,北区,女性,7,3,3,3,5,\nB2,南区,女性,3,3,3,3,5,\n"
            let location = try await Self.startOnThePage(client, browser, [("instrument", "mini"), ("period", "2027")],
                                                         file: ("bad.csv", Data(csv.utf8)))
            let job = try await Self.waitForEnd(client, browser, location)
            #expect(job["state"] as? String == "failed" && job["status"] as? Int == 422, "\(job)")
            let error = try #require(job["error"] as? [String: Any])
            #expect(error["error"] as? String == "badData")
            let locations = (error["problems"] as? [[String: Any]] ?? []).compactMap { $0["location"] as? String }
            #expect(locations.contains { $0.hasPrefix("bad.csv:2") } && locations.contains { $0.hasPrefix("bad.csv:3") }, "\(locations)")
            let page = try await client.execute(uri: location, method: .get, headers: browser.headers())
            #expect(page.status.code == 422)
            let html = ServeTests.text(page)
            #expect(html.contains("bad.csv:2") && html.contains("table class=\"problems\"") && html.contains("action=\"/import\""))
            // In the reader's language.
            let japanese = ServeTests.text(try await client.execute(uri: location + "?lang=ja", method: .get, headers: browser.headers()))
            #expect(japanese.contains("何も取り込んでいません"))
        }
        #expect(try SurveyStore(path: store, access: .read).batches().count == 1)
        #expect(Self.uploads(in: temporary.path).isEmpty, "the upload is removed when the job fails")
    }

    @Test func theJobsPageShowsItsProgressWhileTheImportRuns() async throws {
        let folder = try TemporaryFolder()
        let store = try ServeTests.hostileStore(in: folder)
        let temporary = try TemporaryFolder()
        let server = ServeTests.server(store: store, maxUpload: 64 << 20, temporary: temporary.path)
        try await server.application().test(.router) { client in
            let browser = try await ServeTests.logIn(client)
            let rows = 200_000
            let location = try await Self.startOnThePage(client, browser, [("instrument", "mini"), ("period", "2026")],
                                                         file: ("large.csv", ServeTests.miniFile("L", count: rows)))
            // Mid-import: the page refreshes itself and shows the bar, the rows read and the share of the file.
            var seen: (html: String, json: [String: Any])?
            while seen == nil {
                let job = try await Self.jobJSON(client, browser, location)
                guard job["state"] as? String == "running" else { break }
                if job["phase"] as? String == "reading", let read = job["rows_read"] as? Int, read > 0 {
                    let page = try await client.execute(uri: location, method: .get, headers: browser.headers())
                    let html = ServeTests.text(page)
                    if html.contains("<progress value=") { seen = (html, job) }
                }
                try await Task.sleep(nanoseconds: 5_000_000)
            }
            let (html, json) = try #require(seen, "the import ended before its progress was seen; make the file larger")
            #expect(html.contains("<meta http-equiv=\"refresh\" content=\"1\">"))
            #expect(html.contains("Importing &#39;large.csv&#39; into the survey mini."))
            #expect(html.range(of: #"<progress value="\d+" max="\d+">\d+%</progress>"#, options: .regularExpression) != nil)
            #expect(html.range(of: #"\d{1,3}(,\d{3})* rows read so far \(\d+% of the file\)\."#, options: .regularExpression) != nil, "\(html)")
            #expect((json["bytes_total"] as? Int ?? 0) > 1_000_000 && (json["bytes_read"] as? Int ?? 0) <= (json["bytes_total"] as? Int ?? 0))
            #expect(Self.uploads(in: temporary.path).count == 1, "the upload stays while its job runs")
            // Meanwhile the same survey cannot be imported again, on the page or through the API (409); readers read.
            let second = ServeTests.form([("instrument", "mini"), ("period", "2027"), ("csrf", browser.csrf)], file: ("n.csv", ServeTests.miniFile("Q", count: 3)))
            let page409 = try await client.execute(uri: "/import", method: .post, headers: browser.headers(post: true, second.1), body: second.0)
            let api409 = try await client.execute(uri: "/api/v1/imports", method: .post, headers: browser.headers(post: true, second.1), body: second.0)
            let stillRunning = try await Self.jobJSON(client, browser, location)["state"] as? String == "running"
            if stillRunning {
                #expect(page409.status == .conflict && ServeTests.text(page409).contains("Another import of the survey &#39;mini&#39; is running"))
                #expect(api409.status == .conflict)
            }
            let job = try await Self.waitForEnd(client, browser, location)
            #expect(job["state"] as? String == "done" && job["rows_read"] as? Int == rows, "\(job)")
            #expect((job["result"] as? [String: Any])?["rows"] as? Int == rows)
            let done = ServeTests.text(try await client.execute(uri: location, method: .get, headers: browser.headers()))
            #expect(done.contains("class=\"done\"") && !done.contains("http-equiv=\"refresh\""))
        }
        #expect(try SurveyStore(path: store, access: .read).batches().last?.rowCount == 200_000)
        #expect(Self.uploads(in: temporary.path).isEmpty, "the upload is removed when the job ends")
    }

    @Test func onlyItsStarterOrAnAdminSeesAJob() async throws {
        let folder = try TemporaryFolder()
        let store = try ServeTests.hostileStore(in: folder)
        let server = ServeTests.server(store: store)
        try await server.application().test(.router) { client in
            let starter = await ServeTests.browser(server, role: .importer)  // "someone"
            let location = try await Self.startOnThePage(client, starter, [("instrument", "mini"), ("period", "2026")],
                                                         file: ("n.csv", ServeTests.miniFile("A", count: 12)))
            let other = await server.sessions.open(user: "another", role: .importer)
            let viewer = await server.sessions.open(user: "someone", role: .viewer)
            let admin = await server.sessions.open(user: "chief", role: .admin)
            func status(_ session: Session?, _ uri: String) async throws -> Int {
                let headers: HTTPFields = session.map { [.cookie: "wellbeing_session=\($0.id)"] } ?? [:]
                return Int(try await client.execute(uri: uri, method: .get, headers: headers).status.code)
            }
            for uri in [location, "/api/v1" + location] {
                #expect(try await status(other, uri) == 403, "\(uri)")
                #expect(try await status(viewer, uri) == 403, "\(uri)")
                #expect(try await status(nil, uri) == 401, "\(uri)")
                #expect(try await status(admin, uri) == 200, "\(uri)")
            }
            _ = try await Self.waitForEnd(client, starter, location)
            for uri in [location, "/api/v1" + location] {
                #expect(try await status(other, uri) == 403, "\(uri) after its end")
                #expect(try await status(viewer, uri) == 403, "\(uri) after its end")
            }
            let foreign = try await client.execute(uri: "/api/v1" + location, method: .get, headers: [.cookie: "wellbeing_session=\(other.id)"])
            #expect(!ServeTests.text(foreign).contains("n.csv"), "a refusal tells nothing of the job")
            for uri in ["/imports/unknown-job", "/api/v1/imports/unknown-job", location + "x"] {
                let response = try await client.execute(uri: uri, method: .get, headers: starter.headers())
                #expect(response.status == .notFound, "\(uri)")
                #expect(ServeTests.text(response).contains("kept for 30 minutes"), "\(uri)")
            }
        }
    }

    @Test func finishedJobsAreForgottenAndStoppingWaitsForRunningOnes() async throws {
        final class Clock: @unchecked Sendable {
            private let lock = NSLock()
            private var time = Date(timeIntervalSince1970: 1_800_000_000)
            var now: Date { lock.withLock { time } }
            func advance(_ seconds: TimeInterval) { lock.withLock { time += seconds } }
        }
        let clock = Clock()
        let jobs = ImportJobs(keepSeconds: 30 * 60, now: { clock.now })
        let progress = ImportProgress(fileBytes: 10)
        let gate = ServeLoadTests.Gate()
        let id = await jobs.start(user: "u", survey: "s", fileName: "f.csv", dryRun: false, progress: progress) {
            await gate.wait()
            return .failed(WellBeingError(.badData, Message(.serveUploadNoFile)))
        }
        #expect(await jobs.runningCount == 1)
        if case .running? = await jobs.job(id)?.state {} else { Issue.record("the job should run") }
        gate.open()
        #expect(await jobs.finishRunning() == 1)  // the server stopping waits for it
        #expect(await jobs.runningCount == 0)
        if case .failed? = await jobs.job(id)?.state {} else { Issue.record("the job should have failed") }
        clock.advance(29 * 60)
        #expect(await jobs.job(id) != nil, "kept for 30 minutes")
        clock.advance(2 * 60)
        #expect(await jobs.job(id) == nil, "forgotten once its time is up")
        #expect(await jobs.count == 0)
    }

    @Test func progressIsReadWhileTheReadingThreadWritesIt() async throws {
        let progress = ImportProgress(fileBytes: 1_000_000)
        #expect(progress.snapshot.phase == .waiting)
        progress.started()
        let writer = Thread {
            for row in stride(from: 4096, through: 400_000, by: 4096) {
                progress.update(ReadingProgress(rows: row, bytesRead: row * 2, fileBytes: 1_000_000))
            }
            progress.update(ReadingProgress(rows: 400_123, bytesRead: 1_000_000, fileBytes: 1_000_000, finished: true))
        }
        writer.start()
        var last = progress.snapshot
        while last.phase != .saving {
            let now = progress.snapshot
            #expect(now.rows >= last.rows && now.bytesRead == (now.phase == .saving ? 1_000_000 : now.rows * 2))
            last = now
            await Task.yield()
        }
        #expect(last == ImportProgress.Snapshot(phase: .saving, rows: 400_123, bytesRead: 1_000_000, fileBytes: 1_000_000))
        #expect(WorkspaceServer.grouped(400_123) == "400,123" && WorkspaceServer.grouped(7) == "7" && WorkspaceServer.grouped(1_000) == "1,000")
    }
}
#endif
