import Foundation
import GRDB
import Testing
import WellBeingTestSupport
import ZIPFoundation
@testable import WellBeingCore
@testable import WellBeingIngest

/// What a file or a typo may do to the tool (issue 18), through the built executable: numbers beyond their
/// bounds are refused with their place (never a crash, never an infinite figure), no file an instrument chain
/// reads is overwritten, an instrument redefined under a stored version is refused at import, a huge shared-
/// string table is refused, and a failed first import leaves no store behind.
@Suite struct IngestSafetyTests {
    static func run(_ arguments: [String], environment: [String: String] = [:], in folder: TemporaryFolder) throws -> CommandLineTests.Run {
        try CommandLineTests.run(arguments, environment: environment, in: folder.path)
    }

    /// A folder with the mini instrument and `store.sqlite` holding the mini survey for 2025.
    static func workspace() throws -> TemporaryFolder {
        let folder = try TemporaryFolder()
        try FileManager.default.copyItem(atPath: Paths.fixture("mini.yaml"), toPath: folder.file("mini.yaml"))
        let run = try Self.run(["import", "responses", Paths.fixture("mini-utf8.csv"), "--instrument", "mini.yaml",
                                "--period", "2025", "--store", "store.sqlite"], in: folder)
        #expect(run.status == 0, "\(run.errors)")
        return folder
    }

    // MARK: Numbers beyond their bounds

    struct DateCell: CustomTestStringConvertible, Sendable {
        var serial: String
        var column: Int  // 0-based: the cell may stand in any column
        var testDescription: String { "\(serial) in column \(SourceLocation.columnLetters(column + 1))" }
    }

    static let dateCells = [DateCell(serial: "1e20", column: 8), DateCell(serial: "1e308", column: 3), DateCell(serial: "NaN", column: 8),
                            DateCell(serial: "INF", column: 0), DateCell(serial: "-5", column: 7), DateCell(serial: "2958466", column: 8)]

    /// A workbook of the mini survey whose third row holds `cell.serial` in a date-formatted cell (style 1).
    static func datedWorkbook(_ cell: DateCell, in folder: TemporaryFolder) throws -> String {
        let rows = [["id", "地区", "sex", "q1", "q2", "q3", "q4", "ls", "comment"],
                    ["A1", "北区", "男性", "4", "2", "5", "3", "7", "よい"], ["A2", "北区", "女性", "3", "3", "3", "3", "5", "ふつう"]]
        var xml = "<?xml version=\"1.0\" encoding=\"UTF-8\"?><worksheet xmlns=\"http://schemas.openxmlformats.org/spreadsheetml/2006/main\"><sheetData>"
        for (index, row) in rows.enumerated() {
            xml += "<row r=\"\(index + 1)\">"
            for (column, text) in row.enumerated() {
                let reference = SourceLocation.columnLetters(column + 1) + "\(index + 1)"
                if index == 2 && column == cell.column {
                    xml += "<c r=\"\(reference)\" s=\"1\"><v>\(cell.serial)</v></c>"
                } else if Int(text) != nil {
                    xml += "<c r=\"\(reference)\"><v>\(text)</v></c>"
                } else {
                    xml += "<c r=\"\(reference)\" t=\"inlineStr\"><is><t>\(text)</t></is></c>"
                }
            }
            xml += "</row>"
        }
        xml += "</sheetData></worksheet>"
        return try TestWorkbook.write("dated.xlsx", in: folder, parts: [
            ("[Content_Types].xml", TestWorkbook.contentTypes), ("_rels/.rels", TestWorkbook.rootRelationships),
            ("xl/workbook.xml", TestWorkbook.workbook()), ("xl/_rels/workbook.xml.rels", TestWorkbook.relationships()),
            ("xl/styles.xml", TestWorkbook.styles), ("xl/worksheets/sheet1.xml", xml)])
    }

