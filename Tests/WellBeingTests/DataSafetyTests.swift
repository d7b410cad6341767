import Foundation
import GRDB
import Testing
import WellBeingTestSupport
@testable import WellBeingCore
@testable import WellBeingReport

/// What a hurried user can do to their files and store, through the built executable: outputs that name
/// inputs, reports over user files, a full disk, two commands on a new store, damaged and read-only stores.
/// Every case checks the user's files byte for byte, the store's batches and its integrity, the exit code
/// and the message.
@Suite struct DataSafetyTests {
    typealias Run = CommandLineTests.Run

    static func run(_ arguments: [String], in folder: String) throws -> Run {
        try CommandLineTests.run(arguments, in: folder)
    }

    /// Every file below `folder` (links not followed) with its bytes; the store's journal files, which any
    /// reader may create and SQLite removes, only when asked for.
    static func snapshot(_ folder: String, includingJournals: Bool = false) -> [String: Data] {
        var files: [String: Data] = [:]
        guard let enumerator = FileManager.default.enumerator(atPath: folder) else { return files }
        for case let relative as String in enumerator {
            let path = (folder as NSString).appendingPathComponent(relative)
            var status = stat()
            guard lstat(path, &status) == 0, (status.st_mode & S_IFMT) == S_IFREG else { continue }
            if !includingJournals && (relative.hasSuffix("-wal") || relative.hasSuffix("-shm")) { continue }
            files[relative] = FileManager.default.contents(atPath: path)
        }
        return files
    }

    /// The store's batches (id, kind, hash, rows), after checking its integrity; read-only.
    static func batches(_ store: String) throws -> [String] {
        var configuration = Configuration()
        configuration.readonly = true
        let queue = try DatabaseQueue(path: store, configuration: configuration)
        defer { try? queue.close() }
        return try queue.read { db in
            #expect(try String.fetchOne(db, sql: "PRAGMA integrity_check") == "ok")
            return try Row.fetchAll(db, sql: "SELECT id, kind, sha256, rowCount FROM batch ORDER BY id").map { "\($0)" }
        }
    }

    static let badRows = "id,地区,sex,q1,q2,q3,q4,ls,comment\nA1,北区,男性,4,2,5,3,7,\nA2,北区,男性,8,2,5,3,7,\nA3,北区,女性,1,2,5,3,7,\n"

    /// A folder with an instrument, a survey file with one bad row, and a store holding one batch.
    static func workspace() throws -> TemporaryFolder {
        let folder = try TemporaryFolder()
        try FileManager.default.copyItem(atPath: Paths.fixture("mini.yaml"), toPath: folder.file("mini.yaml"))
        try folder.write("survey.csv", badRows)
        let seed = try run(["import", "responses", Paths.fixture("mini-utf8.csv"), "--instrument", "mini.yaml",
                            "--period", "2025"], in: folder.path)
        #expect(seed.status == 0, "\(seed.errors)")
        return folder
    }

    // MARK: Outputs that are inputs

    @Test(arguments: ["survey.csv", "mini.yaml", "wellbeing.sqlite", "wellbeing.sqlite-wal", "wellbeing.sqlite-shm",
                      "./sub/../wellbeing.sqlite", "link-to-store", "hard-link-to-survey.csv", "dangling-to-wal"])
    func rejectsNamingAnInputIsRefusedBeforeAnythingIsWritten(_ target: String) throws {
        let folder = try Self.workspace()
        try FileManager.default.createDirectory(atPath: folder.file("sub"), withIntermediateDirectories: true)
        try FileManager.default.createSymbolicLink(atPath: folder.file("link-to-store"), withDestinationPath: "wellbeing.sqlite")
        try FileManager.default.linkItem(atPath: folder.file("survey.csv"), toPath: folder.file("hard-link-to-survey.csv"))
        // A link to where the journal will be: the journal does not exist while no command has the store open.
        for suffix in ["-wal", "-shm"] { unlink(folder.file("wellbeing.sqlite" + suffix)) }
        try FileManager.default.createSymbolicLink(atPath: folder.file("dangling-to-wal"), withDestinationPath: "wellbeing.sqlite-wal")
        let batchesBefore = try Self.batches(folder.file("wellbeing.sqlite"))
        for suffix in ["-wal", "-shm"] { unlink(folder.file("wellbeing.sqlite" + suffix)) }
        let before = Self.snapshot(folder.path, includingJournals: true)
        let run = try Self.run(["import", "responses", "survey.csv", "--instrument", "mini.yaml", "--period", "2024",
                                "--on-error", "skip", "--rejects", target], in: folder.path)
        #expect(run.status == 64, "\(run.errors)")
        #expect(run.errors.contains("is the same file as"), "\(run.errors)")
        #expect(Self.snapshot(folder.path, includingJournals: true) == before)
        #expect(try Self.batches(folder.file("wellbeing.sqlite")) == batchesBefore)
    }

