import Foundation
import WellBeingCore

/// What a person signed in to `wellbeing serve` may do.
public enum AccountRole: String, Sendable, CaseIterable, Comparable, Codable {
    /// Figures and reports.
    case viewer
    /// Also imports and undo.
    case importer
    /// Also accounts.
    case admin

    public static func < (lhs: AccountRole, rhs: AccountRole) -> Bool {
        allCases.firstIndex(of: lhs)! < allCases.firstIndex(of: rhs)!
    }
}

/// A person who may sign in to `wellbeing serve`: a name, a role and a password kept only as its bcrypt hash.
public struct Account: Sendable, Hashable {
    public var name: String
    public var role: AccountRole
    /// The bcrypt hash (`$2b$…`); the password itself is never stored.
    public var passwordHash: String
    /// When the account was made, ISO 8601 in UTC.
    public var createdAt: String

    public init(name: String, role: AccountRole, passwordHash: String, createdAt: String) {
        self.name = name
        self.role = role
        self.passwordHash = passwordHash
        self.createdAt = createdAt
    }
}

extension SurveyStore {
    /// Every account, by name.
    public func accounts() throws -> [Account] {
        try read { db in try db.fetchAll("SELECT name, role, passwordHash, createdAt FROM account ORDER BY name").map(Self.account(from:)) }
    }

    /// The account called `name`, if there is one.
    public func account(named name: String) throws -> Account? {
        try read { db in
            try db.fetchOne("SELECT name, role, passwordHash, createdAt FROM account WHERE name = ?", [name]).map(Self.account(from:))
        }
    }

    static func account(from row: StoreRow) throws -> Account {
        let roleText = try row.text(1)
        guard let role = AccountRole(rawValue: roleText) else {
            throw StoreRow.Mismatch(column: 1, expected: "a role", found: .text(roleText))
        }
        return Account(name: try row.text(0), role: role, passwordHash: try row.text(2), createdAt: try row.text(3))
    }

    /// Adds `account`; `usage` when the name is taken.
    public func addAccount(_ account: Account) throws {
        try write(survey: nil) { db in
            if try db.fetchOne("SELECT name FROM account WHERE name = ?", [account.name]) != nil {
                throw WellBeingError(.usage, Message(.accountExists, ["name": account.name]))
            }
            try db.execute("INSERT INTO account (name, role, passwordHash, createdAt) VALUES (?, ?, ?, ?)",
                           [account.name, account.role.rawValue, account.passwordHash, account.createdAt])
        }
    }

    /// Replaces the password hash (and, when given, the role) of account `name`, ending its kept sessions when the
    /// password changes; `notFound` when there is none.
    public func updateAccount(_ name: String, passwordHash: String?, role: AccountRole? = nil) throws {
        try write(survey: nil) { db in
            guard try db.fetchOne("SELECT name FROM account WHERE name = ?", [name]) != nil else { throw Self.noAccount(name, db) }
            if let passwordHash {
                try db.execute("UPDATE account SET passwordHash = ? WHERE name = ?", [passwordHash, name])
                try db.execute("DELETE FROM session WHERE account = ?", [name])  // a new password signs every browser out
            }
            if let role { try db.execute("UPDATE account SET role = ? WHERE name = ?", [role.rawValue, name]) }
        }
    }

    /// Removes account `name` and its sessions (the batches it imported keep its name); `notFound` when there is none.
    public func removeAccount(_ name: String) throws {
        try write(survey: nil) { db in
            guard try db.fetchOne("SELECT name FROM account WHERE name = ?", [name]) != nil else { throw Self.noAccount(name, db) }
            try db.execute("DELETE FROM session WHERE account = ?", [name])
            try db.execute("DELETE FROM account WHERE name = ?", [name])
        }
    }

    static func noAccount(_ name: String, _ db: any StoreTransaction) -> WellBeingError {
        let known = (try? db.fetchAll("SELECT name FROM account ORDER BY name").map { try $0.text(0) }) ?? []
        return WellBeingError(.notFound, Message(.accountMissing, ["name": name, "known": known.isEmpty ? "—" : known.joined(separator: ", ")]))
    }

    /// Who imported each batch that records it (`ResponseImportRequest.importedBy`), by batch.
    public func importers() throws -> [Int64: String] {
        try read { db in
            Dictionary(try db.fetchAll("SELECT batchId, account FROM batchImporter").map { (try $0.integer(0), try $0.text(1)) },
                       uniquingKeysWith: { first, _ in first })
        }
    }
}
