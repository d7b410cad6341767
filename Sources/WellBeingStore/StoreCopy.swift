import Crypto
import Foundation
import WellBeingCore

/// What `store copy` did.
public struct StoreCopyOutcome: Sendable {
    public var batches: Int
    public var respondents: Int
    /// Each table's SHA-256 over its rows in key order, equal in both stores.
    public var tableHashes: [String: String]
}

/// Copies a whole store from one backend to another (SQLite ↔ PostgreSQL), ids and all, and proves the copy.
///
/// The destination must be new or empty. Everything is written in one transaction; before it commits, every
/// table is read back from the destination and its SHA-256 compared with the source's, so a copy that differs
/// in one byte is never kept.
enum StoreCopy {
    /// A table's columns with their kinds, and the key that orders its rows the same way on every backend.
    struct Table {
        enum Kind { case integer, real, text, blob }
        let name: String
        let columns: [(name: String, kind: Kind, nullable: Bool)]
        /// Positions of the columns that order the rows (integers compare as numbers, text as UTF-8 bytes).
        let key: [Int]
        /// An integer identity column whose sequence must follow explicit ids on a server.
        let identity: Bool
        /// Rows per multi-row insert (blocks are large).
        let chunk: Int
    }

    static let tables: [Table] = [
        Table(name: "instrument", columns: [("id", .integer, false), ("surveyId", .text, false), ("version", .text, false),
                                            ("sha256", .text, false), ("fileName", .text, false), ("yaml", .text, false),
                                            ("importedAt", .text, false)], key: [0], identity: true, chunk: 16),
        Table(name: "batch", columns: [("id", .integer, false), ("kind", .text, false), ("surveyId", .text, false),
                                       ("instrumentId", .integer, true), ("fileName", .text, false), ("sha256", .text, false),
                                       ("rowCount", .integer, false), ("rejectedCount", .integer, false), ("periods", .text, false),
                                       ("encoding", .text, false), ("options", .text, false), ("importedAt", .text, false),
                                       ("toolVersion", .text, false)], key: [0], identity: true, chunk: 500),
        Table(name: "respondentBlock", columns: [("id", .integer, false), ("batchId", .integer, false), ("surveyId", .text, false),
                                                 ("period", .text, false), ("rowCount", .integer, false), ("itemCount", .integer, false),
                                                 ("attributeCount", .integer, false), ("respondentKeys", .text, false),
                                                 ("groupNames", .text, false), ("groupCodes", .blob, false),
                                                 ("attributeValues", .text, false), ("attributeCodes", .blob, false),
                                                 ("designWeights", .blob, true), ("answers", .blob, false)],
              key: [0], identity: true, chunk: 8),
        Table(name: "freeText", columns: [("batchId", .integer, false), ("surveyId", .text, false), ("period", .text, false),
                                          ("groupName", .text, false), ("field", .text, false), ("text", .text, false),
                                          ("seq", .integer, false)], key: [0, 6, 3, 4, 5], identity: false, chunk: 1000),
        Table(name: "kpiDefinition", columns: [("batchId", .integer, false), ("surveyId", .text, false), ("kpiId", .text, false),
                                               ("nameJa", .text, false), ("nameEn", .text, true), ("category", .text, false),
                                               ("direction", .integer, false), ("unit", .text, false), ("source", .text, false)],
              key: [0, 2], identity: false, chunk: 1000),
        Table(name: "kpiValue", columns: [("batchId", .integer, false), ("surveyId", .text, false), ("kpiId", .text, false),
                                          ("groupName", .text, false), ("period", .text, false), ("value", .real, false)],
              key: [1, 2, 3, 4], identity: false, chunk: 1000),
        Table(name: "populationCell", columns: [("batchId", .integer, false), ("surveyId", .text, false), ("period", .text, false),
                                                ("fields", .text, false), ("cell", .text, false), ("count", .real, false),
                                                ("seq", .integer, false)], key: [1, 2, 4], identity: false, chunk: 1000),
        Table(name: "referenceFigure", columns: [("batchId", .integer, false), ("surveyId", .text, false), ("period", .text, false),
                                                 ("indicator", .text, false), ("mean", .real, false), ("sd", .real, true),
                                                 ("source", .text, false)], key: [1, 2, 3], identity: false, chunk: 1000),
        Table(name: "sampleCell", columns: [("batchId", .integer, false), ("surveyId", .text, false), ("period", .text, false),
                                            ("fields", .text, false), ("cell", .text, false), ("drawn", .integer, false)],
              key: [1, 2, 4], identity: false, chunk: 1000),
        Table(name: "planTarget", columns: [("batchId", .integer, false), ("surveyId", .text, false), ("seq", .integer, false),
                                            ("plan", .text, false), ("indicator", .text, false), ("measure", .text, false),
                                            ("groupName", .text, false), ("period", .text, false),
                                            ("baselinePeriod", .text, false), ("target", .real, false),
                                            ("direction", .text, false)],
              key: [1, 3, 4, 5, 6, 7], identity: false, chunk: 1000),
        Table(name: "boundary", columns: [("batchId", .integer, false), ("surveyId", .text, false), ("seq", .integer, false),
                                          ("groupName", .text, false), ("area", .text, false), ("geometry", .blob, false)],
              key: [0, 2], identity: false, chunk: 64),
        Table(name: "boundarySource", columns: [("batchId", .integer, false), ("surveyId", .text, false),
                                                ("keyProperty", .text, false), ("credit", .text, false)],
              key: [0], identity: false, chunk: 64),
        Table(name: "answeredDays", columns: [("batchId", .integer, false), ("surveyId", .text, false), ("period", .text, false),
                                              ("firstDay", .text, false), ("lastDay", .text, false)],
              key: [0, 2], identity: false, chunk: 256),
        Table(name: "account", columns: [("name", .text, false), ("role", .text, false), ("passwordHash", .text, false),
                                         ("createdAt", .text, false)], key: [0], identity: false, chunk: 1000),
        Table(name: "batchImporter", columns: [("batchId", .integer, false), ("account", .text, false)],
              key: [0], identity: false, chunk: 1000),
    ]

