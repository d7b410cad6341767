import Foundation
import GRDB
import GRDBSQLite
import WellBeingCore
import WellBeingIngest

/// What to do with rows that fail validation.
public enum ErrorPolicy: String, Sendable, CaseIterable {
    /// One bad row and nothing is written (the default).
    case abort
    /// Import the valid rows; report (and optionally write out) the rejected ones.
    case skip
}

/// A request to import one survey CSV.
public struct ResponseImportRequest {
    public var path: String
    public var instrument: LoadedInstrument
    public var instrumentFileName: String
    public var period: PeriodLabel?
    public var encoding: TextEncoding?
    public var errorPolicy: ErrorPolicy
    public var dryRun: Bool
    public var replace: Bool
    /// Called with each rejected row (for the rejects file) when `errorPolicy` is `.skip`.
    public var onReject: ((RejectedRow) throws -> Void)?
    /// Called now and then with (bytes read, file size).
    public var onProgress: ((Int, Int) -> Void)?

    public init(path: String, instrument: LoadedInstrument, instrumentFileName: String, period: PeriodLabel?,
                encoding: TextEncoding?, errorPolicy: ErrorPolicy = .abort, dryRun: Bool = false, replace: Bool = false,
                onReject: ((RejectedRow) throws -> Void)? = nil, onProgress: ((Int, Int) -> Void)? = nil) {
        self.path = path
        self.instrument = instrument
        self.instrumentFileName = instrumentFileName
        self.period = period
        self.encoding = encoding
        self.errorPolicy = errorPolicy
        self.dryRun = dryRun
        self.replace = replace
        self.onReject = onReject
        self.onProgress = onProgress
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

private struct DryRunFinished: Error { var outcome: ImportOutcome }

extension SurveyStore {
    /// Imports a survey CSV in one transaction: all rows or none (unless `.skip`), streaming.
    ///
    /// - Throws: `badData` listing every problem (file, line, column, value, reason) when any row is invalid
    ///   under `.abort`, when no row is valid, when the same file was imported before (without `replace`),
    ///   or when a respondent id already exists for the survey and period.
    public func importResponses(_ request: ResponseImportRequest) throws -> ImportOutcome {
        let source = try TextSource(path: request.path, encoding: request.encoding)
        let reader = CSVReader(source: source)
        let instrument = request.instrument.instrument
        let parser = ResponseParser(instrument: instrument, reader: reader, fixedPeriod: request.period)
        let fileName = source.displayName
        let replaceHash = request.replace ? try TextSource.sha256(ofFile: request.path) : nil
        do {
            return try write { db in
                let instrumentID = try registerInstrument(db, request.instrument, fileName: request.instrumentFileName)
                if let replaceHash {
                    try handleRepeatedFile(db, kind: .responses, survey: instrument.id, sha256: replaceHash,
                                           fileName: fileName, replace: true)
                }
                let batchID = try insertBatch(db, kind: .responses, survey: instrument.id, instrumentID: instrumentID,
                                              fileName: fileName, sha256: "", rowCount: 0, rejectedCount: 0,
                                              periods: [], encoding: source.encoding.displayName,
                                              options: "instrument \(instrument.id) \(instrument.version)")
                let inserter = try RespondentInserter(db: db, batchID: batchID, instrument: instrument, fileName: fileName)
                let stored = try storedRespondents(db, survey: instrument.id)
                if !stored.isEmpty { parser.storedRespondent = { period, key in stored[period + "\u{1F}" + key] } }
                var rowsSinceProgress = 0
                let summary = try parser.parse(accept: { row in
                    try inserter.insert(row)
                    rowsSinceProgress += 1
                    if rowsSinceProgress == 8192, let progress = request.onProgress {
                        rowsSinceProgress = 0
                        progress(source.rawBytesRead, source.fileSize)
                    }
                }, reject: { rejected in
                    if request.errorPolicy == .skip { try request.onReject?(rejected) }
                })
                try source.hashRemainder()
                let sha256 = source.sha256Hex
                try handleRepeatedFile(db, kind: .responses, survey: instrument.id, sha256: sha256, fileName: fileName,
                                       replace: false)
                if summary.problemCount > 0 && request.errorPolicy == .abort {
                    throw WellBeingError.badData(
                        "'\(fileName)' has \(summary.problemCount) problem(s) in \(summary.rejectedRows) row(s); "
                            + "nothing was imported. Fix them and import again, or use --on-error skip --rejects FILE "
                            + "to import the valid rows:",
                        problems: summary.problems)
                }
                if summary.acceptedRows == 0 {
                    throw WellBeingError.badData("'\(fileName)' has no valid respondent rows; nothing was imported.",
                                                 problems: summary.problems)
                }
                let periods = summary.periods.sorted()
                try db.execute(sql: "UPDATE batch SET sha256 = ?, rowCount = ?, rejectedCount = ?, periods = ? WHERE id = ?",
                               arguments: [sha256, summary.acceptedRows, summary.rejectedRows,
                                           periods.joined(separator: ","), batchID])
                let outcome = ImportOutcome(
                    batchID: request.dryRun ? nil : batchID, fileName: fileName, sha256: sha256,
                    encoding: source.encoding.displayName, importedRows: summary.acceptedRows,
                    rejectedRows: summary.rejectedRows, blankRows: summary.blankRows,
                    periods: periods.map { PeriodLabel($0) }, ignoredColumns: summary.ignoredColumns,
                    problems: summary.problems, dryRun: request.dryRun)
                if request.dryRun { throw DryRunFinished(outcome: outcome) }
                return outcome
            }
        } catch let finished as DryRunFinished {
            return finished.outcome
        }
    }

    /// Every stored respondent id of `survey`, keyed `period + U+001F + id`, with where it came from.
    func storedRespondents(_ db: Database, survey: SurveyID) throws -> [String: String] {
        var stored: [String: String] = [:]
        let batchNames = Dictionary(uniqueKeysWithValues: try Row.fetchAll(db, sql: "SELECT id, fileName FROM batch").map {
            ($0[0] as Int64, $0[1] as String)
        })
        let rows = try Row.fetchCursor(db, sql: "SELECT period, respondentKey, batchId FROM respondent WHERE surveyId = ?",
                                       arguments: [survey.rawValue])
        while let row = try rows.next() {
            let batch: Int64 = row[2]
            stored[(row[0] as String) + "\u{1F}" + (row[1] as String)] = "in batch \(batch) ('\(batchNames[batch] ?? "?")')"
        }
        return stored
    }

    /// Stores the instrument text once per distinct content and returns its row id.
    func registerInstrument(_ db: Database, _ loaded: LoadedInstrument, fileName: String) throws -> Int64 {
        if let id = try Int64.fetchOne(db, sql: "SELECT id FROM instrument WHERE sha256 = ?", arguments: [loaded.sha256]) {
            return id
        }
        try db.execute(sql: "INSERT INTO instrument (surveyId, version, sha256, fileName, yaml, importedAt) VALUES (?, ?, ?, ?, ?, ?)",
                       arguments: [loaded.instrument.id.rawValue, loaded.instrument.version, loaded.sha256, fileName,
                                   loaded.yaml, Self.timestamp()])
        return db.lastInsertedRowID
    }
}

/// Inserts respondents through one prepared statement with raw SQLite binding (the fast path measured in
/// FINDINGS.md), and reports a respondent id that already exists instead of failing.
private final class RespondentInserter {
    private let db: Database
    private let statement: Statement
    private let freeTextStatement: Statement
    private let batchID: Int64
    private let surveyID: String
    private let freeTextNames: [String]
    private let fileName: String
    private var attributeText = ""

    init(db: Database, batchID: Int64, instrument: Instrument, fileName: String) throws {
        self.db = db
        self.batchID = batchID
        self.fileName = fileName
        surveyID = instrument.id.rawValue
        freeTextNames = instrument.respondent.freeTextColumns.map(\.name)
        statement = try db.makeStatement(sql: """
            INSERT INTO respondent (batchId, surveyId, period, respondentKey, groupName, attributes, designWeight, answers)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?)
            """)
        freeTextStatement = try db.makeStatement(sql: "INSERT INTO freeText (batchId, respondentId, field, text) VALUES (?, ?, ?, ?)")
    }

    /// Inserts one row. The parser has already refused ids the store holds, so a clash here means another
    /// writer slipped in, which the immediate transaction rules out; it is still reported clearly.
    func insert(_ row: RespondentRow) throws {
        let handle = statement.sqliteStatement
        let transient = unsafeBitCast(-1, to: sqlite3_destructor_type.self)
        sqlite3_reset(handle)
        sqlite3_bind_int64(handle, 1, batchID)
        sqlite3_bind_text(handle, 2, surveyID, -1, transient)
        sqlite3_bind_text(handle, 3, row.period, -1, transient)
        sqlite3_bind_text(handle, 4, row.respondentKey, -1, transient)
        sqlite3_bind_text(handle, 5, row.group, -1, transient)
        if row.attributes.count == 1 {
            sqlite3_bind_text(handle, 6, row.attributes[0], -1, transient)
        } else {
            attributeText = row.attributes.joined(separator: StoredRespondent.attributeSeparator)
            sqlite3_bind_text(handle, 6, attributeText, -1, transient)
        }
        if let weight = row.designWeight { sqlite3_bind_double(handle, 7, weight) } else { sqlite3_bind_null(handle, 7) }
        row.answers.withUnsafeBytes { bytes in
            _ = sqlite3_bind_blob(handle, 8, bytes.baseAddress, Int32(bytes.count), transient)
        }
        let status = sqlite3_step(handle)
        if status == SQLITE_DONE {
            if !row.freeText.isEmpty { try insertFreeText(row, respondentID: db.lastInsertedRowID) }
            return
        }
        if status == SQLITE_CONSTRAINT {
            sqlite3_reset(handle)
            throw WellBeingError.badData("A respondent id clashes with one already stored; nothing was imported.", problems: [
                DataProblem(location: SourceLocation(file: fileName, line: row.line), value: row.respondentKey,
                            reason: "is already stored for \(surveyID) \(row.period)")])
        }
        let message = String(cString: sqlite3_errmsg(sqlite3_db_handle(handle)))
        sqlite3_reset(handle)
        throw DatabaseError(resultCode: ResultCode(rawValue: status), message: message)
    }

    private func insertFreeText(_ row: RespondentRow, respondentID: Int64) throws {
        for (field, text) in row.freeText {
            try freeTextStatement.execute(arguments: [batchID, respondentID, freeTextNames[field], text])
        }
    }
}

extension TextSource {
    /// The SHA-256 of a whole file, in lower-case hex.
    public static func sha256(ofFile path: String) throws -> String {
        let source = try TextSource(path: path)
        try source.hashRemainder()
        return source.sha256Hex
    }
}