    @Test(arguments: ["survey.csv", "mini.yaml"])
    func aStorePathThatIsAnInputIsNeverWritten(_ store: String) throws {
        let folder = try Self.workspace()
        let before = Self.snapshot(folder.path, includingJournals: true)
        for command in [["import", "responses", "survey.csv", "--instrument", "mini.yaml", "--period", "2024"],
                        ["import", "population", "survey.csv"], ["batches"], ["undo", "1"]] {
            let run = try Self.run(command + ["--store", store], in: folder.path)
            #expect(run.status == 65, "\(command): \(run.errors)")
            #expect(run.errors.contains("is not a readable wellbeing store"), "\(run.errors)")
        }
        #expect(Self.snapshot(folder.path, includingJournals: true) == before)
    }

    @Test func aFailedImportLeavesAnEarlierRejectsFileAsItWas() throws {
        let folder = try Self.workspace()
        let arguments = ["import", "responses", "survey.csv", "--instrument", "mini.yaml", "--period", "2024",
                         "--on-error", "skip", "--rejects", "rejected.csv"]
        let first = try Self.run(arguments, in: folder.path)
        #expect(first.status == 0, "\(first.errors)")
        let written = try #require(FileManager.default.contents(atPath: folder.file("rejected.csv")))
        #expect(String(decoding: written, as: UTF8.self).contains("'8' is outside 1–5"))
        let attributes = try FileManager.default.attributesOfItem(atPath: folder.file("rejected.csv"))
        #expect((attributes[.posixPermissions] as? NSNumber)?.intValue == 0o600)
        let second = try Self.run(arguments, in: folder.path)
        #expect(second.status == 65)
        #expect(second.errors.contains("already imported"))
        #expect(FileManager.default.contents(atPath: folder.file("rejected.csv")) == written)
        #expect(try FileManager.default.contentsOfDirectory(atPath: folder.path).allSatisfy { !$0.contains(".partial-") })
    }

    @Test func rejectsToStandardOutput() throws {
        let folder = try Self.workspace()
        let run = try Self.run(["import", "responses", "survey.csv", "--instrument", "mini.yaml", "--period", "2024",
                                "--on-error", "skip", "--rejects", "-"], in: folder.path)
        #expect(run.status == 0, "\(run.errors)")
        #expect(run.output.contains("line,problems,cells"))
        #expect(run.output.contains("A2"))
        #expect(!FileManager.default.fileExists(atPath: folder.file("-")))
    }

    @Test func rejectsIntoAFolderIsRefused() throws {
        let folder = try Self.workspace()
        try FileManager.default.createDirectory(atPath: folder.file("out"), withIntermediateDirectories: true)
        let run = try Self.run(["import", "responses", "survey.csv", "--instrument", "mini.yaml", "--period", "2024",
                                "--on-error", "skip", "--rejects", "out"], in: folder.path)
        #expect(run.status == 73)
        #expect(run.errors.contains("is a folder"))
        #expect(try Self.batches(folder.file("wellbeing.sqlite")).count == 1)
    }