    /// 1e20, NaN, INF in a date cell once crashed every import of the file (exit 132), with --on-error skip and
    /// --dry-run too; -5 became a day of 1899. Each is refused with its cell, in any column.
    @Test(arguments: dateCells)
    func aDateCellOutsideExcelsCalendarIsRefusedWithItsCell(_ cell: DateCell) throws {
        let folder = try Self.workspace()
        let path = try Self.datedWorkbook(cell, in: folder)
        let place = "dated.xlsx:Sheet1!\(SourceLocation.columnLetters(cell.column + 1))3"
        let arguments = ["import", "responses", path, "--instrument", "mini.yaml", "--period", "2026", "--store", "store.sqlite"]
        var run = try Self.run(arguments, in: folder)
        #expect(run.status == 65, "\(run.errors)")
        #expect(run.errors.contains(place) && run.errors.contains("'\(cell.serial)' is in a date cell but is no date Excel can show"),
                "\(run.errors)")
        #expect(run.errors.contains("9999-12-31"))
        run = try Self.run(arguments + ["--on-error", "skip", "--dry-run"], in: folder)
        #expect(run.status == 0, "\(run.errors)")
        #expect(run.errors.contains(place))
        let japanese = try Self.run(arguments, environment: ["WELLBEING_LANG": "ja"], in: folder)
        #expect(japanese.status == 65)
        #expect(japanese.errors.contains(place) && japanese.errors.contains("Excel が表示できる日付ではありません"), "\(japanese.errors)")
        run = try Self.run(arguments + ["--on-error", "skip"], in: folder)
        #expect(run.status == 0, "\(run.errors)")
        #expect(run.errors.contains("imported 1 respondent(s)"))
    }

    struct StoredValue: CustomTestStringConvertible, Sendable {
        var name: String
        var importArguments: [String]
        var file: (name: String, text: String)
        var damage: String
        var commands: [[String]]
        var testDescription: String { name }
    }

    /// Values a store may hold from before the bounds (or from a hand edit); each crashed or broke a later command.
    static let storedValues = [
        StoredValue(name: "population count 1e19", importArguments: ["import", "population", "pop.csv", "--period", "2025"],
                    file: ("pop.csv", "地区,sex,count\n北区,男性,500\n北区,女性,600\n髙島,男性,400\n髙島,女性,450\n"),
                    damage: "UPDATE populationCell SET count = 1e19 WHERE seq = (SELECT min(seq) FROM populationCell)",
                    commands: [["indicators", "--period", "2025"], ["report", "--period", "2025", "--out", "rep"]]),
        StoredValue(name: "number drawn 2^63 − 1", importArguments: ["import", "sample", "drawn.csv", "--period", "2025"],
                    file: ("drawn.csv", "地区,drawn\n北区,100\n髙島,80\n"),
                    damage: "UPDATE sampleCell SET drawn = 9223372036854775807",
                    commands: [["report", "--period", "2025", "--out", "rep"]]),
        StoredValue(name: "reference sd 1e-308", importArguments: ["import", "reference", "ref.csv"],
                    file: ("ref.csv", "indicator,mean,sd,source\nc1,3,0.5,県\n"),
                    damage: "UPDATE referenceFigure SET sd = 1e-308",
                    commands: [["indicators", "--period", "2025", "--format", "json"], ["report", "--period", "2025", "--out", "rep"]]),
        StoredValue(name: "KPI value 1e300", importArguments: ["import", "kpis", "kpi.csv", "--catalog", Paths.fixture("mini-catalog.yaml")],
                    file: ("kpi.csv", "kpi,group,period,value\ncrime,北区,2025,3\ncrime,髙島,2025,4\n"),
                    damage: "UPDATE kpiValue SET value = 1e300 WHERE groupName = '北区'",
                    commands: [["compare", "--period", "2025", "--format", "json"]]),
    ]

    /// A stored value beyond the bounds is refused where it is loaded, naming the batch to take back: no
    /// command traps on it or prints an infinite figure.
    @Test(arguments: storedValues)
    func aStoredValueBeyondTheBoundsIsRefusedWithItsBatch(_ value: StoredValue) throws {
        let folder = try Self.workspace()
        try folder.write(value.file.name, value.file.text)
        let imported = try Self.run(value.importArguments + ["--store", "store.sqlite"], in: folder)
        #expect(imported.status == 0, "\(imported.errors)")
        let queue = try DatabaseQueue(path: folder.file("store.sqlite"))
        try queue.write { try $0.execute(sql: value.damage) }
        try queue.close()
        for command in value.commands {
            let run = try Self.run(command + ["--store", "store.sqlite"], in: folder)
            #expect(run.status == 65, "\(command): exit \(run.status): \(run.errors.prefix(400))")
            #expect(run.errors.contains("Batch 2 of the store") && run.errors.contains("'wellbeing undo 2'"), "\(run.errors.prefix(400))")
            #expect(!run.output.contains("inf"))
        }
    }

    /// A design weight of 1e300 (sums overflow) or 1e-300 (squares vanish) is refused with its cell.
    @Test(arguments: ["1e300", "1e-300", "2000000001"])
    func aDesignWeightBeyondTheBoundsIsRefused(_ weight: String) throws {
        let folder = try TemporaryFolder()
        let instrument = try String(contentsOfFile: Paths.fixture("mini.yaml"), encoding: .utf8)
            .replacingOccurrences(of: "respondent:\n  id: id\n", with: "respondent:\n  id: id\n  weight: w\n")
        try folder.write("weighted.yaml", instrument)
        try folder.write("weighted.csv", "id,地区,sex,w,q1,q2,q3,q4,ls,comment\nA1,北区,男性,1.5,4,2,5,3,7,\nA2,髙島,女性,\(weight),3,3,3,3,5,\n")
        let run = try Self.run(["import", "responses", "weighted.csv", "--instrument", "weighted.yaml", "--period", "2025",
                                "--store", "store.sqlite"], in: folder)
        #expect(run.status == 65, "\(run.errors)")
        #expect(run.errors.contains("weighted.csv:3: column w (4): '\(weight)' is outside the range of a design weight"), "\(run.errors)")
    }

    // MARK: Files of an instrument chain

    /// `--rejects` naming any file that an `extends:` chain reads once overwrote it (exit 0).
    @Test(arguments: ["base.yaml", "mid.yaml", "./sub/../base.yaml"])
    func rejectsNamingAFileOfTheChainIsRefused(_ rejects: String) throws {
        let folder = try TemporaryFolder()
        try FileManager.default.createDirectory(atPath: folder.file("sub"), withIntermediateDirectories: true)
        try FileManager.default.copyItem(atPath: Paths.fixture("mini.yaml"), toPath: folder.file("base.yaml"))
        try folder.write("mid.yaml", "extends: base.yaml\nid: mini\nversion: \"mid-1\"\n")
        try folder.write("city.yaml", "extends: mid.yaml\nid: mini\nversion: \"city-1\"\n")
        try folder.write("bad.csv", "id,地区,sex,q1,q2,q3,q4,ls,comment\nA1,北区,男性,4,2,5,3,7,\nA2,北区,男性,8,2,5,3,7,\n")
        let before = try [folder.file("base.yaml"), folder.file("mid.yaml")].map { try Data(contentsOf: URL(fileURLWithPath: $0)) }
        let run = try Self.run(["import", "responses", "bad.csv", "--instrument", "city.yaml", "--period", "2025", "--on-error", "skip",
                                "--rejects", rejects, "--store", "store.sqlite"], in: folder)
        #expect(run.status == 64, "\(run.errors)")
        #expect(run.errors.contains("is the same file as the base instrument (extends:)"), "\(run.errors)")
        let after = try [folder.file("base.yaml"), folder.file("mid.yaml")].map { try Data(contentsOf: URL(fileURLWithPath: $0)) }
        #expect(after == before)
        #expect(!FileManager.default.fileExists(atPath: folder.file("store.sqlite")))
    }

    /// Editing a base instrument under the same version once let the import pass and then broke every analysis
    /// until `undo`; now the import is refused, saying what differs.
    @Test func anInstrumentRedefinedUnderAStoredVersionIsRefusedAtImport() throws {
        let folder = try TemporaryFolder()
        try FileManager.default.copyItem(atPath: Paths.fixture("mini.yaml"), toPath: folder.file("base.yaml"))
        try folder.write("city.yaml", "extends: base.yaml\nid: mini\nversion: \"city-1\"\n")
        let store = ["--store", "store.sqlite"]
        var run = try Self.run(["import", "responses", Paths.fixture("mini-utf8.csv"), "--instrument", "city.yaml", "--period", "2025"] + store,
                               in: folder)
        #expect(run.status == 0, "\(run.errors)")
        let base = try String(contentsOfFile: folder.file("base.yaml"), encoding: .utf8)
        try folder.write("base.yaml", base.replacingOccurrences(of: "{id: q3, text: 頼れる人がいる}", with: "{id: q3, text: 頼れる人がいる, reverse: true}"))
        let second = ["import", "responses", Paths.fixture("mini-utf8-bom.csv"), "--instrument", "city.yaml", "--period", "2024"] + store
        for extra in [[], ["--dry-run"]] {
            run = try Self.run(second + extra, in: folder)
            #expect(run.status == 65, "\(run.errors)")
            #expect(run.errors.contains("is mini version city-1, as stored with batch 1") && run.errors.contains("question q3: reverse changed")
                    && run.errors.contains("new version"), "\(run.errors)")
        }
        let japanese = try Self.run(second, environment: ["WELLBEING_LANG": "ja"], in: folder)
        #expect(japanese.status == 65 && japanese.errors.contains("設問 q3: reverse が変わっています"), "\(japanese.errors)")
        run = try Self.run(["batches", "--format", "json"] + store, in: folder)
        #expect(run.output.components(separatedBy: "\"fileName\"").count - 1 == 1, "\(run.output)")
        run = try Self.run(["indicators", "--period", "2025"] + store, in: folder)
        #expect(run.status == 0, "\(run.errors)")
        // Comments and layout are no redefinition.
        try folder.write("base.yaml", "# edited: a comment only\n" + base + "\n")
        run = try Self.run(second, in: folder)
        #expect(run.status == 0, "\(run.errors)")
    }

    // MARK: Shared strings

    /// A 3 MB package of 29 million one-character shared strings once took 3.3 GB to import; it is refused with
    /// the part named (generated here at run time, as Excel writes it with its count).
    @Test func aWorkbookOfMillionsOfSharedStringsIsRefused() throws {
        let folder = try TemporaryFolder()
        let script = """
            import sys, zipfile
            n = 29_000_000
            with zipfile.ZipFile(sys.argv[1], "w", zipfile.ZIP_DEFLATED, compresslevel=1) as z:
                z.writestr("xl/workbook.xml", '<workbook xmlns:r="r"><sheets><sheet name="S" sheetId="1" r:id="rId1"/></sheets></workbook>')
                z.writestr("xl/_rels/workbook.xml.rels", '<Relationships><Relationship Id="rId1" Type="x/worksheet" Target="worksheets/sheet1.xml"/><Relationship Id="rId2" Type="x/sharedStrings" Target="sharedStrings.xml"/></Relationships>')
                z.writestr("xl/worksheets/sheet1.xml", '<worksheet><sheetData><row r="1"><c r="A1" t="s"><v>0</v></c></row></sheetData></worksheet>')
                with z.open("xl/sharedStrings.xml", "w") as f:
                    f.write(b'<sst count="%d" uniqueCount="%d">' % (n, n))
                    block = b"<si><t>a</t></si>" * 100_000
                    for _ in range(n // 100_000): f.write(block)
                    f.write(b"</sst>")
            """
        try folder.write("make.py", script)
        let python = Process()
        python.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        python.arguments = ["python3", folder.file("make.py"), folder.file("many.xlsx")]
        try python.run()
        python.waitUntilExit()
        #expect(python.terminationStatus == 0)
        let run = try Self.run(["import", "responses", "many.xlsx", "--instrument", Paths.fixture("mini.yaml"), "--period", "1",
                                "--store", "store.sqlite"], in: folder)
        #expect(run.status == 65, "\(run.errors)")
        #expect(run.errors.contains("many.xlsx: xl/sharedStrings.xml: its shared strings are more than can be held: at most 8388608 texts"),
                "\(run.errors)")
    }

    /// The bound holds whatever the package declares: texts are counted as they are read, and their bytes too.
    @Test(arguments: [(count: 2_000, length: 1, declared: false), (count: 3, length: 400, declared: false), (count: 2, length: 1, declared: true)])
    func theSharedStringTableIsBoundedAsItIsRead(_ example: (count: Int, length: Int, declared: Bool)) throws {
        let folder = try TemporaryFolder()
        let text = String(repeating: "あ", count: example.length)
        let xml = "<sst\(example.declared ? " uniqueCount=\"5000\"" : "")>"
            + String(repeating: "<si><t>\(text)</t></si>", count: example.count) + "</sst>"
        let path = try TestWorkbook.write("strings.xlsx", in: folder, parts: [("xl/sharedStrings.xml", xml)])
        let archive = try Archive(url: URL(fileURLWithPath: path), accessMode: .read)
        let error = wellBeingError {
            _ = try WorkbookReader.sharedStrings(archive, "xl/sharedStrings.xml", file: "strings.xlsx", countLimit: 1_000, memoryLimit: 1_000)
        }
        #expect(error?.text(in: .en).contains("strings.xlsx: xl/sharedStrings.xml: its shared strings are more than can be held") == true,
                "\(String(describing: error))")
        let within = try WorkbookReader.sharedStrings(archive, "xl/sharedStrings.xml", file: "strings.xlsx")
        #expect(within.count == example.count && Array(within[example.count - 1]) == Array(text.utf8))
    }

    // MARK: Small things a clerk meets

    @Test func aLineFeedInAFileNameIsShownNotPrinted() throws {
        let folder = try TemporaryFolder()
        try FileManager.default.copyItem(atPath: Paths.fixture("mini-utf8.csv"), toPath: folder.file("a\nb.csv"))
        let run = try Self.run(["import", "responses", "a\nb.csv", "--instrument", Paths.fixture("mini.yaml"), "--period", "2025",
                                "--store", "store.sqlite"], in: folder)
        #expect(run.status == 0, "\(run.errors)")
        #expect(run.errors.contains("from 'a\\u{A}b.csv'"), "\(run.errors)")
        #expect(!run.errors.contains("a\nb.csv"))
    }

    @Test func aZeroWidthSpaceInAGroupIsShown() throws {
        let folder = try TemporaryFolder()
        try folder.write("zw.csv", "id,地区,sex,q1,q2,q3,q4,ls,comment\nA1,北区\u{200B},男性,4,2,5,3,7,\n")
        let run = try Self.run(["import", "responses", "zw.csv", "--instrument", Paths.fixture("mini.yaml"), "--period", "2025",
                                "--store", "store.sqlite"], in: folder)
        #expect(run.status == 65)
        #expect(run.errors.contains("'北区\\u{200B}' is not one of the instrument's groups"), "\(run.errors)")
    }

    @Test(arguments: ["-5", "0"])
    func aMinimumNBelowOneSaysSo(_ value: String) throws {
        let folder = try Self.workspace()
        let run = try Self.run(["indicators", "--period", "2025", "--min-n", value, "--store", "store.sqlite"], in: folder)
        #expect(run.status == 64)
        #expect(run.errors.contains("--min-n must be at least 1") && !run.errors.contains("Missing value"), "\(run.errors)")
    }

    /// A failed first import once left an empty 100 KB store behind (which then stood in the way of `demo --out`).
    @Test func aFailedFirstImportLeavesNoStore() throws {
        let folder = try TemporaryFolder()
        try folder.write("bad.csv", "id,地区,sex,q1,q2,q3,q4,ls,comment\nA1,北区,男性,8,2,5,3,7,\n")
        for extra in [[], ["--on-error", "skip"]] {
            let run = try Self.run(["import", "responses", "bad.csv", "--instrument", Paths.fixture("mini.yaml"), "--period", "2025",
                                    "--store", "new.sqlite"] + extra, in: folder)
            #expect(run.status == 65, "\(run.errors)")
            #expect(try FileManager.default.contentsOfDirectory(atPath: folder.path) == ["bad.csv"])
        }
        let run = try Self.run(["import", "responses", Paths.fixture("mini-utf8.csv"), "--instrument", Paths.fixture("mini.yaml"),
                                "--period", "2025", "--store", "new.sqlite"], in: folder)
        #expect(run.status == 0 && run.errors.contains("into new.sqlite."), "\(run.errors)")
        #expect(try FileManager.default.contentsOfDirectory(atPath: folder.path).sorted() == ["bad.csv", "new.sqlite"])
        #expect(try Self.run(["batches", "--store", "new.sqlite"], in: folder).status == 0)
    }
}
