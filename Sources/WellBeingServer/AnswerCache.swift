#if Server
import Foundation
import WellBeingStore

/// Computed answers (an API view's bytes, a page's analysis block) kept per request and per store state, so that
/// many readers of the same figures cost one analysis; bounded in bytes, the least recently used dropped first.
///
/// Identical requests that arrive while their answer is being computed wait for that one computation (single
/// flight) instead of starting their own. Failures are shared with the waiters but never kept. At most `width`
/// computations run at once (the analysis lane): each holds a period's answers in memory, so the lane bounds the
/// memory many different requests can take, and on a small machine more at once would only share the same cores.
actor AnswerCache {
    /// What an answer depends on: the route and its parameters in a fixed order (with the reader's language), the
    /// store's state read from the store (so that another process's import counts too) and this server's own
    /// write generation.
    struct Key: Hashable, Sendable {
        var request: String
        var state: StoreState?
        var generation: Int
    }

    private struct Entry {
        var body: Data
        var lastUse: UInt64
    }

    private var entries: [Key: Entry] = [:]
    /// The computations under way, under each request they answer (with that request's place in their answers).
    private var running: [Key: (task: Task<([Data], Key), any Error>, index: Int)] = [:]
    private var clock: UInt64 = 0
    private var storedBytes = 0
    /// Bumped by this server's own imports and undos: an answer computed before one is never used after it.
    private(set) var generation = 0
    let limitBytes: Int
    private let lane: Lane
    /// How many answers were served from memory and how many computed (for tests and the log).
    private(set) var hits = 0
    private(set) var computations = 0

    init(limitBytes: Int, width: Int) {
        self.limitBytes = limitBytes
        lane = Lane(width: width)
    }

    /// The answer of `request` at `state`: kept, being computed, or computed now by `compute`, which returns the
    /// bytes and the state it actually read (an import may land between reading the state and computing; the
    /// answer is then kept under the state it belongs to).
    func answer(request: String, state: StoreState?,
                compute: @escaping @Sendable () async throws -> (Data, StoreState?)) async throws -> Data {
        try await answer(requests: [request], state: state) {
            let (body, read) = try await compute()
            return ([body], read)
        }
    }

    /// The answer of `requests[0]` at `state`; `compute` answers every request of `requests` at once (one analysis
    /// rendered in several formats), in their order, and all are kept. A request for any of them while they are
    /// computed waits for this computation.
    func answer(requests: [String], state: StoreState?,
                compute: @escaping @Sendable () async throws -> ([Data], StoreState?)) async throws -> Data {
        let current = generation
        let keys = requests.map { Key(request: $0, state: state, generation: current) }
        clock += 1
        if var entry = entries[keys[0]] {
            entry.lastUse = clock
            entries[keys[0]] = entry
            hits += 1
            return entry.body
        }
        if let (task, index) = running[keys[0]] {
            hits += 1
            return try await task.value.0[index]
        }
        computations += 1
        let lane = self.lane
        let task = Task { () throws -> ([Data], Key) in
            try await lane.run {
                let (bodies, read) = try await compute()
                precondition(bodies.count == requests.count, "one answer per request")
                return (bodies, Key(request: "", state: read, generation: current))
            }
        }
        for (index, key) in keys.enumerated() where running[key] == nil { running[key] = (task, index) }
        defer { for key in keys where running[key]?.task == task { running[key] = nil } }
        let (bodies, computed) = try await task.value
        for (request, body) in zip(requests, bodies) {
            keep(body, as: Key(request: request, state: computed.state, generation: computed.generation))
        }
        return bodies[0]
    }

    /// Forgets every answer: this server has just changed the store.
    func storeChanged() {
        generation += 1
        entries.removeAll()
        storedBytes = 0
    }

    private func keep(_ body: Data, as key: Key) {
        guard key.generation == generation, body.count <= limitBytes / 4 else { return }
        clock += 1
        if let old = entries[key] { storedBytes -= old.body.count }
        entries[key] = Entry(body: body, lastUse: clock)
        storedBytes += body.count
        guard storedBytes > limitBytes else { return }
        for (oldKey, entry) in entries.sorted(by: { $0.value.lastUse < $1.value.lastUse }) where storedBytes > limitBytes {
            entries[oldKey] = nil
            storedBytes -= entry.body.count
        }
    }

    /// How many answers are kept, and their bytes.
    var size: (count: Int, bytes: Int) { (entries.count, storedBytes) }
}

/// Lets at most `width` bodies run at once; the others wait their turn in order, without holding a thread.
actor Lane {
    private let width: Int
    private var active = 0
    private var waiting: [CheckedContinuation<Void, Never>] = []

    init(width: Int) { self.width = max(1, width) }

    func run<T: Sendable>(_ body: @Sendable () async throws -> T) async throws -> T {
        await enter()
        defer { leave() }
        return try await body()
    }

    private func enter() async {
        if active < width {
            active += 1
            return
        }
        await withCheckedContinuation { waiting.append($0) }
    }

    private func leave() {
        if waiting.isEmpty {
            active -= 1
        } else {
            waiting.removeFirst().resume()  // the place passes to the next in line
        }
    }
}
#endif