    @Test func theDemoNeverReplacesAStore() throws {
        let folder = try TemporaryFolder()
        try FileManager.default.copyItem(atPath: Paths.fixture("stores/schema-001.sqlite"), toPath: folder.file("wellbeing.sqlite"))
        let before = Self.snapshot(folder.path)
        let run = try Self.run(["demo", "--out", ".", "--surveys", Paths.surveys, "--reports", "rep"], in: folder.path)
        #expect(run.status == 73)
        #expect(run.errors.contains("already exists"))
        #expect(Self.snapshot(folder.path) == before)
    }

    @Test func aFailedDemoLeavesNothingBehind() throws {
        // Bundled files without the population margins: the demo fails part-way, and the next try is not
        // blocked by a half store.
        let folder = try TemporaryFolder()
        let surveys = folder.file("surveys")
        try FileManager.default.copyItem(atPath: Paths.surveys, toPath: surveys)
        try FileManager.default.removeItem(atPath: (surveys as NSString).appendingPathComponent("samples/population.csv"))
        for attempt in 0..<2 {
            let run = try Self.run(["demo", "--out", "new/demo", "--reports", "rep", "--surveys", surveys], in: folder.path)
            #expect(run.status == 66, "attempt \(attempt): \(run.status) \(run.errors)")
            #expect(!FileManager.default.fileExists(atPath: folder.file("new")))
        }
        // Into a folder that existed: the folder stays, the store and its journals go.
        try FileManager.default.createDirectory(atPath: folder.file("mine"), withIntermediateDirectories: true)
        try folder.write("mine/notes.txt", "mine")
        let before = Self.snapshot(folder.file("mine"), includingJournals: true)
        let run = try Self.run(["demo", "--out", "mine", "--reports", "rep", "--surveys", surveys], in: folder.path)
        #expect(run.status == 66)
        #expect(Self.snapshot(folder.file("mine"), includingJournals: true) == before)
    }

    // MARK: Reports

    /// A workspace whose store can be reported (no margins: unweighted).
    static func reportWorkspace() throws -> TemporaryFolder {
        let folder = try Self.workspace()
        let report = try run(["report", "--period", "2025", "--out", "rep"], in: folder.path)
        #expect(report.status == 0, "\(report.errors)")
        return folder
    }

    @Test func aReportRemovesOnlyTheChartsItWroteItself() throws {
        let folder = try Self.reportWorkspace()
        let charts = folder.file("rep/mini-2025-charts")
        let ours = ReportFiles.readManifest(in: charts)
        #expect(!ours.isEmpty)
        try FileManager.default.createDirectory(atPath: charts + "/sub", withIntermediateDirectories: true)
        try folder.write("rep/mini-2025-charts/sub/keep.txt", "mine")
        try folder.write("rep/mini-2025-charts/notes.txt", "mine")
        try folder.write("rep/mini-2025-charts/my-own.svg", "<svg/>")
        // A chart an earlier report wrote that the new one does not have.
        try folder.write("rep/mini-2025-charts/retired.svg", "<svg/>")
        let manifest = charts + "/" + ReportFiles.manifestName
        try (String(contentsOfFile: manifest, encoding: .utf8) + "retired.svg\n../outside.svg\n")
            .write(toFile: manifest, atomically: true, encoding: .utf8)
        try folder.write("rep/outside.svg", "<svg/>")
        let run = try Self.run(["report", "--period", "2025", "--out", "rep"], in: folder.path)
        #expect(run.status == 0, "\(run.errors)")
        let after = Self.snapshot(folder.path)
        #expect(after["rep/mini-2025-charts/sub/keep.txt"] == Data("mine".utf8))
        #expect(after["rep/mini-2025-charts/notes.txt"] == Data("mine".utf8))
        #expect(after["rep/mini-2025-charts/my-own.svg"] != nil)
        #expect(after["rep/outside.svg"] != nil)
        #expect(after["rep/mini-2025-charts/retired.svg"] == nil)
        #expect(ReportFiles.readManifest(in: charts).sorted() == ours.sorted())
        #expect(after.keys.allSatisfy { !$0.contains(".partial-") })
    }