    /// A value in the column's own kind (SQLite may hand a whole REAL back as an integer).
    static func normalized(_ value: StoreValue, _ kind: Table.Kind) -> StoreValue {
        if kind == .real, case let .integer(number) = value { return .real(Double(number)) }
        return value
    }

    /// Whether row `a` sorts before row `b` by the table's key.
    static func precedes(_ a: [StoreValue], _ b: [StoreValue], key: [Int]) -> Bool {
        for position in key where a[position] != b[position] {
            switch (a[position], b[position]) {
            case let (.integer(x), .integer(y)): return x < y
            case let (.real(x), .real(y)): return x < y
            case let (.text(x), .text(y)): return StoreOrder.precedes(x, y)
            case (.null, _): return true
            default: return false
            }
        }
        return false
    }

    /// Feeds one value into a hash, tagged by kind and length, so that no two different rows hash alike.
    static func hash(_ value: StoreValue, into hasher: inout SHA256) {
        func bytes<T: FixedWidthInteger>(_ number: T) { withUnsafeBytes(of: number.littleEndian) { hasher.update(bufferPointer: $0) } }
        switch value {
        case .null: hasher.update(data: [0])
        case let .integer(number): hasher.update(data: [1]); bytes(number)
        case let .real(number): hasher.update(data: [2]); bytes(number.bitPattern)
        case let .text(text): hasher.update(data: [3]); bytes(UInt64(text.utf8.count)); hasher.update(data: Data(text.utf8))
        case let .blob(data): hasher.update(data: [4]); bytes(UInt64(data.count)); hasher.update(data: data)
        }
    }

    /// Reads a table's rows in key order: the order of integer ids from the server for the large tables, sorted here for
    /// the others (a server's collation follows its locale).
    static func forEachRow(_ table: Table, in db: any StoreTransaction, _ body: ([StoreValue]) throws -> Void) throws {
        let sql = "SELECT " + table.columns.map(\.name).joined(separator: ", ") + " FROM " + table.name
        if table.key == [0] && table.columns[0].kind == .integer {
            try db.forEachRow(sql + " ORDER BY " + table.columns[0].name, []) { row in
                try body(zip(row.values, table.columns).map { normalized($0, $1.kind) })
            }
        } else {
            var rows: [[StoreValue]] = []
            try db.forEachRow(sql, []) { row in rows.append(zip(row.values, table.columns).map { normalized($0, $1.kind) }) }
            rows.sort { precedes($0, $1, key: table.key) }
            for row in rows { try body(row) }
        }
    }

