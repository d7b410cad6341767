import Foundation
import Testing
import WellBeingTestSupport
@testable import WellBeingCore
@testable import WellBeingIngest

/// Installing without Swift (DESIGN §21): bundled files found from anywhere, instruments by name,
/// `wellbeing instruments`, the demo in any folder, `--version`. The package itself is tested by
/// `Packaging/test-deb.sh` in a clean Debian root.
@Suite struct InstallTests {
    static func run(_ arguments: [String], environment: [String: String] = [:], in folder: String) throws -> CommandLineTests.Run {
        try CommandLineTests.run(arguments, environment: environment, in: folder)
    }

    /// Every file and folder under `folder`, relative to it.
    static func entries(_ folder: String) -> Set<String> {
        Set((FileManager.default.enumerator(atPath: folder)?.allObjects as? [String]) ?? [])
    }

    /// A copy of the bundled files, to damage or move.
    static func copyOfSurveys(in folder: TemporaryFolder, named name: String = "data") throws -> String {
        let copy = folder.file(name)
        try FileManager.default.copyItem(atPath: Paths.surveys, toPath: copy)
        return copy
    }

    // MARK: Where the bundled files are

    @Test func theEnvironmentVariableComesFirst() throws {
        let folder = try TemporaryFolder()
        let found = try BundledData.folder(environment: ["WELLBEING_DATA": folder.path], executable: "/usr/bin/wellbeing")
        #expect(found == folder.path)
        let missing = folder.file("nowhere")
        let error = wellBeingError { _ = try BundledData.folder(environment: ["WELLBEING_DATA": missing], executable: nil) }
        #expect(error?.kind == .inputMissing)
        #expect(error?.text(in: .en).contains("WELLBEING_DATA names '\(missing)', which is not a folder") == true)
    }

    @Test func anInstalledProgramFindsShareBesideIt() throws {
        let folder = try TemporaryFolder()
        try FileManager.default.createDirectory(atPath: folder.file("bin"), withIntermediateDirectories: true)
        try FileManager.default.createDirectory(atPath: folder.file("share/wellbeing"), withIntermediateDirectories: true)
        try folder.write("share/wellbeing/lwc.yaml", "id: lwc\n")
        let found = try BundledData.folder(environment: [:], executable: folder.file("bin/wellbeing"))
        #expect(found == folder.file("share/wellbeing"))
    }

    @Test func aBuildInACheckoutFindsItsSurveysFolder() throws {
        let executable = (Paths.root as NSString).appendingPathComponent(".build/x86_64-unknown-linux-gnu/debug/wellbeing")
        #expect(try BundledData.folder(environment: [:], executable: executable) == Paths.surveys)
        // A program copied somewhere else on this machine still finds the tree it was compiled in, never the cwd.
        let elsewhere = try TemporaryFolder()
        #expect(try BundledData.folder(environment: [:], executable: elsewhere.file("bin/wellbeing")) == Paths.surveys)
        #expect(BundledData.searchedFolders(executable: elsewhere.file("bin/wellbeing")).first == elsewhere.file("share/wellbeing"))
    }

    @Test func parentFoldersOfShortNames() {
        #expect(OutputPaths.parentFolder(of: "d") == "")
        #expect(OutputPaths.parentFolder(of: "a/b") == "a")
        #expect(OutputPaths.parentFolder(of: "a/b/") == "a")
        #expect(OutputPaths.parentFolder(of: "/b") == "/")
        #expect(OutputPaths.parentFolder(of: "/") == "/")
        #expect(OutputPaths.parentFolder(of: "/usr//bin/wellbeing") == "/usr//bin")
    }

