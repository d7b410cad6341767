#if Server
import Foundation
import Hummingbird
import HTTPTypes
import NIOCore
import WellBeingAnalysis
import WellBeingCore
import WellBeingIngest
import WellBeingReport
import WellBeingStore
import WellBeingWorkspace

/// The pages: plain HTML forms (no script at all, so the policy forbids every script), the report's
/// stylesheet, every name from data escaped.
enum Pages {
    /// One page: the navigation, the language switch (to this page with the parameters it was asked with: `keeping`),
    /// the body; with `refreshSeconds`, the browser loads it again after so many seconds (a running import's progress,
    /// with no script).
    static func page(_ title: String, _ body: String, language: Language, session: Session?, keeping parameters: [String: String] = [:],
                     refreshSeconds: Int? = nil) -> String {
        func say(_ key: MessageKey) -> String { escapeMarkup(Message(key).text(in: language)) }
        var html = """
            <!DOCTYPE html>
            <html lang="\(language.rawValue)">
            <head>
            <meta charset="utf-8">
            <meta name="viewport" content="width=device-width, initial-scale=1">\(refreshSeconds.map { "\n<meta http-equiv=\"refresh\" content=\"\($0)\">" } ?? "")
            <title>\(escapeMarkup(title)) — wellbeing</title>
            <link rel="stylesheet" href="/assets/app.css">
            </head>
            <body>

            """
        if let session {
            let other: Language = language == .ja ? .en : .ja
            var switched = parameters
            switched["lang"] = other.rawValue
            let importLink = session.role >= .importer ? "<a href=\"/import\">\(say(.pageNavImport))</a> " : ""
            html += """
                <header class="site"><nav><a href="/">\(say(.pageNavHome))</a> \
                \(importLink)\
                <a href="/indicators">\(say(.pageNavIndicators))</a> <a href="/trend">\(say(.pageNavTrend))</a> \
                <a href="/compare">\(say(.pageNavCompare))</a> <a href="/drivers">\(say(.pageNavDrivers))</a> \
                <a href="/reports">\(say(.pageNavReports))</a> <a href="/batches">\(say(.pageNavBatches))</a> \
                <a href="?\(WorkspaceServer.queryString(switched))" hreflang="\(other.rawValue)">\(other == .en ? "English" : "日本語")</a></nav>
                <form method="post" action="/logout" class="inline"><input type="hidden" name="csrf" value="\(escapeMarkup(session.csrf))">\
                <span class="who">\(escapeMarkup(session.user))\(language == .ja ? "（" : " (")\(escapeMarkup(session.role.rawValue))\(language == .ja ? "）" : ")")</span> \
                <button type="submit">\(say(.pageNavLogout))</button></form></header>

                """
        }
        html += "<main>\n<h1>\(escapeMarkup(title))</h1>\n\(body)</main>\n</body>\n</html>\n"
        return html
    }

    static func response(_ html: String, status: HTTPResponse.Status = .ok) -> Response {
        Response(status: status, headers: [.contentType: "text/html; charset=utf-8"], body: .init(byteBuffer: ByteBuffer(string: html)))
    }

    /// A failure as a page: what happened, and every problem at its place.
    static func errorPage(_ failure: WellBeingError, language: Language, session: Session?, keeping parameters: [String: String] = [:]) -> String {
        page(Message(.pageErrorHeading).text(in: language), errorBlock(failure, language: language), language: language, session: session,
             keeping: parameters)
    }

    /// The message and the problems of `failure`, as a block for any page.
    static func errorBlock(_ failure: WellBeingError, language: Language) -> String {
        let failure = failure.onTheWeb
        // With problems, the summary line, then every problem in the table (the full text would list them twice).
        let text = failure.problems.isEmpty ? failure.text(in: language) : failure.message.text(in: language)
        var html = "<div class=\"error\" role=\"alert\"><p>\(escapeMarkup(text).replacingOccurrences(of: "\n", with: "<br>"))</p></div>\n"
        if !failure.problems.isEmpty { html += problemsTable(failure.problems, language: language) }
        return html
    }

    /// Every problem at its row or cell, in the CLI's words.
    static func problemsTable(_ problems: [DataProblem], language: Language) -> String {
        var html = "<table class=\"problems\"><thead><tr><th scope=\"col\">\(escapeMarkup(Message(.pageProblemPlace).text(in: language)))</th>"
            + "<th scope=\"col\">\(escapeMarkup(Message(.pageProblemWhat).text(in: language)))</th></tr></thead><tbody>\n"
        for problem in problems {
            let (place, reason) = ErrorResponses.parts(of: problem, in: language)
            html += "<tr><th scope=\"row\">\(escapeMarkup(place))</th><td>\(escapeMarkup(reason))</td></tr>\n"
        }
        return html + "</tbody></table>\n"
    }