    /// The SHA-256 of a table's rows, in hex.
    static func digest(_ table: Table, in db: any StoreTransaction) throws -> String {
        var hasher = SHA256()
        try forEachRow(table, in: db) { row in for value in row { hash(value, into: &hasher) } }
        return hasher.finalize().map { String(format: "%02x", $0) }.joined()
    }
}

extension SurveyStore {
    /// Copies every batch of the store at `source` into the new or empty store at `destination` (a file path
    /// or a `postgresql://` URL), in one transaction, and checks that both hold the same rows.
    ///
    /// - Throws: `usage` when both name the same store; `badData` when the destination already holds batches
    ///   or the copy reads back differently (nothing is kept then); the backends' own errors otherwise.
    public static func copy(from source: String, to destination: String, instruments: InstrumentDecoder) throws -> StoreCopyOutcome {
        let from = try SurveyStore(path: source, access: .read, instruments: instruments)
        let destinationIsNewFile = !isServerLocation(destination) && FileKind.of(destination) == .missing
        if !isServerLocation(destination), !isServerLocation(source), OutputPaths.sameFile(source, destination) {
            throw WellBeingError(.usage, Message(.copySameStore, ["from": from.path, "to": destination]))
        }
        let to = try SurveyStore(path: destination, access: .writeOrCreate, instruments: instruments)
        if from.path == to.path {
            throw WellBeingError(.usage, Message(.copySameStore, ["from": from.path, "to": to.path]))
        }
        do {
            return try from.read { input in
                try to.write(survey: nil) { output in
                    let held = try output.fetchInteger("SELECT count(*) FROM batch") ?? 0
                    let instruments = try output.fetchInteger("SELECT count(*) FROM instrument") ?? 0
                    guard held == 0 && instruments == 0 else {
                        throw WellBeingError(.badData, Message(.copyTargetNotEmpty, ["to": to.path, "count": "\(held)"]))
                    }
                    var hashes: [String: String] = [:]
                    for table in StoreCopy.tables {
                        var hasher = SHA256()
                        var pending: [[StoreValue]] = []
                        let columns = table.columns.map(\.name)
                        try StoreCopy.forEachRow(table, in: input) { row in
                            for value in row { StoreCopy.hash(value, into: &hasher) }
                            pending.append(row)
                            if pending.count == table.chunk {
                                try output.insertRows(into: table.name, columns: columns, rows: pending)
                                pending.removeAll(keepingCapacity: true)
                            }
                        }
                        try output.insertRows(into: table.name, columns: columns, rows: pending)
                        if table.identity && output.dialect == .postgresql {
                            // Explicit ids do not move a server's identity sequence: the next import must follow them.
                            try output.execute("SELECT setval(pg_get_serial_sequence('\(table.name.lowercased())', 'id'), "
                                + "COALESCE((SELECT max(id) FROM \(table.name)), 0) + 1, false)")
                        }
                        let expected = hasher.finalize().map { String(format: "%02x", $0) }.joined()
                        let copied = try StoreCopy.digest(table, in: output)
                        guard copied == expected else {
                            throw WellBeingError(.badData, Message(.copyMismatch, ["from": from.path, "to": to.path, "what": table.name]))
                        }
                        hashes[table.name] = expected
                    }
                    let batches = try output.fetchInteger("SELECT count(*) FROM batch") ?? 0
                    let respondents = try output.fetchInteger("SELECT CAST(COALESCE(sum(rowCount), 0) AS BIGINT) FROM respondentBlock") ?? 0
                    return StoreCopyOutcome(batches: Int(batches), respondents: Int(respondents), tableHashes: hashes)
                }
            }
        } catch {
            to.close()
            if destinationIsNewFile {
                // The file this copy created holds nothing: it goes, with its journal.
                for file in SQLiteBackend.files(of: destination) { try? FileManager.default.removeItem(atPath: file) }
            }
            throw error
        }
    }
}