    @Test func namesAndPathsAreToldApart() throws {
        #expect(BundledData.looksLikeName("lwc"))
        #expect(BundledData.looksLikeName("staff-dx"))
        for path in ["lwc.yaml", "./lwc", "Surveys/lwc", "city.YML", "", ".hidden", "kpis.csv"] {
            #expect(!BundledData.looksLikeName(path), "\(path)")
        }
        // A file of that name in the current folder wins over the bundled one.
        let folder = try TemporaryFolder()
        let local = try folder.write("lwc", "id: mine\n")
        #expect(try BundledData.resolve(local, as: .instrument) == local)
        let root = try BundledData.folder()
        #expect(try BundledData.resolve("lwc", as: .instrument) == (root as NSString).appendingPathComponent("lwc.yaml"))
        #expect(try BundledData.resolve("kpis-lwc", as: .kpiCatalogue) == (root as NSString).appendingPathComponent("kpis-lwc.yaml"))
        #expect(try BundledData.resolve("osaka-2024", as: .reference) == (root as NSString).appendingPathComponent("reference/osaka-2024.csv"))
        // A catalogue is not an instrument, and the message lists what there is.
        let error = wellBeingError { _ = try BundledData.resolve("kpis-lwc", as: .instrument) }
        #expect(error?.kind == .inputMissing)
        let text = error?.text(in: .en) ?? ""
        #expect(text.contains("'kpis-lwc' is neither a file nor a bundled instrument"))
        #expect(text.contains("lwc, lwc-synthetic, staff-dx, wineq, fujisawa"))
    }

    @Test func aLocalVersionExtendsABundledInstrumentByName() throws {
        let folder = try TemporaryFolder()
        let city = try folder.write("city.yaml", """
            extends: lwc
            version: "city-1"
            respondent:
              group:
                values: [北部, 南部]
            """)
        let loaded = try InstrumentLoader.load(path: city)
        #expect(loaded.instrument.id.rawValue == "lwc")
        #expect(loaded.instrument.respondent.group.values.map(\.rawValue) == ["北部", "南部"])
        #expect(loaded.instrument.items.count == (try InstrumentLoader.load(path: Paths.survey("lwc.yaml"))).instrument.items.count)
        let wrong = try folder.write("wrong.yaml", "extends: lwcc\nversion: \"1\"\n")
        let error = wellBeingError { _ = try InstrumentLoader.load(path: wrong) }
        #expect(error?.kind == .badData)
        #expect(error?.text(in: .en).contains("wrong.yaml:1: extends") == true)
        #expect(error?.text(in: .en).contains("'lwcc' is neither a file nor a bundled instrument") == true)
    }

    // MARK: Through the built program

    @Test func importsWithABundledInstrumentByName() throws {
        let folder = try TemporaryFolder()
        let sample = Paths.survey("samples/citizen-2025.csv")
        var run = try Self.run(["import", "responses", sample, "--instrument", "lwc", "--period", "2025"], in: folder.path)
        #expect(run.status == 0, "\(run.errors)")
        #expect(run.errors.contains("imported 1091 respondent(s) from 'citizen-2025.csv'"))
        run = try Self.run(["import", "kpis", Paths.survey("samples/kpis.csv"), "--catalog", "kpis-lwc"], in: folder.path)
        #expect(run.status == 0, "\(run.errors)")
        run = try Self.run(["import", "reference", "osaka-2024", "--period", "2024"], in: folder.path)
        #expect(run.status == 0, "\(run.errors)")
        run = try Self.run(["batches"], in: folder.path)
        #expect(run.output.contains("lwc.yaml") || run.output.contains("citizen-2025.csv"))
        #expect(run.output.contains("osaka-2024.csv"))

        // A name that is neither a file nor bundled: exit 66, the bundled names, and no store created.
        let other = try TemporaryFolder()
        run = try Self.run(["import", "responses", sample, "--instrument", "lcw"], in: other.path)
        #expect(run.status == 66)
        #expect(run.errors.contains("'lcw' is neither a file nor a bundled instrument. Bundled instruments: lwc,"))
        #expect(Self.entries(other.path).isEmpty)
    }