    /// The stylesheet: the report's, and the pages' own few rules.
    static let stylesheet = HTMLRenderer.stylesheet + """

        header.site { display: flex; justify-content: space-between; align-items: center; border-bottom: 1px solid #ccc;
                      padding: 0.4em 1em; margin-bottom: 1em; }
        header.site nav a { margin-right: 1em; }
        form.inline { display: inline; }
        form.panel { border: 1px solid #ccc; padding: 0.8em 1em; margin: 1em 0; max-width: 48em; }
        form.panel label { display: block; margin: 0.4em 0; }
        .error { border-left: 4px solid #b00020; background: #fdecee; padding: 0.4em 1em; }
        .done { border-left: 4px solid #2e7d32; background: #edf7ee; padding: 0.4em 1em; }
        .progress { border-left: 4px solid #1565c0; background: #eaf1fb; padding: 0.4em 1em; }
        .progress progress { width: 100%; max-width: 36em; height: 1.4em; }
        table.problems th[scope=row] { font-family: monospace; white-space: nowrap; }
        .downloads a { margin-right: 1em; }
        form.panel button + button { margin-left: 0.6em; }
        nav.groups { margin: 0.5em 0 1em; line-height: 1.8; }
        nav.groups a { margin-right: 0.8em; white-space: nowrap; }
        body { max-width: 72rem; }  /* wider than the report's page, so that two charts stand side by side */
        section.group { margin-top: 1.2em; }
        section.group caption { font-size: 1.15em; padding-bottom: 0.4em; }
        p.summary { margin: 0.3em 0; }
        main { padding: 0 1em; }
        """
}

extension WorkspaceServer {
    func addPages(_ router: Router<ServerContext>) {
        router.get("/assets/app.css") { _, _ -> Response in
            Response(status: .ok, headers: [.contentType: "text/css; charset=utf-8", .cacheControl: "max-age=3600"],
                     body: .init(byteBuffer: ByteBuffer(string: Pages.stylesheet)))
        }
        router.get("/") { _, context -> Response in
            let session = try context.requireSession()
            let language = context.language ?? settings.language
            let html = try await onPool { store in try Self.home(store: store, language: language) }
            return Pages.response(Pages.page(Message(.pageHomeHeading).text(in: language), html, language: language, session: session))
        }
        addAnalysisPages(router)
        router.get("/import") { _, context -> Response in
            let session = try context.require(.importer)
            let language = context.language ?? settings.language
            let form = try await importForm(language: language, session: session)
            return Pages.response(Pages.page(Message(.pageImportHeading).text(in: language), form, language: language, session: session))
        }
        router.post("/import") { request, context -> Response in
            let session = try context.require(.importer)
            let language = context.language ?? settings.language
            do {
                // Received and checked: the import runs as a job of the server; its page shows the progress, then the result.
                let job = try await startImportJob(request, context: context)
                return Response(status: .seeOther, headers: [.location: "/imports/\(job)"])
            } catch let failure as WellBeingError where ![.unauthenticated, .forbidden].contains(failure.kind) {
                let html = Pages.errorBlock(failure, language: language) + (try await importForm(language: language, session: session))
                return Pages.response(Pages.page(Message(.pageImportHeading).text(in: language), html, language: language, session: session),
                                      status: HTTPResponse.Status(code: failure.kind.httpStatus))
            }
        }
        router.get("/batches") { _, context -> Response in
            let session = try context.requireSession()
            let language = context.language ?? settings.language
            let html = try await onPool { store in try Self.batchesPage(store: store, language: language, session: session) }
            return Pages.response(Pages.page(Message(.pageBatchesHeading).text(in: language), html, language: language, session: session))
        }
        router.post("/batches/{id}/undo") { _, context -> Response in
            _ = try context.require(.importer)
            guard let id = context.parameters.get("id").flatMap({ Int64($0) }) else {
                throw WellBeingError(.notFound, Message(.serveNotFound, ["path": DataProblem.shortened(context.parameters.get("id") ?? "")]))
            }
            _ = try await undo(id)
            return Response(status: .seeOther, headers: [.location: "/batches"])
        }
    }

