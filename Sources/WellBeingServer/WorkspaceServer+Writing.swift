#if Server
import Foundation
import Hummingbird
import HTTPTypes
import NIOCore
import WellBeingCore
import WellBeingIngest
import WellBeingStore
import WellBeingWorkspace

extension WorkspaceServer {
    /// An import's answer: the CLI's summary, as fields and as its words.
    struct ImportBody: Encodable {
        var batch: Int64?
        var survey: String
        var file: String
        var rows: Int
        var rejected: Int
        var blank: Int
        var periods: [String]
        var encoding: String
        var ignoredColumns: [String]
        var dryRun: Bool
        var importedBy: String
        var summary: String
        var problems: [ErrorResponses.Problem]

        enum CodingKeys: String, CodingKey {
            case batch, survey, file, rows, rejected, blank, periods, encoding, summary, problems
            case ignoredColumns = "ignored_columns", dryRun = "dry_run", importedBy = "imported_by"
        }
    }

    func addWritingRoutes(_ router: Router<ServerContext>) {
        router.post("/api/v1/imports") { request, context -> Response in
            let body = try await importResponses(request, context: context)
            return try Self.json(body, status: body.dryRun ? .ok : .created)
        }
        router.post("/api/v1/batches/{id}/undo") { request, context -> Response in
            _ = try context.require(.importer)
            guard let id = context.parameters.get("id").flatMap({ Int64($0) }) else {
                throw WellBeingError(.usage, Message(.serveBadParameter, ["name": "id", "value": DataProblem.shortened(context.parameters.get("id") ?? ""),
                                                                          "expected": Message(.serveWholeNumber).text(in: context.language ?? settings.language)]))
            }
            let removed = try await undo(id)
            return try Self.json(["batches": [removed]])
        }
    }

    /// Removes batch `id` and everything imported with it (in the import lane: never beside an import of this server).
    func undo(_ id: Int64) async throws -> Batch {
        let path = settings.storePath
        let removed = try await imports.lane.run {
            try await BlockingWork.run { try SurveyStore(path: path, access: .writeExisting).undo(batchID: id) }
        }
        await cache.storeChanged()
        return removed
    }

    /// An upload received and checked, its survey taken (no other import of it may start): what an import runs
    /// on. `perform` runs it and gives both back; until then, whoever holds it owns the upload's folder.
    struct PreparedImport: Sendable {
        let upload: Upload
        let request: ResponseImport.Request
        let survey: String
        let fileName: String
        let user: String
    }

    /// Receives an upload (multipart: `file`, `instrument`, `period`, `dry_run`, `on_error`, `sheet`, `csrf`) and
    /// imports it as the CLI's `import responses` would; everything received is removed afterwards.
    func importResponses(_ request: Request, context: ServerContext) async throws -> ImportBody {
        let prepared = try await prepareImport(request, context: context)
        let outcome = try await perform(prepared)
        return Self.importBody(outcome, survey: prepared.survey, file: prepared.fileName, user: prepared.user,
                               language: context.language ?? settings.language)
    }

    /// Receives the upload to its private folder, checks the CSRF token and the form, loads the instrument and takes
    /// the survey (409 when another import of it runs). On any failure the upload is removed.
    func prepareImport(_ request: Request, context: ServerContext) async throws -> PreparedImport {
        let session = try context.require(.importer)
        let upload = try await Upload.receive(request, limit: settings.maxUploadBytes, temporaryFolder: settings.temporaryFolder)
        do {
            if request.headers[.csrfToken] == nil {
                guard let token = upload.fields["csrf"], Sessions.sameText(token, session.csrf) else {
                    throw WellBeingError(.forbidden, Message(.serveCrossOrigin))
                }
            }
            let form = upload.fields
            let kind = form["kind"].map { $0.trimmingCharacters(in: .whitespaces) } ?? "responses"
            guard kind == "responses" else {
                throw WellBeingError(.usage, Message(.serveImportKind, ["kind": DataProblem.shortened(kind)]))
            }
            guard let filePath = upload.filePath, let fileName = upload.fileName else {
                throw WellBeingError(.usage, Message(.serveUploadNoFile))
            }
            guard let instrumentName = form["instrument"]?.trimmingCharacters(in: .whitespaces), !instrumentName.isEmpty else {
                throw WellBeingError(.usage, Message(.serveMissingParameter, ["name": "instrument"]))
            }
            func flag(_ name: String) throws -> Bool {
                guard let text = form[name]?.trimmingCharacters(in: .whitespaces).lowercased(), !text.isEmpty else { return false }
                guard let value = ["true": true, "1": true, "on": true, "yes": true, "false": false, "0": false, "off": false, "no": false][text] else {
                    throw WellBeingError(.usage, Message(.serveBadParameter, ["name": name, "value": DataProblem.shortened(text), "expected": "true, false"]))
                }
                return value
            }
            let dryRun = try flag("dry_run")
            let replace = try flag("replace")
            let policyText = form["on_error"]?.trimmingCharacters(in: .whitespaces) ?? ""
            guard let policy = policyText.isEmpty ? .abort : ErrorPolicy(rawValue: policyText) else {
                throw WellBeingError(.usage, Message(.serveBadParameter, ["name": "on_error", "value": DataProblem.shortened(policyText),
                                                                          "expected": "abort, skip"]))
            }
            let period = form["period"].map { $0.trimmingCharacters(in: .whitespaces) }.flatMap { $0.isEmpty ? nil : PeriodLabel($0) }
            let sheet = form["sheet"].flatMap { $0.isEmpty ? nil : $0 }
            let storePath = settings.storePath
            let loaded = try await BlockingWork.run {
                try Self.instrument(named: instrumentName, store: storePath)
            }
            let survey = loaded.instrument.instrument.id.rawValue
            guard await imports.take(survey) else {
                throw WellBeingError(.storeBusy, Message(.serveImportRunning, ["survey": survey]))
            }
            let importRequest = ResponseImport.Request(path: filePath, instrument: loaded.instrument, instrumentFileName: loaded.fileName,
                                                       period: period, sheet: sheet, errorPolicy: policy, dryRun: dryRun, replace: replace,
                                                       importedBy: session.user)
            return PreparedImport(upload: upload, request: importRequest, survey: survey, fileName: fileName, user: session.user)
        } catch {
            upload.discard()
            throw error
        }
    }