    @Test func somethingElseWhereTheReportGoesIsRefusedAndKept() throws {
        let folder = try Self.workspace()
        try FileManager.default.createDirectory(atPath: folder.file("rep/mini-2025.html"), withIntermediateDirectories: true)
        try folder.write("rep/mini-2025-charts", "a file of the user's")
        let before = Self.snapshot(folder.path)
        var run = try Self.run(["report", "--period", "2025", "--out", "rep", "--format", "html"], in: folder.path)
        #expect(run.status == 73)
        #expect(run.errors.contains("it is a folder"))
        run = try Self.run(["report", "--period", "2025", "--out", "rep", "--format", "md"], in: folder.path)
        #expect(run.status == 73)
        #expect(run.errors.contains("not a folder"))
        #expect(Self.snapshot(folder.path) == before)
    }

    @Test func aReportNeverReplacesTheStore() throws {
        let folder = try Self.workspace()
        try FileManager.default.createDirectory(atPath: folder.file("rep"), withIntermediateDirectories: true)
        try FileManager.default.moveItem(atPath: folder.file("wellbeing.sqlite"), toPath: folder.file("rep/mini-2025-charts"))
        for suffix in ["-wal", "-shm"] { unlink(folder.file("wellbeing.sqlite" + suffix)) }
        let before = Self.snapshot(folder.path)
        for format in ["md", "both"] {
            let run = try Self.run(["report", "--period", "2025", "--out", "rep", "--format", format,
                                    "--store", "rep/mini-2025-charts"], in: folder.path)
            #expect(run.status == 64, "\(run.errors)")
            #expect(run.errors.contains("is the same file as the store"))
        }
        try FileManager.default.createSymbolicLink(atPath: folder.file("rep/mini-2025.html"), withDestinationPath: "mini-2025-charts")
        let run = try Self.run(["report", "--period", "2025", "--out", "rep", "--format", "html",
                                "--store", "rep/mini-2025-charts"], in: folder.path)
        #expect(run.status == 64)
        #expect(Self.snapshot(folder.path) == before)
    }

    @Test(.enabled(if: Mounts.available, "needs root to mount a small tmpfs; skipped: \(Mounts.reason)"))
    func aFullDiskLeavesTheEarlierReportWhole() throws {
        let folder = try Self.workspace()
        let mount = try Mounts.tmpfs(at: folder.file("disk"), kilobytes: 96)
        defer { mount.remove() }
        var run = try Self.run(["report", "--period", "2025", "--out", "disk"], in: folder.path)
        #expect(run.status == 0, "\(run.errors)")
        let before = Self.snapshot(folder.file("disk"))
        // Fill the disk but for a few kilobytes.
        try Data(count: Int(Mounts.free(folder.file("disk"))) - 8192).write(to: URL(fileURLWithPath: folder.file("disk/filler")))
        run = try Self.run(["report", "--period", "2025", "--out", "disk"], in: folder.path)
        #expect(run.status == 74, "\(run.errors)")
        #expect(run.errors.contains("No space left on device"))
        var after = Self.snapshot(folder.file("disk"))
        after["filler"] = nil
        #expect(after == before)
        #expect(try FileManager.default.contentsOfDirectory(atPath: folder.file("disk")).allSatisfy { !$0.contains(".partial-") })
    }

