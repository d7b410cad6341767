import Foundation
import WellBeingCore

/// What to do with rows that fail validation.
public enum ErrorPolicy: String, Sendable, CaseIterable {
    /// One bad row and nothing is written (the default).
    case abort
    /// Import the valid rows; report (and optionally write out) the rejected ones.
    case skip
}

/// A request to import one survey file, opened and ready to read.
public struct ResponseImportRequest {
    /// The respondents to import (`ResponseFile` in WellBeingIngest).
    public var source: any RespondentSource
    public var instrument: LoadedInstrument
    public var instrumentFileName: String
    public var errorPolicy: ErrorPolicy
    public var dryRun: Bool
    public var replace: Bool
    /// The account importing through `wellbeing serve`, recorded with the batch in the import's own transaction.
    public var importedBy: String?

    public init(source: any RespondentSource, instrument: LoadedInstrument, instrumentFileName: String,
                errorPolicy: ErrorPolicy = .abort, dryRun: Bool = false, replace: Bool = false, importedBy: String? = nil) {
        self.source = source
        self.instrument = instrument
        self.instrumentFileName = instrumentFileName
        self.errorPolicy = errorPolicy
        self.dryRun = dryRun
        self.replace = replace
        self.importedBy = importedBy
    }
}

/// What an import did.
public struct ImportOutcome: Sendable {
    /// The new batch's id (nil for a dry run).
    public var batchID: Int64?
    public var fileName: String
    public var sha256: String
    public var encoding: String
    public var importedRows: Int
    public var rejectedRows: Int
    public var blankRows: Int
    public var periods: [PeriodLabel]
    public var ignoredColumns: [String]
    /// The problems of rejected rows (the first `ResponseParser.problemLimit`).
    public var problems: [DataProblem]
    public var dryRun: Bool
}

extension SurveyStore {
    /// Imports a survey CSV in one transaction: all rows or none (unless `.skip`), streaming.
    ///
    /// - Throws: `badData` listing every problem (file, line, column, value, reason) when any row is invalid
    ///   under `.abort`, when no row is valid, when the same file was imported before (without `replace`),
    ///   or when a respondent id already exists for the survey and period.
    public func importResponses(_ request: ResponseImportRequest) throws -> ImportOutcome {
        let source = request.source
        let replaceHash = request.replace ? try source.wholeFileSHA256() : nil
        // A dry run only reads: it works on a read-only store and never waits for another importer's lock.
        if request.dryRun {
            return try read { db in try importResponses(db, request, source: source, replaceHash: replaceHash) }
        }
        return try write(survey: request.instrument.instrument.id) { db in try importResponses(db, request, source: source, replaceHash: replaceHash) }
    }

    /// The body of an import inside its transaction; a dry run writes nothing and only reads `db`.
    private func importResponses(_ db: any StoreTransaction, _ request: ResponseImportRequest, source: any RespondentSource,
                                 replaceHash: String?) throws -> ImportOutcome {
        let instrument = request.instrument.instrument
        let fileName = source.fileName
        var batchID: Int64?
        var writer: StoredBlockFormat.Writer?
        try refuseRedefinedVersion(db, request.instrument, fileName: request.instrumentFileName)
        if !request.dryRun {
            let instrumentID = try registerInstrument(db, request.instrument, fileName: request.instrumentFileName)
            if let replaceHash {
                try handleRepeatedFile(db, kind: .responses, survey: instrument.id, sha256: replaceHash,
                                       fileName: fileName, replace: true)
            }
            let id = try insertBatch(db, kind: .responses, survey: instrument.id, instrumentID: instrumentID,
                                     fileName: fileName, sha256: "", rowCount: 0, rejectedCount: 0,
                                     periods: [], encoding: source.encodingName + (source.sheet.map { ", sheet " + $0 } ?? ""),
                                     options: "instrument \(instrument.id) \(instrument.version)")
            batchID = id
            writer = StoredBlockFormat.Writer(db: db, batchID: id, instrument: instrument)
        }
        // With --replace, the earlier batch's respondents are about to be replaced: a dry run does not count them.
        let replacedBatch = request.dryRun && replaceHash != nil
            ? try db.fetchInteger("SELECT id FROM batch WHERE kind = 'responses' AND surveyId = ? AND sha256 = ?",
                                  [instrument.id.rawValue, replaceHash]) : nil
        let stored = try storedRespondents(db, survey: instrument.id, excludingBatch: replacedBatch)
        let storedRespondent: (@Sendable (String, String) -> String?)?
        if stored.isEmpty {
            storedRespondent = nil
        } else {
            storedRespondent = { period, key in stored[period + "\u{1F}" + key] }
        }
        let blockWriter = writer
        let summary = try source.readBlocks(storedRespondent: storedRespondent) { block in try blockWriter?.write(block) }
        let sha256 = try source.fileSHA256()
        if !(request.dryRun && request.replace) {
            try handleRepeatedFile(db, kind: .responses, survey: instrument.id, sha256: sha256, fileName: fileName,
                                   replace: false)
        }
        if summary.problemCount > 0 && request.errorPolicy == .abort {
            throw WellBeingError.badData(
                Message(.fileHasProblems, ["file": fileName, "count": "\(summary.problemCount)", "rows": "\(summary.rejectedRows)"]),
                problems: summary.problems)
        }
        if summary.acceptedRows == 0 {
            let problems = summary.problems.isEmpty
                ? [DataProblem(location: SourceLocation(file: fileName, line: summary.headerLine, sheet: source.sheet),
                               message: Message(.headerOnly))]
                : summary.problems
            throw WellBeingError.badData(Message(.noValidRows, ["file": fileName]), problems: problems)
        }
        let periods = summary.periods.sorted()
        if let batchID {
            try db.execute("UPDATE batch SET sha256 = ?, rowCount = ?, rejectedCount = ?, periods = ? WHERE id = ?",
                           [sha256, summary.acceptedRows, summary.rejectedRows, periods.joined(separator: ","), batchID])
            if !summary.answeredDays.isEmpty {
                try db.insertRows(into: "answeredDays", columns: ["batchId", "surveyId", "period", "firstDay", "lastDay"],
                                  rows: summary.answeredDays.sorted { $0.key < $1.key }.map { period, days in
                                      [.integer(batchID), .text(instrument.id.rawValue), .text(period),
                                       .text(AnsweredDays.iso(days.lowerBound)), .text(AnsweredDays.iso(days.upperBound))]
                                  })
            }
            if let account = request.importedBy {
                try db.execute("INSERT INTO batchImporter (batchId, account) VALUES (?, ?)", [batchID, account])
            }
        }
        return ImportOutcome(
            batchID: batchID, fileName: fileName, sha256: sha256,
            encoding: source.encodingName, importedRows: summary.acceptedRows,
            rejectedRows: summary.rejectedRows, blankRows: summary.blankRows,
            periods: periods.map { PeriodLabel($0) }, ignoredColumns: summary.ignoredColumns,
            problems: summary.problems, dryRun: request.dryRun)
    }

