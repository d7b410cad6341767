import Foundation
import GRDB
import Testing
import WellBeingTestSupport
@testable import WellBeingCore
@testable import WellBeingStore
import WellBeingWorkspace

/// The corpus of broken and hostile inputs (`Fixtures/Hostile`, made by its `make_corpus.py`): each goes
/// through the built executable, must exit 65 or 66 with a message naming the file and line, must never
/// crash, and must leave the store exactly as it was.
@Suite struct HostileInputTests {
    struct Case: CustomTestStringConvertible, Sendable {
        var file: String
        var kind: String
        var exit: Int32
        var needle: String
        var testDescription: String { file }
    }

    static let cases: [Case] = {
        guard let text = try? String(contentsOfFile: Paths.fixture("Hostile/manifest.tsv"), encoding: .utf8) else { return [] }
        return text.split(separator: "\n").dropFirst().map { line in
            let fields = line.split(separator: "\t", omittingEmptySubsequences: false).map(String.init)
            return Case(file: fields[0], kind: fields[1], exit: Int32(fields[2])!, needle: fields[3])
        }
    }()

    /// A store holding the mini survey and its KPI catalogue, copied for every case.
    static let baseStore: Result<String, Error> = Result(catching: {
        let folder = NSTemporaryDirectory() + "wellbeing-hostile-base-\(getpid())"
        try? FileManager.default.removeItem(atPath: folder)
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        let path = folder + "/base.sqlite"
        do {
            let store = try SurveyStore(path: path)
            try importResponses(store, Paths.fixture("mini-utf8.csv"))
            _ = try store.importKPIs(valuesPath: Paths.fixture("mini-kpis.csv"), catalogPath: Paths.fixture("mini-catalog.yaml"),
                                     survey: nil, encoding: nil, replace: false)
        }
        let queue = try DatabaseQueue(path: path)
        try queue.writeWithoutTransaction { try $0.execute(sql: "PRAGMA wal_checkpoint(TRUNCATE)") }
        try queue.close()
        return path
    })

    @Test func theCorpusHasAtLeastAHundredInputs() {
        #expect(Self.cases.count >= 100)
    }

    @Test(arguments: cases)
    func isRefusedCleanly(_ input: Case) throws {
        let folder = try TemporaryFolder()
        let store = folder.file("store.sqlite")
        try FileManager.default.copyItem(atPath: try Self.baseStore.get(), toPath: store)
        let file = Paths.fixture("Hostile/\(input.file)")
        let arguments: [String]
        switch input.kind {
        case "responses", "missing":
            arguments = ["import", "responses", file, "--instrument", Paths.fixture("mini.yaml"), "--period", "2026"]
        case "instrument":
            arguments = ["import", "responses", Paths.fixture("mini-utf8.csv"), "--instrument", file, "--period", "2026"]
        case "kpis":
            arguments = ["import", "kpis", file, "--catalog", Paths.fixture("mini-catalog.yaml")]
        case "catalog":
            arguments = ["import", "kpis", Paths.fixture("mini-kpis.csv"), "--catalog", file, "--replace"]
        case "population":
            arguments = ["import", "population", file]
        case "sample":
            arguments = ["import", "sample", file]
        default:
            arguments = ["import", "reference", file]
        }
        let before = try CommandLineTests.run(["batches", "--format", "json", "--store", store], in: folder.path)
        let run = try CommandLineTests.run(arguments + ["--store", store], in: folder.path)
        #expect(run.status == input.exit, "exit \(run.status): \(run.errors)")
        #expect(run.errors.contains(input.needle), "expected '\(input.needle)' in: \(run.errors.prefix(600))")
        #expect(run.output.isEmpty)
        // The same refusal in Japanese: the same exit, the same place (file, line or cell), a Japanese prefix.
        let japanese = try CommandLineTests.run(arguments + ["--store", store], environment: ["WELLBEING_LANG": "ja"], in: folder.path)
        // "… and 950 more" is the count of problems beyond the first 50: "… ほか 950 件" in Japanese.
        let place = input.needle.hasPrefix("… and ")
            ? "… ほか " + input.needle.dropFirst("… and ".count).replacingOccurrences(of: " more", with: " 件")
            : (input.needle.contains(":") ? input.needle.components(separatedBy: ": ").first! : input.file)
        #expect(japanese.status == input.exit)
        #expect(japanese.errors.hasPrefix("エラー: ") && japanese.errors.contains(place), "expected '\(place)' in: \(japanese.errors.prefix(600))")
        #expect(japanese.output.isEmpty)
        let after = try CommandLineTests.run(["batches", "--format", "json", "--store", store], in: folder.path)
        #expect(after.output == before.output, "the store changed")
        let queue = try DatabaseQueue(path: store)
        #expect(try queue.read { try String.fetchOne($0, sql: "PRAGMA integrity_check") } == "ok")
    }

    @Test func aTenMegabyteFieldIsRefusedWithItsLine() throws {
        let folder = try TemporaryFolder()
        let big = String(repeating: "長い", count: 1_800_000)  // 10.8 MB in UTF-8
        let path = try folder.write("big.csv", "id,地区,sex,q1,q2,q3,q4,ls,comment\nA1,北区,男性,4,2,5,3,7,\nA2,北区,男性,\(big),2,5,3,7,\n")
        let run = try CommandLineTests.run(["import", "responses", path, "--instrument", Paths.fixture("mini.yaml"), "--period", "1"],
                                           in: folder.path)
        #expect(run.status == 65)
        #expect(run.errors.contains("big.csv:3: column q1 (4)"))
        #expect(run.errors.count < 2_000)  // the value is shortened in the message
    }
}