    @Test(.enabled(if: Mounts.available, "needs root to mount a small tmpfs; skipped: \(Mounts.reason)"))
    func aFullDiskLeavesTheEarlierWorkbookWhole() throws {
        let folder = try Self.workspace()
        let mount = try Mounts.tmpfs(at: folder.file("disk"), kilobytes: 64)
        defer { mount.remove() }
        var run = try Self.run(["indicators", "--period", "2025", "--format", "xlsx", "--output", "disk/指標.xlsx"], in: folder.path)
        #expect(run.status == 0, "\(run.errors)")
        let before = Self.snapshot(folder.file("disk"))
        try Data(count: Int(Mounts.free(folder.file("disk"))) - 2048).write(to: URL(fileURLWithPath: folder.file("disk/filler")))
        run = try Self.run(["indicators", "--period", "2025", "--items", "--format", "xlsx", "--output", "disk/指標.xlsx"], in: folder.path)
        #expect(run.status == 74, "\(run.errors)")
        #expect(run.errors.contains("No space left on device"))
        var after = Self.snapshot(folder.file("disk"))
        after["filler"] = nil
        #expect(after == before)
        // A folder, or the store itself, is refused before anything is written.
        #expect(try Self.run(["indicators", "--period", "2025", "--format", "xlsx", "--output", "disk"], in: folder.path).status == 73)
        #expect(try Self.run(["batches", "--format", "xlsx", "--output", "wellbeing.sqlite"], in: folder.path).status == 64)
    }

    // MARK: Two commands on a new store

    @Test func twoFirstImportsIntoANewStoreBothLand() throws {
        let folder = try TemporaryFolder()
        for round in 0..<20 {
            let store = folder.file("new-\(round).sqlite")
            let files = [Paths.fixture("mini-utf8.csv"), Paths.fixture("mini-utf8-bom.csv")]
            let processes = try zip(files, ["2025", "2024"]).enumerated().map { index, pair in
                try FaultTests.start(["import", "responses", pair.0, "--instrument", Paths.fixture("mini.yaml"),
                                      "--period", pair.1, "--store", store], in: folder.path,
                                     errors: folder.file("errors-\(round)-\(index).txt"))
            }
            var landed = 0
            for (index, process) in processes.enumerated() {
                process.waitUntilExit()
                let status = process.terminationStatus
                let message = (try? String(contentsOfFile: folder.file("errors-\(round)-\(index).txt"), encoding: .utf8)) ?? ""
                #expect(status == 0 || status == 75, "round \(round): exit \(status): \(message)")
                if status == 0 { landed += 1 }
            }
            #expect(try Self.batches(store).count == landed)
            #expect(try FileManager.default.contentsOfDirectory(atPath: folder.path).allSatisfy { !$0.contains(".new-") })
        }
    }