    /// Every stored respondent id of `survey`, keyed `period + U+001F + id`, with where it came from.
    func storedRespondents(_ db: any StoreTransaction, survey: SurveyID, excludingBatch: Int64? = nil) throws -> [String: String] {
        var stored: [String: String] = [:]
        let sql = """
            SELECT respondentBlock.period, respondentBlock.respondentKeys, batch.id, batch.fileName
            FROM respondentBlock JOIN batch ON batch.id = respondentBlock.batchId
            WHERE respondentBlock.surveyId = ?
            """
        let arguments: StoreArguments = excludingBatch.map { [survey.rawValue, $0] } ?? [survey.rawValue]
        try db.forEachRow(sql + (excludingBatch == nil ? "" : " AND batch.id <> ?"), arguments) { row in
            let period = try row.text(0)
            let holder = "in batch \(try row.integer(2)) ('\(try row.text(3))')"
            for key in StoredBlockFormat.split(try row.text(1), by: StoredBlockFormat.valueSeparator) {
                stored[period + "\u{1F}" + key] = holder
            }
        }
        return stored
    }

    /// Refuses an instrument that keeps the id and version of one stored with imported answers but defines
    /// something else (a base file edited under the same version): the answers of one version must mean one
    /// thing, or every later analysis would have to refuse them. Texts that differ only in comments or layout
    /// define the same and pass.
    func refuseRedefinedVersion(_ db: any StoreTransaction, _ loaded: LoadedInstrument, fileName: String) throws {
        let instrument = loaded.instrument
        let rows = try db.fetchAll("""
            SELECT instrument.yaml, instrument.fileName, min(batch.id) FROM instrument
            JOIN batch ON batch.instrumentId = instrument.id
            WHERE instrument.surveyId = ? AND instrument.version = ? AND instrument.sha256 <> ?
            GROUP BY instrument.id, instrument.yaml, instrument.fileName ORDER BY min(batch.id)
            """, [instrument.id.rawValue, instrument.version, loaded.sha256])
        for row in rows {
            let stored = try instruments.decode(try row.text(0), fileName: try row.text(1)).instrument
            let differences = stored.differences(to: instrument)
            guard !differences.isEmpty else { continue }
            throw WellBeingError(.badData, Message(.instrumentVersionClash, [
                "file": fileName, "survey": instrument.id.rawValue, "version": instrument.version, "batch": "\(try row.integer(2))"]),
                details: differences, advice: Message(.instrumentVersionAdvice))
        }
    }

    /// Stores the instrument text once per distinct content and returns its row id.
    ///
    /// `ON CONFLICT DO NOTHING` rather than a read first: two first imports of one instrument on a server may
    /// both get here, and the unique `sha256` decides which row stands.
    func registerInstrument(_ db: any StoreTransaction, _ loaded: LoadedInstrument, fileName: String) throws -> Int64 {
        try db.execute("""
            INSERT INTO instrument (surveyId, version, sha256, fileName, yaml, importedAt) VALUES (?, ?, ?, ?, ?, ?)
            ON CONFLICT (sha256) DO NOTHING
            """, [loaded.instrument.id.rawValue, loaded.instrument.version, loaded.sha256, fileName, loaded.yaml,
                  Self.timestamp()])
        guard let id = try db.fetchInteger("SELECT id FROM instrument WHERE sha256 = ?", [loaded.sha256]) else {
            throw WellBeingError(.internalFailure, Message(.storeFailed, ["path": path, "detail": "instrument not stored"]))
        }
        return id
    }
}