    @Test func listsTheBundledInstruments() throws {
        let folder = try TemporaryFolder()
        let run = try Self.run(["instruments"], in: folder.path)
        #expect(run.status == 0, "\(run.errors)")
        #expect(run.output.contains("Bundled instruments (in \(Paths.surveys)):"))
        let lines = run.output.split(separator: "\n").map(String.init)
        let lwc = try #require(lines.first { $0.hasPrefix("lwc ") })
        #expect(lwc.contains("std-2025") && lwc.contains("Citizen survey on local well-being"))
        #expect(lines.contains { $0.hasPrefix("fujisawa ") && $0.contains("lwc.yaml") })
        #expect(run.output.contains("KPI catalogues: kpis-lwc"))
        #expect(run.output.contains("Reference figures: national-2025, osaka-2023, osaka-2024"))
        // Wherever the data folder is, it is the one listed.
        let copy = try Self.copyOfSurveys(in: folder)
        let moved = try Self.run(["instruments", "list"], environment: ["WELLBEING_DATA": copy], in: folder.path)
        #expect(moved.output.contains("Bundled instruments (in \(copy)):"))
    }

    @Test(arguments: ["lwc", "staff-dx", "wineq", "lwc-synthetic", "fujisawa"])
    func aNewLocalVersionLoadsAsItIsWritten(base: String) throws {
        let folder = try TemporaryFolder()
        let run = try Self.run(["instruments", "new", "city.yaml", "--extends", base, "--lang", "ja"], in: folder.path)
        #expect(run.status == 0, "\(run.errors)")
        #expect(run.errors.contains("の市の版 'city.yaml' を書きました"))
        let text = try String(contentsOfFile: folder.file("city.yaml"), encoding: .utf8)
        #expect(text.contains("extends: \(base)\n"))
        #expect(text.contains("# 市独自の設問"))
        let loaded = try InstrumentLoader.load(path: folder.file("city.yaml"))
        let original = try InstrumentLoader.load(path: try BundledData.resolve(base, as: .instrument)).instrument
        #expect(loaded.instrument.id == original.id)
        #expect(loaded.instrument.items.count == original.items.count + 2)
        #expect(Set(loaded.instrument.respondent.group.values).isSuperset(of: original.respondent.group.values))
    }

    @Test func aNewLocalVersionNeverReplacesAFile() throws {
        let folder = try TemporaryFolder()
        try folder.write("city.yaml", "mine\n")
        var run = try Self.run(["instruments", "new", "city.yaml", "--extends", "lwc"], in: folder.path)
        #expect(run.status == 73)
        #expect(run.errors.contains("'city.yaml' already exists and is never replaced"))
        #expect(try String(contentsOfFile: folder.file("city.yaml"), encoding: .utf8) == "mine\n")
        run = try Self.run(["instruments", "new", "city", "--extends", "lwc"], in: folder.path)
        #expect(run.status == 64)
        #expect(run.errors.contains("must end in .yaml"))
        run = try Self.run(["instruments", "new", "other.yaml", "--extends", "nosuch"], in: folder.path)
        #expect(run.status == 66)
        #expect(FileKind.of(folder.file("other.yaml")) == .missing)
    }

    @Test func aNewLocalVersionOfAFileNamesItRelatively() throws {
        let folder = try TemporaryFolder()
        let copy = try Self.copyOfSurveys(in: folder)
        try FileManager.default.createDirectory(atPath: folder.file("city"), withIntermediateDirectories: true)
        let run = try Self.run(["instruments", "new", "city/local.yaml", "--extends", (copy as NSString).appendingPathComponent("staff-dx.yaml")],
                               in: folder.path)
        #expect(run.status == 0, "\(run.errors)")
        let text = try String(contentsOfFile: folder.file("city/local.yaml"), encoding: .utf8)
        #expect(text.contains("extends: ../data/staff-dx.yaml\n"))
        #expect(try InstrumentLoader.load(path: folder.file("city/local.yaml")).instrument.id.rawValue == "staff-dx")
    }

