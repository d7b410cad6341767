#if Server
import Foundation
import Hummingbird
import HTTPTypes
import WellBeingCore
import WellBeingReport
import WellBeingStore
import WellBeingWorkspace

/// The import page's imports as jobs of the server: the form's POST receives and checks the upload, starts the
/// import and sends the browser to `/imports/{job}`, a page that shows its progress (refreshing itself each second,
/// no script) and then its result; `GET /api/v1/imports/{job}` is the same as JSON. The import runs to its end
/// whatever the browser does: it completes whole or fails whole.
extension WorkspaceServer {
    /// A job as the API shows it: `state` running, done or failed; while running, its `phase` (waiting for another
    /// import, reading, saving); rows read and bytes of the file; once ended, the `status` and `result`
    /// (`POST /api/v1/imports`'s body) or `error` (its error body) that the import answered.
    struct JobBody: Encodable {
        var job: String
        var state: String
        var phase: String?
        var survey: String
        var file: String
        var dryRun: Bool
        var rowsRead: Int
        var bytesRead: Int
        var bytesTotal: Int
        var status: Int?
        var result: ImportBody?
        var error: ErrorResponses.Body?

        enum CodingKeys: String, CodingKey {
            case job, state, phase, survey, file, status, result, error
            case dryRun = "dry_run", rowsRead = "rows_read", bytesRead = "bytes_read", bytesTotal = "bytes_total"
        }
    }

    func addImportJobRoutes(_ router: Router<ServerContext>) {
        router.get("/imports/{job}") { _, context -> Response in
            let (session, job) = try await visibleJob(context)
            let language = context.language ?? settings.language
            let title = Message(.pageImportHeading).text(in: language)
            switch job.state {
            case .running:
                return Pages.response(Pages.page(title, Self.progressBlock(job, language: language), language: language, session: session,
                                                 refreshSeconds: 1))
            case let .done(outcome):
                let body = Self.importBody(outcome, survey: job.survey, file: job.fileName, user: job.user, language: language)
                let html = Self.importResultBlock(body, language: language) + (try await importForm(language: language, session: session))
                return Pages.response(Pages.page(title, html, language: language, session: session))
            case let .failed(failure):
                let html = Pages.errorBlock(failure, language: language) + (try await importForm(language: language, session: session))
                return Pages.response(Pages.page(title, html, language: language, session: session),
                                      status: HTTPResponse.Status(code: failure.kind.httpStatus))
            }
        }
        router.get("/api/v1/imports/{job}") { _, context -> Response in
            let (_, job) = try await visibleJob(context)
            let language = context.language ?? settings.language
            let now = job.progress.snapshot
            var body = JobBody(job: job.id, state: "running", phase: now.phase.rawValue, survey: job.survey, file: job.fileName,
                               dryRun: job.dryRun, rowsRead: now.rows, bytesRead: now.bytesRead, bytesTotal: now.fileBytes)
            switch job.state {
            case .running: break
            case let .done(outcome):
                (body.state, body.phase, body.status) = ("done", nil, outcome.dryRun ? 200 : 201)
                body.result = Self.importBody(outcome, survey: job.survey, file: job.fileName, user: job.user, language: language)
            case let .failed(failure):
                (body.state, body.phase, body.status) = ("failed", nil, failure.kind.httpStatus)
                body.error = ErrorResponses.body(failure, language: language)
            }
            return try Self.json(body)
        }
    }

    /// Receives and checks the import form's upload (refusing as `POST /api/v1/imports` does, 409 included) and
    /// starts its import as a job of the server. Returns the job's id.
    func startImportJob(_ request: Request, context: ServerContext) async throws -> String {
        let prepared = try await prepareImport(request, context: context)
        let size = (try? FileManager.default.attributesOfItem(atPath: prepared.request.path)[.size] as? Int) ?? 0
        let progress = ImportProgress(fileBytes: size)
        let logger = self.logger
        return await jobs.start(user: prepared.user, survey: prepared.survey, fileName: prepared.fileName,
                                dryRun: prepared.request.dryRun, progress: progress) {
            do {
                return .done(try await perform(prepared, progress: progress))
            } catch {
                return .failed(ErrorResponses.failure(for: error, path: "/import", logger: logger))
            }
        }
    }

    /// The job the route names, if this session may see it: only an importer or an admin (a viewer never, 403), then
    /// only its own unless an admin (403); an unknown or forgotten job is 404.
    func visibleJob(_ context: ServerContext) async throws -> (Session, ImportJob) {
        let session = try context.require(.importer)
        let id = context.parameters.get("job") ?? ""
        guard let job = await jobs.job(id) else {
            throw WellBeingError(.notFound, Message(.serveImportJobUnknown, [
                "minutes": "\(Int(ImportJobs.keepSeconds / 60))"]))
        }
        guard job.user == session.user || session.role >= .admin else {
            throw WellBeingError(.forbidden, Message(.serveImportJobForeign))
        }
        return (session, job)
    }

    /// What the page shows while a job runs: the file, a progress bar (the share of the file read), the rows read.
    static func progressBlock(_ job: ImportJob, language: Language) -> String {
        func say(_ key: MessageKey, _ arguments: [String: String] = [:]) -> String { escapeMarkup(Message(key, arguments).text(in: language)) }
        let now = job.progress.snapshot
        let percent = Int((now.fraction * 100).rounded(.down))
        let rows = grouped(now.rows)
        var html = "<div class=\"progress\" role=\"status\">\n"
        html += "<p>\(say(job.dryRun ? .pageJobChecking : .pageJobImporting, ["file": job.fileName, "survey": job.survey]))</p>\n"
        switch now.phase {
        case .waiting:
            html += "<p><progress></progress></p>\n<p>\(say(.pageJobWaiting))</p>\n"
        case .reading:
            html += "<p><progress value=\"\(now.bytesRead)\" max=\"\(max(now.fileBytes, 1))\">\(percent)%</progress></p>\n"
            html += "<p class=\"rows\">\(say(.pageJobRows, ["rows": rows, "percent": "\(percent)"]))</p>\n"
        case .saving:
            html += "<p><progress value=\"1\" max=\"1\">100%</progress></p>\n"
            html += "<p class=\"rows\">\(say(job.dryRun ? .pageJobFinishingCheck : .pageJobSaving, ["rows": rows]))</p>\n"
        }
        return html + "<p class=\"note\">\(say(.pageJobNote))</p>\n</div>\n"
    }

    /// What the import page shows after an import: the CLI's summary; after a real one, where to see its figures
    /// and its batch number.
    static func importResultBlock(_ result: ImportBody, language: Language) -> String {
        var html = "<div class=\"done\" role=\"status\"><p>\(escapeMarkup(result.summary).replacingOccurrences(of: "\n", with: "<br>"))</p></div>\n"
        if !result.dryRun, let batch = result.batch {
            html += "<p><a href=\"/indicators?survey=\(hrefValue(result.survey))&amp;period=\(hrefValue(result.periods.first ?? ""))\">"
                + "\(escapeMarkup(Message(.pageSeeIndicators).text(in: language)))</a> · "
                + "\(escapeMarkup(Message(.pageBatchNumber, ["batch": "\(batch)"]).text(in: language)))</p>\n"
        }
        return html
    }

    /// A count with thousands separated by commas (12,288), as both languages write it.
    static func grouped(_ count: Int) -> String {
        let digits = String(count.magnitude)
        var text = ""
        for (index, digit) in digits.enumerated() {
            if index > 0, (digits.count - index) % 3 == 0 { text.append(",") }
            text.append(digit)
        }
        return (count < 0 ? "-" : "") + text
    }
}
#endif
