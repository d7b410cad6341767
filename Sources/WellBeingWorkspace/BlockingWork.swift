import Dispatch

/// Runs the store's blocking work (SQLite calls, waits for a PostgreSQL answer) on a thread of its own, so that
/// an `async` caller — a server's request handler — never holds one of the few cooperative threads while the
/// store works.
public enum BlockingWork {
    private static let queue = DispatchQueue(label: "wellbeing.store-work", attributes: .concurrent)

    /// Runs `work` on a store thread and returns what it returns (or throws what it throws).
    public static func run<T: Sendable>(_ work: @escaping @Sendable () throws -> T) async throws -> T {
        try await withCheckedThrowingContinuation { continuation in
            queue.async { continuation.resume(with: Result { try work() }) }
        }
    }
}