    /// Runs a prepared import in the import lane (one at a time per server; readers go on meanwhile on their own
    /// snapshots), reporting to `progress`; then removes the upload and gives the survey back, however it ended, before
    /// it returns (so that whoever learns of its end may start the next import of the survey at once).
    func perform(_ prepared: PreparedImport, progress: ImportProgress? = nil) async throws -> ImportOutcome {
        let (user, fileName, survey, dryRun) = (prepared.user, prepared.fileName, prepared.survey, prepared.request.dryRun)
        let storePath = settings.storePath
        let importRequest = prepared.request
        logger.notice("import by \(user): \(fileName) into \(survey)\(dryRun ? " (dry run)" : "") started")
        let ended: Result<ImportOutcome, any Error>
        do {
            ended = .success(try await imports.lane.run {
                progress?.started()
                return try await BlockingWork.run {
                    try ResponseImport.run(importRequest, store: storePath, onProgress: progress.map { progress in { progress.update($0) } }).outcome
                }
            })
        } catch {
            ended = .failure(error)
        }
        prepared.upload.discard()
        if case .success = ended, !dryRun { await cache.storeChanged() }
        await imports.release(survey)
        let result = try ended.get()
        logger.notice("import by \(user): \(fileName) into \(survey), batch \(result.batchID.map(String.init) ?? "none (dry run)")")
        return result
    }

    /// The answer of an import, in `language`: the CLI's summary (without the server's store path) and every problem.
    static func importBody(_ result: ImportOutcome, survey: String, file: String, user: String, language: Language) -> ImportBody {
        ImportBody(batch: result.batchID, survey: survey, file: file, rows: result.importedRows, rejected: result.rejectedRows,
                   blank: result.blankRows, periods: result.periods.map(\.rawValue), encoding: result.encoding,
                   ignoredColumns: result.ignoredColumns, dryRun: result.dryRun, importedBy: user,
                   summary: ImportSummary.describe(result, store: nil, language: language),  // no server path shown
                   problems: result.problems.map { ErrorResponses.Problem($0.onTheWeb, in: language) })
    }

    /// An instrument a web form may name: a bundled one (`lwc`), or the instrument a stored survey was imported
    /// with (its id). Never a path: a form must not read the server's files.
    static func instrument(named name: String, store: String) throws -> (instrument: LoadedInstrument, fileName: String) {
        let root = try? BundledData.folder()
        if let root, let bundled = BundledData.names(of: .instrument, in: root).first(where: { $0.name == name }) {
            return (try InstrumentLoader.load(path: bundled.path), (bundled.path as NSString).lastPathComponent)
        }
        if FileKind.of(store) != .missing || SurveyStore.isServerLocation(store) {
            let opened = try SurveyStore(path: store, access: .read)
            if let survey = try opened.surveys().first(where: { $0.id.rawValue == name }) {
                return (try opened.instrument(for: survey.id), "\(name).yaml")
            }
        }
        let names = (root.map { BundledData.names(of: .instrument, in: $0).map(\.name) } ?? [])
        throw WellBeingError(.usage, Message(.serveUnknownInstrument, [
            "name": DataProblem.shortened(name), "names": names.isEmpty ? "—" : names.joined(separator: ", ")]))
    }
}
#endif
