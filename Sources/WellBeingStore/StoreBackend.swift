import Foundation
import WellBeingCore

/// A value bound to, or read from, a store query: the few types both backends hold alike.
public enum StoreValue: Sendable, Hashable {
    case null
    case integer(Int64)
    case real(Double)
    case text(String)
    case blob(Data)
}

/// Something that can be bound as a query argument.
public protocol StoreArgument {
    var storeValue: StoreValue { get }
}

extension String: StoreArgument { public var storeValue: StoreValue { .text(self) } }
extension Int: StoreArgument { public var storeValue: StoreValue { .integer(Int64(self)) } }
extension Int64: StoreArgument { public var storeValue: StoreValue { .integer(self) } }
extension Double: StoreArgument { public var storeValue: StoreValue { .real(self) } }
extension Data: StoreArgument { public var storeValue: StoreValue { .blob(self) } }
extension StoreValue: StoreArgument { public var storeValue: StoreValue { self } }

/// Query arguments in the order of the query's `?` placeholders; nil binds NULL.
public typealias StoreArguments = [(any StoreArgument)?]

extension Array where Element == (any StoreArgument)? {
    var storeValues: [StoreValue] { map { $0?.storeValue ?? .null } }
}

/// One result row, read by column position.
///
/// A value of another type than asked for is the store's damage, reported by `StoreRow.Mismatch`
/// rather than trapping; integers read as doubles where a column holds whole numbers.
public struct StoreRow: Sendable {
    public let values: [StoreValue]

    public init(_ values: [StoreValue]) { self.values = values }

    /// A column whose value has another type than the query expects.
    public struct Mismatch: Error, CustomStringConvertible {
        public let column: Int
        public let expected: String
        public let found: StoreValue
        public var description: String { "column \(column + 1) holds \(found), not \(expected)" }
    }

    public func text(_ column: Int) throws -> String {
        try read(column, "text") { if case let .text(value) = $0 { value } else { nil } }
    }

    public func integer(_ column: Int) throws -> Int64 {
        try read(column, "an integer") { if case let .integer(value) = $0 { value } else { nil } }
    }

    public func int(_ column: Int) throws -> Int { Int(try integer(column)) }

    /// A number; a whole number stored as an integer reads as a double.
    public func real(_ column: Int) throws -> Double {
        try read(column, "a number") {
            switch $0 {
            case let .real(value): value
            case let .integer(value): Double(value)
            default: nil
            }
        }
    }

    public func blob(_ column: Int) throws -> Data {
        try read(column, "bytes") { if case let .blob(value) = $0 { value } else { nil } }
    }

    public func optionalText(_ column: Int) throws -> String? { try optional(column, text) }
    public func optionalInteger(_ column: Int) throws -> Int64? { try optional(column, integer) }
    public func optionalReal(_ column: Int) throws -> Double? { try optional(column, real) }
    public func optionalBlob(_ column: Int) throws -> Data? { try optional(column, blob) }

    private func read<T>(_ column: Int, _ expected: String, _ extract: (StoreValue) -> T?) throws -> T {
        guard let value = extract(values[column]) else { throw Mismatch(column: column, expected: expected, found: values[column]) }
        return value
    }

    private func optional<T>(_ column: Int, _ read: (Int) throws -> T) rethrows -> T? {
        if case .null = values[column] { return nil }
        return try read(column)
    }
}

/// The SQL a store runs inside one transaction, whichever backend holds it.
///
/// Queries are written once, in the SQL both SQLite and PostgreSQL understand, with `?` placeholders;
/// a backend rewrites what its dialect needs. Table and column names are unquoted (PostgreSQL folds them
/// to lower case, which is why results are read by position).
public protocol StoreTransaction: AnyObject {
    /// Which backend runs the SQL, for the few statements whose dialects differ.
    var dialect: StoreDialect { get }
    /// Runs a statement that returns no rows.
    func execute(_ sql: String, _ arguments: StoreArguments) throws
    /// Runs a query and hands each row to `body`, in order, without holding them all in memory.
    func forEachRow(_ sql: String, _ arguments: StoreArguments, _ body: (StoreRow) throws -> Void) throws
    /// Inserts many rows into one table (a prepared statement, or multi-row inserts on a server).
    func insertRows(into table: String, columns: [String], rows: [[StoreValue]]) throws
    /// Runs a statement whose outcome may be learnt later: a server starts on it while the next is prepared.
    /// Its error, if any, is thrown by a later call of this transaction, and always before the commit.
    func executeSoon(_ sql: String, _ arguments: StoreArguments) throws
}

extension StoreTransaction {
    func execute(_ sql: String) throws { try execute(sql, []) }

    /// Every row of a query.
    func fetchAll(_ sql: String, _ arguments: StoreArguments = []) throws -> [StoreRow] {
        var rows: [StoreRow] = []
        try forEachRow(sql, arguments) { rows.append($0) }
        return rows
    }

    /// The first row of a query, if any.
    func fetchOne(_ sql: String, _ arguments: StoreArguments = []) throws -> StoreRow? {
        try fetchAll(sql, arguments).first
    }

    /// The first column of the first row, as an integer, if any.
    func fetchInteger(_ sql: String, _ arguments: StoreArguments = []) throws -> Int64? {
        try fetchOne(sql, arguments).flatMap { try $0.optionalInteger(0) }
    }

    /// The first column of every row, as text.
    func fetchTexts(_ sql: String, _ arguments: StoreArguments = []) throws -> [String] {
        try fetchAll(sql, arguments).map { try $0.text(0) }
    }
}

/// The SQL dialect of a backend.
public enum StoreDialect: Sendable {
    case sqlite
    case postgresql
}

/// Where the store's data lives: one SQLite file, or a database on a PostgreSQL server.
///
/// The domain (`SurveyStore`: imports, undo, queries) talks to a backend through transactions only; the
/// backend owns its connection, its schema history, its locking, and the mapping of its failures to the
/// tool's error kinds.
public protocol StoreBackend: Sendable {
    /// What messages call the store: a file path, or `server/database` (never a password).
    var displayName: String { get }
    /// Runs `body` in one read-only transaction that sees a consistent snapshot of committed data.
    func read<T>(_ body: (any StoreTransaction) throws -> T) throws -> T
    /// Runs `body` in one write transaction that holds the write lock of `survey` (nil: of the whole store)
    /// from its first statement, so that check-then-insert steps (repeated files, respondent ids: each survey's
    /// own) cannot race another importer of that survey. Any error rolls everything back. A backend may lock
    /// more than asked (SQLite has one writer per file).
    func write<T>(survey: SurveyID?, _ body: (any StoreTransaction) throws -> T) throws -> T
    /// Runs `body` in one write transaction that takes no survey's lock: for records apart from the batches (the
    /// server's sessions), which must not wait behind an import where the backend can avoid it (SQLite cannot: it
    /// has one writer per file).
    func writeApart<T>(_ body: (any StoreTransaction) throws -> T) throws -> T
    /// Releases the connection.
    func close()
}

/// The order of text keys, the same on every backend: UTF-8 bytes, as SQLite's BINARY collation sorts.
/// (A server's collation follows its locale, so text is never sorted by `ORDER BY` where the order shows.)
enum StoreOrder {
    static func precedes(_ left: String, _ right: String) -> Bool {
        left.utf8.lexicographicallyPrecedes(right.utf8)
    }

    /// Compound keys, column by column.
    static func precedes(_ left: [String], _ right: [String]) -> Bool {
        for (a, b) in zip(left, right) where a != b { return precedes(a, b) }
        return left.count < right.count
    }
}
