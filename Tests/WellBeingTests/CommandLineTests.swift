import ArgumentParser
import Foundation
import Testing
import WellBeingTestSupport
@testable import WellBeingCLI
@testable import WellBeingCore

/// The command line: arguments parsed in-process, and the built executable run as a child process.
@Suite struct CommandLineTests {
    @Test func parsesImportArguments() throws {
        let command = try WellBeingCommand.parseAsRoot([
            "import", "responses", "survey.csv", "--instrument", "Surveys/lwc.yaml", "--period", "2025",
            "--encoding", "sjis", "--on-error", "skip", "--rejects", "r.csv", "--store", "x.sqlite",
        ])
        let parsed = try #require(command as? ImportResponses)
        #expect(parsed.file == "survey.csv")
        #expect(parsed.encoding == .cp932)
        #expect(parsed.onError == .skip)
        #expect(parsed.storeOptions.path == "x.sqlite")
    }

    @Test func rejectsWithoutSkipIsAUsageError() {
        #expect(throws: (any Error).self) {
            _ = try WellBeingCommand.parseAsRoot(["import", "responses", "a.csv", "--instrument", "i.yaml", "--rejects", "r.csv"])
        }
    }

    @Test func unknownEncodingIsAUsageError() {
        #expect(throws: (any Error).self) {
            _ = try WellBeingCommand.parseAsRoot(["import", "responses", "a.csv", "--instrument", "i.yaml", "--encoding", "latin1"])
        }
    }

    // MARK: The built executable

    struct Run {
        var status: Int32
        var output: String
        var errors: String
    }

    /// Runs the `wellbeing` executable built beside the tests.
    static func run(_ arguments: [String], environment: [String: String] = [:], in folder: String) throws -> Run {
        let executable = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
            .appendingPathComponent("wellbeing")
        let process = Process()
        process.executableURL = executable
        process.arguments = arguments
        process.currentDirectoryURL = URL(fileURLWithPath: folder)
        var merged = ProcessInfo.processInfo.environment
        merged.removeValue(forKey: "WELLBEING_STORE")
        // Messages in English unless a test asks otherwise, whatever the machine's locale.
        merged["WELLBEING_LANG"] = "en"
        merged.merge(environment) { $1 }
        process.environment = merged
        let output = Pipe(), errors = Pipe()
        process.standardOutput = output
        process.standardError = errors
        try process.run()
        // Both pipes are drained at once: a child that fills one while the other is read would block forever.
        let errorReader = PipeDrain(errors.fileHandleForReading)
        let outData = output.fileHandleForReading.readDataToEndOfFile()
        let errData = errorReader.wait()
        process.waitUntilExit()
        return Run(status: process.terminationStatus, output: String(decoding: outData, as: UTF8.self),
                   errors: String(decoding: errData, as: UTF8.self))
    }

    /// Reads a pipe to its end on a thread of its own.
    final class PipeDrain: @unchecked Sendable {
        private var data = Data()
        private let done = DispatchSemaphore(value: 0)

        init(_ handle: FileHandle) {
            Thread.detachNewThread { [self] in
                data = handle.readDataToEndOfFile()
                done.signal()
            }
        }

        func wait() -> Data {
            done.wait()
            return data
        }
    }

    @Test func importsTheReferenceFixtureEndToEnd() throws {
        let folder = try TemporaryFolder()
        let lwc = Paths.survey("lwc-synthetic.yaml")
        var run = try Self.run(["import", "responses", Paths.lwc("responses_2024.csv"), "--instrument", lwc, "--period", "2024"],
                               in: folder.path)
        #expect(run.status == 0, "\(run.errors)")
        #expect(run.errors.contains("imported 1364 respondent(s)"))
        run = try Self.run(["import", "responses", Paths.lwc("responses_2025.csv"), "--instrument", lwc], in: folder.path)
        #expect(run.status == 0, "\(run.errors)")
        run = try Self.run(["import", "population", Paths.lwc("population.csv"), "--margins", "age_band*sex,region"],
                           in: folder.path)
        #expect(run.status == 0, "\(run.errors)")
        run = try Self.run(["batches", "--format", "json"], in: folder.path)
        #expect(run.status == 0)
        let json = try JSONSerialization.jsonObject(with: Data(run.output.utf8)) as? [String: Any]
        let batches = try #require(json?["batches"] as? [[String: Any]])
        #expect(batches.map { $0["rowCount"] as? Int } == [1364, 1636, 234])
        #expect(FileManager.default.fileExists(atPath: folder.file("wellbeing.sqlite")))
        // The same file again: exit 65, the message names the earlier batch.
        run = try Self.run(["import", "responses", Paths.lwc("responses_2025.csv"), "--instrument", lwc], in: folder.path)
        #expect(run.status == 65)
        #expect(run.errors.contains("already imported as batch 2"))
        run = try Self.run(["undo", "2"], in: folder.path)
        #expect(run.status == 0)
        run = try Self.run(["batches"], in: folder.path)
        #expect(!run.output.contains("responses_2025.csv"))
    }

    @Test func storeComesFromTheEnvironment() throws {
        let folder = try TemporaryFolder()
        let store = folder.file("env.sqlite")
        let run = try Self.run(["import", "responses", Paths.fixture("mini-utf8.csv"), "--instrument",
                                Paths.fixture("mini.yaml"), "--period", "2025"],
                               environment: ["WELLBEING_STORE": store], in: folder.path)
        #expect(run.status == 0, "\(run.errors)")
        #expect(FileManager.default.fileExists(atPath: store))
        #expect(!FileManager.default.fileExists(atPath: folder.file("wellbeing.sqlite")))
    }

    @Test(arguments: [
        (["import", "responses", "missing.csv", "--instrument", "MINI", "--period", "1"], Int32(66), "Cannot find"),
        (["import", "responses", "BAD", "--instrument", "MINI", "--period", "1"], Int32(65), "bad.csv:3: column q1 (4): '8' is outside 1–5"),
        (["import", "responses", "GOOD", "--instrument", "MINI"], Int32(64), "--period"),
        (["import", "responses", "GOOD", "--instrument", "MINI", "--period", "1", "--store", "/no/such/dir/x.sqlite"], Int32(73), "does not exist"),
        (["undo", "7"], Int32(66), "no store"),
        (["frobnicate"], Int32(64), "Unexpected argument"),
    ] as [([String], Int32, String)])
    func exitCodesFollowSysexits(_ arguments: [String], _ status: Int32, _ says: String) throws {
        let folder = try TemporaryFolder()
        let bad = try folder.write("bad.csv", "id,地区,sex,q1,q2,q3,q4,ls,comment\nA1,北区,男性,4,2,5,3,7,\nA2,北区,男性,8,2,5,3,7,\n")
        let resolved = arguments.map { argument -> String in
            switch argument {
            case "MINI": return Paths.fixture("mini.yaml")
            case "BAD": return bad
            case "GOOD": return Paths.fixture("mini-utf8.csv")
            default: return argument
            }
        }
        let run = try Self.run(resolved, in: folder.path)
        #expect(run.status == status, "\(run.errors)")
        #expect(run.errors.contains(says), "\(run.errors)")
        #expect(run.output.isEmpty)
    }

    @Test func skipWritesAPrivateRejectsFile() throws {
        let folder = try TemporaryFolder()
        let bad = try folder.write("bad.csv", "id,地区,sex,q1,q2,q3,q4,ls,comment\nA1,北区,男性,4,2,5,3,7,\nA2,北区,男性,8,2,5,3,7,=cmd|calc\n")
        let run = try Self.run(["import", "responses", bad, "--instrument", Paths.fixture("mini.yaml"), "--period", "1",
                                "--on-error", "skip", "--rejects", "rejects.csv"], in: folder.path)
        #expect(run.status == 0, "\(run.errors)")
        let bytes = try Data(contentsOf: URL(fileURLWithPath: folder.file("rejects.csv")))
        #expect(bytes.starts(with: [0xEF, 0xBB, 0xBF]))  // a BOM, so that Excel reads UTF-8
        let rejects = String(decoding: bytes, as: UTF8.self)
        #expect(rejects.contains("line,problems,cells\r\n"))
        #expect(rejects.contains("3,q1: '8' is outside 1–5,A2"))
        #expect(rejects.contains("'=cmd|calc"))  // neutralised for Excel
        let attributes = try FileManager.default.attributesOfItem(atPath: folder.file("rejects.csv"))
        #expect((attributes[.posixPermissions] as? NSNumber)?.intValue == 0o600)
    }

    @Test func demoBuildsAStoreFromTheSamples() throws {
        let folder = try TemporaryFolder()
        let run = try Self.run(["demo", "--out", folder.file("demo"), "--surveys", Paths.surveys], in: folder.path)
        #expect(run.status == 0, "\(run.errors)")
        #expect(run.output.contains("staff-dx"))
        #expect(run.errors.contains("Shift_JIS"))
        #expect(FileManager.default.fileExists(atPath: folder.file("demo/wellbeing.sqlite")))
    }

    @Test func everyCommandHasAnExampleInItsHelp() throws {
        let commands: [any ParsableCommand.Type] = [ImportResponses.self, ImportKPIs.self, ImportPopulation.self,
                                                    ImportReference.self, Batches.self, Undo.self, Demo.self,
                                                    Indicators.self, Compare.self, Drivers.self, Trend.self]
        for command in commands {
            #expect(command.helpMessage().contains("Example"), "\(command)")
        }
    }
}