    @Test func aReaderBesideTheFirstImportSeesNoStoreOrAWholeOne() throws {
        let folder = try TemporaryFolder()
        for round in 0..<20 {
            let store = folder.file("new-\(round).sqlite")
            let importer = try FaultTests.start(["import", "responses", Paths.fixture("mini-utf8.csv"), "--instrument",
                                                 Paths.fixture("mini.yaml"), "--period", "2025", "--store", store],
                                                in: folder.path)
            let reader = try Self.run(["batches", "--store", store], in: folder.path)
            importer.waitUntilExit()
            #expect(importer.terminationStatus == 0)
            #expect(reader.status == 0 || reader.status == 66, "round \(round): exit \(reader.status): \(reader.errors)")
            if reader.status == 66 { #expect(reader.errors.contains("There is no store")) }
            if reader.status == 0 { #expect(reader.output.isEmpty || reader.output.contains("mini-utf8.csv")) }
        }
    }

    // MARK: Damaged and read-only stores

    static let damagedStores = ["empty-group-names", "empty-attribute-values", "group-code-ffff",
                                "answer-out-of-range", "weight-not-a-number"]

    @Test(arguments: damagedStores)
    func damagedStoreContentIsRefusedNotCrashedOn(_ name: String) throws {
        let folder = try TemporaryFolder()
        try FileManager.default.copyItem(atPath: Paths.fixture("stores/damaged/\(name).sqlite"), toPath: folder.file("s.sqlite"))
        for command in [["indicators", "--period", "2025", "--weights", "none"],
                        ["report", "--period", "2025", "--weights", "none", "--out", "rep"],
                        ["trend", "--from", "2025", "--to", "2025", "--weights", "none"]] {
            let run = try Self.run(command + ["--store", "s.sqlite"], in: folder.path)
            #expect(run.status == 65, "\(command): \(run.errors)")
            #expect(run.errors.contains("is damaged (batch 1, block 1:"), "\(run.errors)")
            #expect(run.output.isEmpty)
        }
        #expect(!FileManager.default.fileExists(atPath: folder.file("rep/mini-2025.html")))
    }

    @Test func aStoreWithADamagedPageIsNeverWrittenTo() throws {
        let folder = try TemporaryFolder()
        try FileManager.default.copyItem(atPath: Paths.fixture("stores/damaged/damaged-page.sqlite"), toPath: folder.file("s.sqlite"))
        let before = try #require(FileManager.default.contents(atPath: folder.file("s.sqlite")))
        for command in [["import", "responses", Paths.fixture("mini-utf8-bom.csv"), "--instrument", Paths.fixture("mini.yaml"),
                         "--period", "2024"], ["undo", "4"]] {
            let run = try Self.run(command + ["--store", "s.sqlite"], in: folder.path)
            #expect(run.status == 65, "\(command): \(run.errors)")
            #expect(run.errors.contains("is damaged"))
            #expect(run.errors.contains("nothing was written"))
        }
        #expect(FileManager.default.contents(atPath: folder.file("s.sqlite")) == before)
    }

    @Test func anItemWhoseScaleChangedBetweenVersionsIsRefused() throws {
        let folder = try TemporaryFolder()
        let yaml = try String(contentsOfFile: Paths.fixture("mini.yaml"), encoding: .utf8)
        try folder.write("v2.yaml", yaml.replacingOccurrences(of: "version: \"1\"", with: "version: \"2\"")
            .replacingOccurrences(of: "scale: ten, outcome: true", with: "outcome: true"))
        try folder.write("v2.csv", "id,地区,sex,q1,q2,q3,q4,ls,comment\nB1,北区,男性,4,2,5,3,4,\n")
        var run = try Self.run(["import", "responses", Paths.fixture("mini-utf8.csv"), "--instrument", Paths.fixture("mini.yaml"),
                                "--period", "2025"], in: folder.path)
        #expect(run.status == 0)
        run = try Self.run(["import", "responses", "v2.csv", "--instrument", "v2.yaml", "--period", "2025"], in: folder.path)
        #expect(run.status == 0, "\(run.errors)")
        run = try Self.run(["indicators", "--period", "2025"], in: folder.path)
        #expect(run.status == 65, "\(run.errors)")
        #expect(run.errors.contains("Item ls is on 1–5 now but was on 0–10"))
        #expect(run.errors.contains("version 1") && run.errors.contains("version 2"))
    }

    @Test(.enabled(if: Mounts.available, "needs root to bind-mount a folder read-only; skipped: \(Mounts.reason)"))
    func aStoreOnAReadOnlyMountCanBeRead() throws {
        let folder = try Self.workspace()
        try FileManager.default.createDirectory(atPath: folder.file("ro"), withIntermediateDirectories: true)
        // The store as it is after a clean close: no journal beside it.
        try FileManager.default.createDirectory(atPath: folder.file("src"), withIntermediateDirectories: true)
        let seed = try Self.run(["indicators", "--period", "2025", "--format", "json"], in: folder.path)
        #expect(seed.status == 0, "\(seed.errors)")
        let queue = try DatabaseQueue(path: folder.file("wellbeing.sqlite"))
        try queue.writeWithoutTransaction { try $0.execute(sql: "PRAGMA wal_checkpoint(TRUNCATE)") }
        try queue.close()
        try FileManager.default.copyItem(atPath: folder.file("wellbeing.sqlite"), toPath: folder.file("src/wellbeing.sqlite"))
        let mount = try Mounts.readOnlyBind(folder.file("src"), at: folder.file("ro"))
        defer { mount.remove() }
        let store = folder.file("ro/wellbeing.sqlite")
        var run = try Self.run(["batches", "--store", store], in: folder.path)
        #expect(run.status == 0, "\(run.errors)")
        run = try Self.run(["indicators", "--period", "2025", "--format", "json", "--store", store], in: folder.path)
        #expect(run.status == 0, "\(run.errors)")
        #expect(run.output == seed.output)
        run = try Self.run(["report", "--period", "2025", "--out", "rep", "--store", store], in: folder.path)
        #expect(run.status == 0, "\(run.errors)")
        run = try Self.run(["import", "responses", "survey.csv", "--instrument", "mini.yaml", "--period", "2024",
                            "--on-error", "skip", "--store", store], in: folder.path)
        #expect(run.status == 73, "\(run.errors)")
        #expect(run.errors.contains("for writing"))
        run = try Self.run(["import", "responses", "survey.csv", "--instrument", "mini.yaml", "--period", "2024",
                            "--on-error", "skip", "--dry-run", "--store", store], in: folder.path)
        #expect(run.status == 0, "\(run.errors)")
    }

    // MARK: Odd paths and smaller things

    @Test(arguments: [("/dev/null", "character device"), ("FIFO", "named pipe"), ("FOLDER", "a folder"), ("EMPTY", "empty file")])
    func readingCommandsNameWhatAnOddStorePathIs(_ path: String, _ says: String) throws {
        let folder = try TemporaryFolder()
        mkfifo(folder.file("fifo"), 0o600)
        try FileManager.default.createDirectory(atPath: folder.file("folder"), withIntermediateDirectories: true)
        try folder.write("empty", "")
        let store = ["FIFO": folder.file("fifo"), "FOLDER": folder.file("folder"), "EMPTY": folder.file("empty")][path] ?? path
        for command in [["batches"], ["indicators", "--period", "2025"]] {
            let run = try Self.run(command + ["--store", store], in: folder.path)
            #expect(run.status == 66, "\(run.errors)")
            #expect(run.errors.contains(says), "\(run.errors)")
            #expect(!run.errors.contains("nothing of this import"))
        }
        let run = try Self.run(["import", "responses", Paths.fixture("mini-utf8.csv"), "--instrument", Paths.fixture("mini.yaml"),
                                "--period", "2025", "--store", store], in: folder.path)
        #expect(run.status == 73, "\(run.errors)")
        #expect(run.errors.contains(says))
    }

    @Test func aDryRunCreatesNoStoreAndTakesNoLock() throws {
        let folder = try Self.workspace()
        var run = try Self.run(["import", "responses", "survey.csv", "--instrument", "mini.yaml", "--period", "2024",
                                "--on-error", "skip", "--dry-run", "--store", "new.sqlite"], in: folder.path)
        #expect(run.status == 0, "\(run.errors)")
        #expect(run.errors.contains("nothing was written"))
        #expect(!FileManager.default.fileExists(atPath: folder.file("new.sqlite")))
        // Another process holds the write lock of the existing store: the dry run still answers at once.
        var configuration = Configuration()
        configuration.allowsUnsafeTransactions = true
        let queue = try DatabaseQueue(path: folder.file("wellbeing.sqlite"), configuration: configuration)
        try queue.inDatabase { try $0.execute(sql: "BEGIN IMMEDIATE") }
        let started = Date()
        run = try Self.run(["import", "responses", "survey.csv", "--instrument", "mini.yaml", "--period", "2024",
                            "--on-error", "skip", "--dry-run"], in: folder.path)
        #expect(run.status == 0, "\(run.errors)")
        #expect(Date().timeIntervalSince(started) < 8, "the dry run waited for the write lock")
        // The same file as a stored batch: a dry run says so too.
        run = try Self.run(["import", "responses", Paths.fixture("mini-utf8.csv"), "--instrument", "mini.yaml",
                            "--period", "2025", "--dry-run"], in: folder.path)
        #expect(run.status == 65)
        #expect(run.errors.contains("already imported"))
        try queue.inDatabase { try $0.execute(sql: "ROLLBACK") }
        try queue.close()
        #expect(try Self.batches(folder.file("wellbeing.sqlite")).count == 1)
    }

    @Test func controlCharactersInFileNamesAreShownNotObeyed() throws {
        let folder = try Self.workspace()
        let name = "red\u{1B}[31m\u{202E}.csv"
        try FileManager.default.copyItem(atPath: Paths.fixture("mini-utf8-bom.csv"), toPath: folder.file(name))
        var run = try Self.run(["import", "responses", name, "--instrument", "mini.yaml", "--period", "2024"], in: folder.path)
        #expect(run.status == 0, "\(run.errors)")
        #expect(!run.errors.contains("\u{1B}"))
        run = try Self.run(["batches"], in: folder.path)
        #expect(run.status == 0)
        #expect(!run.output.contains("\u{1B}") && !run.output.contains("\u{202E}"))
        #expect(run.output.contains("red\\u{1B}[31m\\u{202E}.csv"))
        run = try Self.run(["report", "--period", "2024", "--out", "rep", "--format", "md"], in: folder.path)
        #expect(run.status == 0, "\(run.errors)")
        let markdown = try String(contentsOfFile: folder.file("rep/mini-2024.md"), encoding: .utf8)
        #expect(!markdown.contains("\u{1B}") && !markdown.contains("\u{202E}"))
        run = try Self.run(["report", "--period", "2024", "--out", "rep", "--format", "html"], in: folder.path)
        let html = try String(contentsOfFile: folder.file("rep/mini-2024.html"), encoding: .utf8)
        #expect(!html.contains("\u{1B}") && !html.contains("\u{202E}"))
        #expect(html.contains("\\u{202E}"))
    }

    @Test func aHugeHeaderLineIsNotEchoedWhole() throws {
        let folder = try Self.workspace()
        try folder.write("wide.csv", "id," + String(repeating: "x", count: 16_000_000) + "\n")
        let run = try Self.run(["import", "responses", "wide.csv", "--instrument", "mini.yaml", "--period", "2024"], in: folder.path)
        #expect(run.status == 65)
        #expect(run.errors.contains("wide.csv:1"))
        #expect(run.errors.utf8.count < 4096)
    }
}

/// Mounting small file systems for the full-disk and read-only tests (root only; otherwise skipped, and
/// the skip names why).
enum Mounts {
    struct Mounted {
        let path: String
        func remove() { _ = try? Mounts.command(["umount", path]) }
    }

    /// Whether this process may mount (it is root and `mount` works here).
    static let available: Bool = probe() == nil
    static var reason: String { probe() ?? "" }

    private static func probe() -> String? {
        guard getuid() == 0 else { return "not running as root" }
        let folder = (NSTemporaryDirectory() as NSString).appendingPathComponent("wellbeing-mount-probe-\(getpid())")
        try? FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: folder) }
        guard (try? command(["mount", "-t", "tmpfs", "-o", "size=64k", "tmpfs", folder])) == 0 else {
            return "mount is not permitted here"
        }
        _ = try? command(["umount", folder])
        return nil
    }

    static func tmpfs(at path: String, kilobytes: Int) throws -> Mounted {
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        guard try command(["mount", "-t", "tmpfs", "-o", "size=\(kilobytes)k", "tmpfs", path]) == 0 else {
            throw CocoaError(.fileWriteUnknown)
        }
        return Mounted(path: path)
    }

    static func readOnlyBind(_ source: String, at path: String) throws -> Mounted {
        guard try command(["mount", "--bind", source, path]) == 0 else { throw CocoaError(.fileWriteUnknown) }
        guard try command(["mount", "-o", "remount,ro,bind", path]) == 0 else {
            _ = try? command(["umount", path])
            throw CocoaError(.fileWriteUnknown)
        }
        return Mounted(path: path)
    }

    /// Free bytes on the file system of `path`.
    static func free(_ path: String) -> UInt64 {
        var info = statvfs()
        guard statvfs(path, &info) == 0 else { return 0 }
        return UInt64(info.f_bavail) * UInt64(info.f_frsize)
    }

    @discardableResult
    static func command(_ arguments: [String]) throws -> Int32 {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = arguments
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        process.waitUntilExit()
        return process.terminationStatus
    }
}
