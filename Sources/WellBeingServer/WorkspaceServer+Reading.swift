#if Server
import Foundation
import WellBeingCore
#if canImport(Glibc)
import Glibc
#endif
import WellBeingStore
import WellBeingWorkspace

/// The store as the server's requests read it.
///
/// An SQLite file is opened once as a pool (WAL readers, each request on a connection of its own, never waiting for
/// an import) and shared by every request; a file this process may not write is opened read-only per request (a
/// single connection cannot serve many readers at once); a PostgreSQL store is opened once too (its own connection,
/// made again when lost, and a pool for the transactions that overlap it). A store that could not be opened is tried
/// again by the next request. Every use blocks: call it inside `BlockingWork.run`.
final class StoreReaders: @unchecked Sendable {
    let path: String
    private let lock = NSLock()
    private var shared: SurveyStore?
    private var sharing = true

    init(path: String) { self.path = path }

    /// Whether there is a store yet (the pages show an empty workspace before the first import).
    var exists: Bool { SurveyStore.isServerLocation(path) || FileKind.of(path) != .missing }

    /// A store to read from; `inputMissing` when there is none.
    func store() throws -> SurveyStore {
        try lock.withLock {
            if let shared { return shared }
            if SurveyStore.isServerLocation(path) {
                let opened = try SurveyStore(path: path, access: .read)
                shared = opened
                return opened
            }
            if sharing, FileKind.of(path) == .regularFile, access(path, W_OK) == 0 {
                do {
                    let opened = try SurveyStore(path: path, access: .writeExisting)
                    shared = opened
                    return opened
                } catch let error as WellBeingError where error.kind == .cannotCreateOutput {
                    sharing = false  // a folder this user cannot write: readers open the file read-only
                }
            }
            return try SurveyStore(path: path, access: .read)
        }
    }

    /// Where accounts' sessions are kept: read through these readers, written through the shared pool (a file this
    /// process may only read keeps them in memory) or, on a PostgreSQL store, a connection of their own.
    func sessionRecords() -> SessionRecords {
        let path = self.path
        return SessionRecords(path: SurveyStore.displayName(of: path), reading: { try self.store() }, writing: {
            if SurveyStore.isServerLocation(path) { return try SurveyStore(path: path, access: .writeExisting) }
            let store = try self.store()
            return store.access == .read ? nil : store
        })
    }

    /// Closes the shared pool (the server stops): its last connection folds the WAL back into the file.
    func close() {
        lock.withLock {
            shared?.close()
            shared = nil
        }
    }
}

extension WorkspaceServer {
    /// The bytes `make` renders from one snapshot of the store, off the cooperative threads, or the ones an
    /// identical request got at the same store state. The state is read first (one small query); the answer is
    /// computed in the analysis lane and kept under the state of the snapshot it read.
    func cachedAnswer(_ request: String, _ make: @escaping @Sendable (SurveyStore) throws -> Data) async throws -> Data {
        try await cachedAnswers([request]) { store in [try make(store)] }
    }

    /// The answer of `requests[0]`, as `cachedAnswer`; `make` answers every request of `requests` from one snapshot
    /// (one analysis in several formats), and all are kept.
    func cachedAnswers(_ requests: [String], _ make: @escaping @Sendable (SurveyStore) throws -> [Data]) async throws -> Data {
        let readers = self.readers
        let state = try await BlockingWork.run { try readers.store().state() }
        return try await cache.answer(requests: requests, state: state) {
            try await BlockingWork.run {
                try readers.store().snapshot { snapshot in
                    let state = try snapshot.state()
                    return (try make(snapshot), state)
                }
            }
        }
    }

    /// Runs `body` off the cooperative threads on the store, or on nothing when there is no store yet.
    func onPool<T: Sendable>(_ body: @escaping @Sendable (SurveyStore?) throws -> T) async throws -> T {
        let readers = self.readers
        return try await BlockingWork.run { try body(readers.exists ? try readers.store() : nil) }
    }

    /// `onPool` for a page's text kept per store state like the API's answers (`cachedAs`: the page and its
    /// parameters), so a page that analyses a period costs one analysis for many readers.
    func onPool(cachedAs request: String, _ body: @escaping @Sendable (SurveyStore?) throws -> String) async throws -> String {
        guard readers.exists else { return try await onPool(body) }
        let bytes = try await cachedAnswer("page:" + request) { store in Data(try body(store).utf8) }
        return String(decoding: bytes, as: UTF8.self)
    }
}
#endif
