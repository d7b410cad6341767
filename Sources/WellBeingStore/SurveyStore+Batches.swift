import Foundation
import GRDB
import WellBeingCore
import WellBeingIngest

/// One imported file, as `wellbeing batches` lists it.
public struct Batch: Sendable, Hashable, Codable {
    /// What kind of file a batch holds.
    public enum Kind: String, Sendable, Codable, CaseIterable {
        case responses, kpis, population, reference, sample
    }

    public var id: Int64
    public var kind: Kind
    public var survey: SurveyID
    public var fileName: String
    public var sha256: String
    public var rowCount: Int
    public var rejectedCount: Int
    /// The periods the batch holds data for (empty for population or reference data valid in every period).
    public var periods: [PeriodLabel]
    public var encoding: String
    /// For responses: the instrument version; for population: the margins.
    public var options: String
    public var importedAt: String
    public var toolVersion: String
    /// The instrument version of a responses batch.
    public var instrumentVersion: String?
}

extension SurveyStore {
    static let batchSelection = """
        SELECT batch.*, instrument.version AS instrumentVersion FROM batch
        LEFT JOIN instrument ON instrument.id = batch.instrumentId
        """

    static func batch(from row: Row) -> Batch {
        let periods: String = row["periods"]
        return Batch(id: row["id"], kind: Batch.Kind(rawValue: row["kind"]) ?? .responses,
                     survey: SurveyID(row["surveyId"] as String), fileName: row["fileName"], sha256: row["sha256"],
                     rowCount: row["rowCount"], rejectedCount: row["rejectedCount"],
                     periods: periods.split(separator: ",").map { PeriodLabel(String($0)) },
                     encoding: row["encoding"], options: row["options"], importedAt: row["importedAt"],
                     toolVersion: row["toolVersion"], instrumentVersion: row["instrumentVersion"])
    }

    /// Every batch, oldest first.
    public func batches() throws -> [Batch] {
        try read { db in
            try Row.fetchAll(db, sql: Self.batchSelection + " ORDER BY batch.id").map(Self.batch(from:))
        }
    }

    /// Deletes a batch and everything imported with it, in one transaction.
    ///
    /// - Returns: the deleted batch.
    @discardableResult
    public func undo(batchID: Int64) throws -> Batch {
        try write { db in
            guard let row = try Row.fetchOne(db, sql: Self.batchSelection + " WHERE batch.id = ?", arguments: [batchID]) else {
                let known = try Int64.fetchAll(db, sql: "SELECT id FROM batch ORDER BY id")
                throw WellBeingError(.usage, known.isEmpty ? Message(.noBatchAtAll, ["batch": "\(batchID)"])
                    : Message(.noBatch, ["batch": "\(batchID)", "known": known.map(String.init).joined(separator: ", ")]))
            }
            try db.execute(sql: "DELETE FROM batch WHERE id = ?", arguments: [batchID])
            try db.execute(sql: "DELETE FROM instrument WHERE id NOT IN (SELECT instrumentId FROM batch WHERE instrumentId IS NOT NULL)")
            return Self.batch(from: row)
        }
    }

    /// Refuses a file already imported as an earlier batch of the same kind, or deletes that batch when
    /// `replace` is set.
    func handleRepeatedFile(_ db: Database, kind: Batch.Kind, survey: SurveyID, sha256: String, fileName: String,
                            replace: Bool) throws {
        guard let row = try Row.fetchOne(db, sql: Self.batchSelection
                                         + " WHERE batch.kind = ? AND batch.surveyId = ? AND batch.sha256 = ?",
                                         arguments: [kind.rawValue, survey.rawValue, sha256]) else { return }
        let earlier = Self.batch(from: row)
        if replace {
            try db.execute(sql: "DELETE FROM batch WHERE id = ?", arguments: [earlier.id])
        } else {
            throw WellBeingError(.badData, Message(.alreadyImported, [
                "file": fileName, "batch": "\(earlier.id)", "earlier": earlier.fileName, "when": earlier.importedAt]))
        }
    }

    func insertBatch(_ db: Database, kind: Batch.Kind, survey: SurveyID, instrumentID: Int64?, fileName: String,
                     sha256: String, rowCount: Int, rejectedCount: Int, periods: [String], encoding: String,
                     options: String) throws -> Int64 {
        try db.execute(sql: """
            INSERT INTO batch (kind, surveyId, instrumentId, fileName, sha256, rowCount, rejectedCount, periods,
                               encoding, options, importedAt, toolVersion)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
            """, arguments: [kind.rawValue, survey.rawValue, instrumentID, fileName, sha256, rowCount, rejectedCount,
                             periods.sorted().joined(separator: ","), encoding, options, Self.timestamp(),
                             ToolVersion.current])
        return db.lastInsertedRowID
    }
}
