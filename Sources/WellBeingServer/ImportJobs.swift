#if Server
import Foundation
import WellBeingCore
import WellBeingIngest
import WellBeingStore

/// How far an import job has come. The import's reading thread writes it every few thousand rows
/// (`ReadingProgress.rowsBetweenReports`) under a lock held for a few stores; the job's pages read it.
final class ImportProgress: @unchecked Sendable {
    /// What the job does now: waits for the import lane (another import runs), reads and checks the rows (writing
    /// them as they come), or, every row read, finishes writing and commits.
    enum Phase: String, Sendable {
        case waiting, reading, saving
    }

    struct Snapshot: Sendable, Equatable {
        var phase: Phase
        var rows: Int
        var bytesRead: Int
        var fileBytes: Int

        /// The share of the file read, 0…1.
        var fraction: Double { fileBytes > 0 ? min(1, Double(bytesRead) / Double(fileBytes)) : 0 }
    }

    private let lock = NSLock()
    private var value: Snapshot

    init(fileBytes: Int) {
        value = Snapshot(phase: .waiting, rows: 0, bytesRead: 0, fileBytes: fileBytes)
    }

    /// The reading thread's report.
    func update(_ reading: ReadingProgress) {
        lock.withLock {
            value = Snapshot(phase: reading.finished ? .saving : .reading, rows: reading.rows, bytesRead: reading.bytesRead,
                             fileBytes: reading.fileBytes)
        }
    }

    /// The import has its turn in the lane and starts reading.
    func started() {
        lock.withLock { value.phase = .reading }
    }

    var snapshot: Snapshot { lock.withLock { value } }
}

/// An import started from the import page, run by the server whatever the browser does: who started it, what it
/// imports, how far it has come and, once it has ended, how.
struct ImportJob: Sendable {
    enum State: Sendable {
        case running
        case done(ImportOutcome)
        case failed(WellBeingError)
    }

    /// A random, unguessable name (the job's address is `/imports/{id}`).
    let id: String
    /// The account that started it: only it (and an admin) may see the job.
    let user: String
    let survey: String
    let fileName: String
    let dryRun: Bool
    let progress: ImportProgress
    var state: State = .running
    /// When it ended (success or failure); finished jobs are forgotten `ImportJobs.keepSeconds` later.
    var ended: Date?

    init(id: String, user: String, survey: String, fileName: String, dryRun: Bool, progress: ImportProgress) {
        self.id = id
        self.user = user
        self.survey = survey
        self.fileName = fileName
        self.dryRun = dryRun
        self.progress = progress
    }
}

/// The import jobs of this server: those running, and those that ended within the last half hour (at most
/// `keptFinished` of them), so that memory stays bounded however many imports a day brings.
actor ImportJobs {
    /// How long a finished job's result stays to be read.
    static let keepSeconds: TimeInterval = 30 * 60
    /// How many finished jobs are kept at most (the oldest are forgotten first): a result holds at most
    /// `ResponseParser.problemLimit` problems, so the kept ones take tens of megabytes at worst.
    static let keptFinished = 50

    private var jobs: [String: ImportJob] = [:]
    private var running: [String: Task<Void, Never>] = [:]
    private let keepSeconds: TimeInterval
    private let now: @Sendable () -> Date

    /// - Parameter now: the clock that ends are told by (a test's own, to forget without waiting).
    init(keepSeconds: TimeInterval = ImportJobs.keepSeconds, now: @escaping @Sendable () -> Date = { Date() }) {
        self.keepSeconds = keepSeconds
        self.now = now
    }

    /// Starts `work` as a job of the server, apart from the request that asked for it: it runs to its end even when
    /// the browser goes away. Returns the job's id.
    func start(user: String, survey: String, fileName: String, dryRun: Bool, progress: ImportProgress,
               work: @escaping @Sendable () async -> ImportJob.State) -> String {
        forgetOld()
        var id = Sessions.randomToken()
        while jobs[id] != nil { id = Sessions.randomToken() }
        jobs[id] = ImportJob(id: id, user: user, survey: survey, fileName: fileName, dryRun: dryRun, progress: progress)
        running[id] = Task.detached { [id] in
            let state = await work()
            await self.finish(id, state)
        }
        return id
    }

    private func finish(_ id: String, _ state: ImportJob.State) {
        jobs[id]?.state = state
        jobs[id]?.ended = now()
        running[id] = nil
    }

    /// The job `id`, if it runs or ended less than `keepSeconds` ago.
    func job(_ id: String) -> ImportJob? {
        forgetOld()
        return jobs[id]
    }

    /// How many jobs are known (running or kept).
    var count: Int { jobs.count }

    /// How many jobs are running.
    var runningCount: Int { running.count }

    /// Waits until every running job has ended (the server is stopping: each completes whole, or fails whole, and
    /// removes its upload). Returns how many there were.
    @discardableResult
    func finishRunning() async -> Int {
        let tasks = Array(running.values)
        for task in tasks { await task.value }
        return tasks.count
    }

    /// Forgets finished jobs older than `keepSeconds`, then the oldest beyond `keptFinished`.
    private func forgetOld() {
        let time = now()
        let finished = jobs.values.compactMap { job in job.ended.map { (id: job.id, ended: $0) } }.sorted { $0.ended > $1.ended }
        for (index, job) in finished.enumerated() where index >= Self.keptFinished || time.timeIntervalSince(job.ended) > keepSeconds {
            jobs[job.id] = nil
        }
    }
}
#endif