    /// Surveys with their periods and respondents, and the latest imports.
    static func home(store: SurveyStore?, language: Language) throws -> String {
        func say(_ key: MessageKey, _ arguments: [String: String] = [:]) -> String { escapeMarkup(Message(key, arguments).text(in: language)) }
        guard let store, !(try store.surveys().isEmpty) else { return "<p>\(say(.pageNothingYet))</p>\n" }
        var html = "<h2>\(say(.pageSurveys))</h2>\n<ul>\n"
        for survey in try store.surveys() {
            let title = (try? store.instrument(for: survey.id).instrument.title.text(in: language)) ?? ""
            html += "<li><strong>\(escapeMarkup(title))</strong> (\(escapeMarkup(survey.id.rawValue)) \(escapeMarkup(survey.instrumentVersion))): "
            html += survey.periods.keys.sorted().map { period in
                "<a href=\"/indicators?survey=\(hrefValue(survey.id.rawValue))&amp;period=\(hrefValue(period.rawValue))\">"
                    + "\(escapeMarkup(period.rawValue))</a> (n = \(survey.periods[period] ?? 0))"
            }.joined(separator: ", ") + "</li>\n"
        }
        html += "</ul>\n<h2>\(say(.pageRecentImports))</h2>\n"
        let recent = try store.batches().suffix(5)
        html += "<ul>\n" + recent.reversed().map { batch in
            "<li>\(batch.id): \(escapeMarkup(batch.fileName)) — \(escapeMarkup(AnalysisViews.kindMessage(batch.kind).text(in: language))), "
                + "\(batch.rowCount) (\(escapeMarkup(batch.importedAt)))</li>"
        }.joined(separator: "\n") + "\n</ul>\n"
        return html
    }

    /// The upload form: the file, the instrument (bundled or stored), the period, a dry run, what to do with bad rows.
    func importForm(language: Language, session: Session) async throws -> String {
        func say(_ key: MessageKey) -> String { escapeMarkup(Message(key).text(in: language)) }
        let stored = try await onPool { store in
            try (store?.surveys().map(\.id.rawValue) ?? []).joined(separator: "\n")
        }.split(separator: "\n").map(String.init)
        let bundled = (try? BundledData.folder()).map { BundledData.names(of: .instrument, in: $0).map(\.name) } ?? []
        let options = (stored + bundled.filter { !stored.contains($0) }).map { "<option value=\"\(escapeMarkup($0))\">\(escapeMarkup($0))</option>" }
        return """
            <form class="panel" method="post" action="/import" enctype="multipart/form-data">
            <input type="hidden" name="csrf" value="\(escapeMarkup(session.csrf))">
            <label>\(say(.pageImportFile)) <input type="file" name="file" accept=".csv,.xlsx,.tsv,.txt" required></label>
            <label>\(say(.pageImportInstrument)) <select name="instrument">\(options.joined())</select></label>
            <label>\(say(.pageImportPeriod)) <input type="text" name="period" size="10"></label>
            <label>\(say(.pageImportSheet)) <input type="text" name="sheet" size="16"></label>
            <label><input type="checkbox" name="dry_run" value="true"> \(say(.pageImportDryRun))</label>
            <label><input type="checkbox" name="replace" value="true"> \(say(.pageImportReplace))</label>
            <label>\(say(.pageImportOnError)) <select name="on_error"><option value="abort">\(say(.pageOnErrorAbort))</option>\
            <option value="skip">\(say(.pageOnErrorSkip))</option></select></label>
            <button type="submit">\(say(.pageImportSubmit))</button>
            </form>

            """
    }

    /// Every batch, newest first, each with its undo button.
    static func batchesPage(store: SurveyStore?, language: Language, session: Session) throws -> String {
        func say(_ key: MessageKey) -> String { escapeMarkup(Message(key).text(in: language)) }
        guard let store, !(try store.batches().isEmpty) else { return "<p>\(say(.pageNothingYet))</p>\n" }
        let headers: [MessageKey] = [.colBatch, .colKind, .colSurvey, .colFile, .colRows, .colRejected, .colPeriods, .colImported,
                                     .colImportedBy]
        let importers = try store.importers()
        var html = "<table class=\"results\"><thead><tr>" + headers.map { "<th scope=\"col\">\(say($0))</th>" }.joined()
            + "<th></th></tr></thead><tbody>\n"
        for batch in try store.batches().reversed() {
            let cells = [escapeMarkup(AnalysisViews.kindMessage(batch.kind).text(in: language)), escapeMarkup(batch.survey.rawValue),
                         escapeMarkup(batch.fileName), "\(batch.rowCount)", "\(batch.rejectedCount)",
                         escapeMarkup(batch.periods.isEmpty ? Message(.allPeriods).text(in: language) : batch.periods.map(\.rawValue).joined(separator: ", ")),
                         escapeMarkup(batch.importedAt), escapeMarkup(importers[batch.id] ?? "—")]
            html += "<tr><th scope=\"row\">\(batch.id)</th>" + cells.map { "<td>\($0)</td>" }.joined()
            if session.role >= .importer {
                html += "<td><form method=\"post\" action=\"/batches/\(batch.id)/undo\" class=\"inline\">"
                    + "<input type=\"hidden\" name=\"csrf\" value=\"\(escapeMarkup(session.csrf))\">"
                    + "<button type=\"submit\">\(say(.pageUndo))</button></form></td>"
            } else {
                html += "<td></td>"
            }
            html += "</tr>\n"
        }
        return html + "</tbody></table>\n"
    }
}
#endif