    @Test func theDemoWorksInAnEmptyFolder() throws {
        let folder = try TemporaryFolder()
        let temporary = try TemporaryFolder()
        let run = try Self.run(["demo"], environment: ["TMPDIR": temporary.path], in: folder.path)
        #expect(run.status == 0, "\(run.errors)")
        #expect(FileKind.of(folder.file("Reports/demo/lwc-2025.html")) == .regularFile)
        #expect(FileKind.of(folder.file("Reports/demo/staff-dx-2025-en.md")) == .regularFile)
        let stores = Self.entries(temporary.path).filter { $0.hasSuffix("/wellbeing.sqlite") }
        #expect(stores.count == 1)
        #expect(run.output.contains("--store \(temporary.path)"))
    }

    @Test func aFailedDemoLeavesNothingBehind() throws {
        let folder = try TemporaryFolder()
        let surveys = try Self.copyOfSurveys(in: folder)
        try FileManager.default.removeItem(atPath: (surveys as NSString).appendingPathComponent("samples/population.csv"))
        let before = Self.entries(folder.path)
        // Its own temporary folder, a folder given with --out and the report folders it would make: all gone.
        let temporary = try TemporaryFolder()
        var run = try Self.run(["demo", "--surveys", surveys], environment: ["TMPDIR": temporary.path], in: folder.path)
        #expect(run.status == 66)
        #expect(run.errors.contains("population.csv"))
        #expect(run.errors.contains("The demo stopped; what it had made was removed"))
        #expect(Self.entries(temporary.path).isEmpty)
        run = try Self.run(["demo", "--surveys", surveys, "--out", "a/b", "--reports", "r/demo"], in: folder.path)
        #expect(run.status == 66)
        #expect(Self.entries(folder.path) == before)
        // A second try is not blocked by the first.
        try FileManager.default.copyItem(atPath: Paths.survey("samples/population.csv"),
                                         toPath: (surveys as NSString).appendingPathComponent("samples/population.csv"))
        run = try Self.run(["demo", "--surveys", surveys, "--out", "a/b", "--reports", "r/demo"], in: folder.path)
        #expect(run.status == 0, "\(run.errors)")
    }

    @Test func aDemoThatFailsWritingReportsRemovesTheReportsItWrote() throws {
        let folder = try TemporaryFolder()
        // An existing report folder where the staff report cannot go: the citizen reports are written first.
        try FileManager.default.createDirectory(atPath: folder.file("rep/staff-dx-2025.html"), withIntermediateDirectories: true)
        try folder.write("rep/mine.txt", "kept\n")
        let run = try Self.run(["demo", "--out", "d", "--reports", "rep"], in: folder.path)
        #expect(run.status == 73, "\(run.errors) \(run.output)")
        #expect(Self.entries(folder.file("rep")) == ["staff-dx-2025.html", "mine.txt"])
        #expect(FileKind.of(folder.file("d")) == .missing)
    }

    @Test func theVersionSaysWhatItWasBuiltFrom() throws {
        let folder = try TemporaryFolder()
        let run = try Self.run(["--version"], in: folder.path)
        #expect(run.status == 0)
        #expect(run.output == ToolVersion.description + "\n")
        #expect(ToolVersion.description.hasPrefix(ToolVersion.current + " ("))
        if BuildInfo.commit == nil {
            #expect(ToolVersion.description == "\(ToolVersion.current) (built from a source checkout; commit not recorded)")
        }
        // The package build fills in the commit by replacing exactly these lines: they must stay as deb.sh expects.
        let buildInfo = try String(contentsOfFile: (Paths.root as NSString).appendingPathComponent("Sources/WellBeingCore/BuildInfo.swift"), encoding: .utf8)
        let script = try String(contentsOfFile: (Paths.root as NSString).appendingPathComponent("Packaging/deb.sh"), encoding: .utf8)
        for line in ["static let commit: String? = nil", "static let date: String? = nil"] {
            #expect(buildInfo.contains(line))
            #expect(script.contains("s|\(line)|"))
        }
    }
}
