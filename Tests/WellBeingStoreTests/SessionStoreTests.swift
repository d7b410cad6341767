import Foundation
import Testing
import WellBeingTestSupport
import WellBeingCore
@testable import WellBeingStore
import WellBeingWorkspace

/// The sessions of `wellbeing serve`'s accounts as the store keeps them (migration 009), the same on every backend.
@Suite struct SessionStoreTests {
    @Test(arguments: StoreBackendKind.available)
    func sessionsFollowTheirAccount(_ backend: StoreBackendKind) throws {
        let folder = try TemporaryFolder()
        let store = try SurveyStore(path: try backend.newLocation(in: folder))
        defer { store.close() }
        for (name, role) in [("佐藤", AccountRole.importer), ("suzuki", .viewer)] {
            try store.addAccount(Account(name: name, role: role, passwordHash: "$2b$12$hash-of-\(name)", createdAt: "2026-12-03T00:00:00Z"))
        }
        let start = Date(timeIntervalSince1970: 1_800_000_000)
        try store.addSession(idHash: "a1", account: "佐藤", at: start)
        try store.addSession(idHash: "a2", account: "佐藤", at: start)
        try store.addSession(idHash: "b1", account: "suzuki", at: start.addingTimeInterval(-7200))
        // Unknown accounts are refused, naming the ones there are.
        let missing = try #require(wellBeingError { try store.addSession(idHash: "x", account: "nobody", at: start) })
        #expect(missing.kind == .notFound && missing.description.contains("suzuki"))

        let found = try #require(try store.storedSession(idHash: "a1"))
        #expect(found.account.name == "佐藤" && found.account.role == .importer && found.lastSeen == start)
        #expect(try store.storedSession(idHash: "nothing") == nil)
        // The role is the account's as it is now.
        try store.updateAccount("佐藤", passwordHash: nil, role: .admin)
        #expect(try store.storedSession(idHash: "a1")?.account.role == .admin)
        #expect(try store.sessionCount(of: "佐藤") == 2)  // a new role alone signs nobody out

        try store.touchSession(idHash: "a1", at: start.addingTimeInterval(60))
        #expect(try store.storedSession(idHash: "a1")?.lastSeen == start.addingTimeInterval(60))
        // Idle ones go; the others stay.
        #expect(try store.removeSessions(lastSeenBefore: start.addingTimeInterval(-3600)) == 1)
        #expect(try store.storedSession(idHash: "b1") == nil)
        #expect(try store.storedSession(idHash: "a2") != nil)
        try store.removeSession(idHash: "a2")
        #expect(try store.storedSession(idHash: "a2") == nil)

        // A new password ends the account's sessions; so does its removal.
        try store.updateAccount("佐藤", passwordHash: "$2b$12$new")
        #expect(try store.sessionCount(of: "佐藤") == 0)
        try store.addSession(idHash: "s1", account: "suzuki", at: start)
        try store.removeAccount("suzuki")
        #expect(try store.storedSession(idHash: "s1") == nil)
        #expect(try store.sessionCount(of: "suzuki") == 0)
    }

    @Test func aCopyOfTheStoreCarriesNoSessions() throws {
        let folder = try TemporaryFolder()
        let source = folder.file("s.sqlite")
        let store = try SurveyStore(path: source)
        _ = try importResponses(store, Paths.fixture("mini-utf8.csv"))
        try store.addAccount(Account(name: "sato", role: .admin, passwordHash: "$2b$12$h", createdAt: "2026-12-03T00:00:00Z"))
        try store.addSession(idHash: "live", account: "sato", at: Date())
        let destination = folder.file("copy.sqlite")
        _ = try SurveyStore.copy(from: source, to: destination)
        let copied = try SurveyStore(path: destination, access: .read)
        #expect(try copied.accounts().map(\.name) == ["sato"])
        #expect(try copied.storedSession(idHash: "live") == nil)  // a copy signs nobody in
    }
}
