import Foundation
import WellBeingCore

/// Which data a store holds, in a few values that change whenever an analysis could: a cache of computed answers
/// keys on it, so that an import or an undo — by this process or any other — makes every earlier answer stale.
///
/// Every write that changes what an analysis reads adds or deletes batches (responses, KPIs, population,
/// reference figures, samples, targets, boundaries; an undo deletes one; `--replace` deletes one and adds one),
/// and batch ids are never given twice (SQLite `AUTOINCREMENT`, a PostgreSQL sequence). Hence two states of one
/// store with the same count and the same highest id hold the same batches: any batch that existed at the later
/// one with an id up to that highest must have existed at the earlier one too. The highest batch's file hash and
/// time tell apart a store file replaced by another one.
public struct StoreState: Hashable, Sendable, CustomStringConvertible {
    public var batchCount: Int64
    public var lastBatchID: Int64?
    public var lastBatchSHA256: String?
    public var lastImportedAt: String?

    public init(batchCount: Int64, lastBatchID: Int64? = nil, lastBatchSHA256: String? = nil, lastImportedAt: String? = nil) {
        self.batchCount = batchCount
        self.lastBatchID = lastBatchID
        self.lastBatchSHA256 = lastBatchSHA256
        self.lastImportedAt = lastImportedAt
    }

    public var description: String {
        "\(batchCount) batches, last \(lastBatchID.map(String.init) ?? "none")"
    }
}

extension SurveyStore {
    /// The store's state now (one small read): see `StoreState`.
    public func state() throws -> StoreState {
        try read { db in
            let count = try db.fetchInteger("SELECT count(*) FROM batch") ?? 0
            guard let last = try db.fetchOne("SELECT id, sha256, importedAt FROM batch ORDER BY id DESC LIMIT 1") else {
                return StoreState(batchCount: count)
            }
            return StoreState(batchCount: count, lastBatchID: try last.integer(0), lastBatchSHA256: try last.text(1),
                              lastImportedAt: try last.text(2))
        }
    }
}
