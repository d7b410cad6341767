import Foundation
import WellBeingCore

/// One imported file, as `wellbeing batches` lists it.
public struct Batch: Sendable, Hashable, Codable {
    /// What kind of file a batch holds.
    public enum Kind: String, Sendable, Codable, CaseIterable {
        case responses, kpis, population, reference, sample, targets, boundaries
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
        SELECT batch.id, batch.kind, batch.surveyId, batch.fileName, batch.sha256, batch.rowCount, batch.rejectedCount,
               batch.periods, batch.encoding, batch.options, batch.importedAt, batch.toolVersion, instrument.version
        FROM batch LEFT JOIN instrument ON instrument.id = batch.instrumentId
        """

    static func batch(from row: StoreRow) throws -> Batch {
        Batch(id: try row.integer(0), kind: Batch.Kind(rawValue: try row.text(1)) ?? .responses,
              survey: SurveyID(try row.text(2)), fileName: try row.text(3), sha256: try row.text(4),
              rowCount: try row.int(5), rejectedCount: try row.int(6),
              periods: try row.text(7).split(separator: ",").map { PeriodLabel(String($0)) },
              encoding: try row.text(8), options: try row.text(9), importedAt: try row.text(10),
              toolVersion: try row.text(11), instrumentVersion: try row.optionalText(12))
    }

    /// Every batch, oldest first.
    public func batches() throws -> [Batch] {
        try read { db in try Self.batches(db) }
    }

    static func batches(_ db: any StoreTransaction) throws -> [Batch] {
        try db.fetchAll(Self.batchSelection + " ORDER BY batch.id").map(Self.batch(from:))
    }

    /// Deletes a batch and everything imported with it, in one transaction.
    ///
    /// - Returns: the deleted batch.
    @discardableResult
    public func undo(batchID: Int64) throws -> Batch {
        try write(survey: nil) { db in
            guard let row = try db.fetchOne(Self.batchSelection + " WHERE batch.id = ?", [batchID]) else {
                let known = try db.fetchAll("SELECT id FROM batch ORDER BY id").map { try $0.integer(0) }
                throw WellBeingError(.usage, known.isEmpty ? Message(.noBatchAtAll, ["batch": "\(batchID)"])
                    : Message(.noBatch, ["batch": "\(batchID)", "known": known.map(String.init).joined(separator: ", ")]))
            }
            try db.execute("DELETE FROM batch WHERE id = ?", [batchID])
            try db.execute("DELETE FROM instrument WHERE id NOT IN (SELECT instrumentId FROM batch WHERE instrumentId IS NOT NULL)")
            return try Self.batch(from: row)
        }
    }

    /// Refuses a file already imported as an earlier batch of the same kind, or deletes that batch when
    /// `replace` is set.
    func handleRepeatedFile(_ db: any StoreTransaction, kind: Batch.Kind, survey: SurveyID, sha256: String, fileName: String,
                            replace: Bool) throws {
        guard let row = try db.fetchOne(Self.batchSelection + " WHERE batch.kind = ? AND batch.surveyId = ? AND batch.sha256 = ?",
                                        [kind.rawValue, survey.rawValue, sha256]) else { return }
        let earlier = try Self.batch(from: row)
        if replace {
            try db.execute("DELETE FROM batch WHERE id = ?", [earlier.id])
        } else {
            throw WellBeingError(.badData, Message(.alreadyImported, [
                "file": fileName, "batch": "\(earlier.id)", "earlier": earlier.fileName, "when": earlier.importedAt]))
        }
    }

    func insertBatch(_ db: any StoreTransaction, kind: Batch.Kind, survey: SurveyID, instrumentID: Int64?, fileName: String,
                     sha256: String, rowCount: Int, rejectedCount: Int, periods: [String], encoding: String,
                     options: String) throws -> Int64 {
        let id = try db.fetchInteger("""
            INSERT INTO batch (kind, surveyId, instrumentId, fileName, sha256, rowCount, rejectedCount, periods,
                               encoding, options, importedAt, toolVersion)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id
            """, [kind.rawValue, survey.rawValue, instrumentID, fileName, sha256, rowCount, rejectedCount,
                  periods.sorted().joined(separator: ","), encoding, options, Self.timestamp(), ToolVersion.current])
        guard let id else { throw WellBeingError(.internalFailure, Message(.storeFailed, ["path": path, "detail": "no batch id"])) }
        return id
    }
}
