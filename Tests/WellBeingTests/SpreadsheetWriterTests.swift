import Foundation
import Testing
import WellBeingTestSupport
import ZIPFoundation
@testable import WellBeingCore
@testable import WellBeingIngest
@testable import WellBeingReport

/// Workbooks we write (`--format xlsx`, `report --format xlsx|all`): valid names, text that stays text,
/// the same bytes every time, and numbers that read back equal to the JSON.
@Suite struct SpreadsheetWriterTests {
    static let table = ResultTable(headers: ["group", "indicator", "n", "mean", "suppressed", "note"], rows: [
        [.text(""), .text("c01"), .integer(2872), .number(3.32963830701055, decimals: 3), .flag(false), .text("=HYPERLINK(\"x\")")],
        [.text("遠藤"), .text("c01"), .integer(5), .number(nil, decimals: 3), .flag(true), .text("tab\there\u{0B}vt _x0041_")],
    ])

    static func records(_ data: Data, sheet: String? = nil) throws -> [[String]] {
        let folder = try TemporaryFolder()
        let path = try folder.write("out.xlsx", bytes: [UInt8](data))
        var rows: [[String]] = []
        try WorkbookReader(path: path, sheet: sheet).forEachRecord { record in
            rows.append((0..<record.fieldCount).map { record.displayString($0) })
        }
        return rows
    }

    @Test func readsBackAsWritten() throws {
        let data = try SpreadsheetWorkbook(sheets: [.init(name: "指標 2025", table: Self.table)], title: "t").data()
        let rows = try Self.records(data)
        #expect(rows[0] == Self.table.headers)
        #expect(rows[1] == ["", "c01", "2872", "3.32963830701055", "FALSE", "=HYPERLINK(\"x\")"])
        // Withheld: an empty cell; control characters survive as Excel's escapes, text that looks like one too.
        #expect(rows[2][3] == "" && rows[2][4] == "TRUE")
        #expect(rows[2][5] == "tab\there\u{0B}vt _x0041_")
    }

    @Test func formulaLikeTextIsNeverAFormula() throws {
        let data = try SpreadsheetWorkbook(sheets: [.init(name: "s", table: Self.table)], title: "t").data()
        let folder = try TemporaryFolder()
        let path = try folder.write("out.xlsx", bytes: [UInt8](data))
        let xml = try Self.part(path, "xl/worksheets/sheet1.xml")
        #expect(!xml.contains("<f>") && xml.contains("t=\"inlineStr\"><is><t xml:space=\"preserve\">=HYPERLINK"))
        #expect(xml.contains("<pane ySplit=\"1\" topLeftCell=\"A2\" activePane=\"bottomLeft\" state=\"frozen\"/>"))
        #expect(xml.contains("_x000B_") && xml.contains("_x005F_x0041_"))
    }

    static func part(_ path: String, _ name: String) throws -> String {
        return try String(decoding: WorkbookReader.readSmallPart(
            Archive(url: URL(fileURLWithPath: path), accessMode: .read), name, file: "out.xlsx", required: true)!, as: UTF8.self)
    }

    @Test func sameTablesSameBytes() throws {
        let first = try SpreadsheetWorkbook(sheets: [.init(name: "a", table: Self.table)], title: "t").data()
        let second = try SpreadsheetWorkbook(sheets: [.init(name: "a", table: Self.table)], title: "t").data()
        #expect(first == second)
    }

    @Test func sheetNamesExcelAccepts() {
        let names = SpreadsheetWorkbook.sheetNames(["a/b:c*d?e[f]g\\h", "", "'quoted'", String(repeating: "長", count: 40), "Same", "same"])
        #expect(names[0] == "a_b_c_d_e_f_g_h")
        #expect(names[1] == "Sheet" && names[2] == "quoted")
        #expect(names[3].utf16.count == 31)
        #expect(names[4] == "Same" && names[5] == "same (2)")
        #expect(names.allSatisfy { $0.utf16.count <= 31 && !$0.contains { "[]:*?/\\".contains($0) } })
    }
}

/// `--format xlsx` through the built executable, read back by openpyxl (the library most Python users open
/// workbooks with): every number equals the JSON's. `.ci/run` installs openpyxl; on a machine without it the
/// test says so and is skipped, in CI it runs.
@Suite struct SpreadsheetRoundTripTests {
    static let openpyxl: Bool = {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3", "-c", "import openpyxl"]
        process.standardError = FileHandle.nullDevice
        do { try process.run() } catch { return false }
        process.waitUntilExit()
        return process.terminationStatus == 0
    }()

    static func python(_ script: String, _ arguments: [String]) throws -> String {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3", "-c", script] + arguments
        let pipe = Pipe()
        process.standardOutput = pipe
        try process.run()
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return String(decoding: data, as: UTF8.self)
    }

    @Test(.enabled(if: openpyxl || ProcessInfo.processInfo.environment["CI"] != nil, "python3 with openpyxl is not installed"))
    func indicatorsReadBackByOpenpyxlEqualTheJSON() throws {
        let folder = try TemporaryFolder()
        let store = folder.file("s.sqlite")
        func run(_ arguments: [String]) throws -> CommandLineTests.Run {
            try CommandLineTests.run(arguments + ["--store", store], in: folder.path)
        }
        #expect(try run(["import", "responses", Paths.survey("samples/citizen-2025.csv"), "--instrument", Paths.survey("lwc.yaml")]).status == 0)
        #expect(try run(["import", "population", Paths.survey("samples/population.csv"), "--margins", "年代*性別,居住地区"]).status == 0)
        let json = try run(["indicators", "--period", "2025", "--format", "json"])
        let written = try run(["indicators", "--period", "2025", "--format", "xlsx", "--output", "指標.xlsx", "--lang", "ja"])
        #expect(written.status == 0, "\(written.errors)")
        let dump = try Self.python("""
            import json, sys, openpyxl
            book = openpyxl.load_workbook(sys.argv[1])
            sheet = book.worksheets[0]
            rows = [list(r) for r in sheet.iter_rows(values_only=True)]
            print(json.dumps({"names": book.sheetnames, "frozen": sheet.freeze_panes, "rows": rows}, ensure_ascii=False))
            """, [folder.file("指標.xlsx")])
        let book = try JSONSerialization.jsonObject(with: Data(dump.utf8)) as! [String: Any]
        #expect(book["names"] as? [String] == ["指標 2025"] && book["frozen"] as? String == "A2")
        let rows = book["rows"] as! [[Any]]
        let header = rows[0] as! [String]
        let estimates = (try JSONSerialization.jsonObject(with: Data(json.output.utf8)) as! [String: Any])["estimates"] as! [[String: Any]]
        #expect(rows.count == estimates.count + 1)
        var compared = 0
        for (row, estimate) in zip(rows.dropFirst(), estimates) {
            for key in ["n", "mean", "se", "ci_low", "ci_high", "top2", "top2_se", "deviation"] {
                let column = try #require(header.firstIndex(of: key))
                let cell = row[column] as? NSNumber
                let expected = estimate[key] as? NSNumber
                #expect(cell?.doubleValue == expected?.doubleValue, "\(estimate["group"] ?? "all") \(estimate["indicator"]!) \(key)")
                compared += 1
            }
            #expect(row[header.firstIndex(of: "indicator")!] as? String == estimate["indicator"] as? String)
            // The note says why a figure is missing or to be read with care.
            let note = row[header.firstIndex(of: "note")!] as? String ?? ""
            #expect((estimate["suppressed"] as? Bool == true) == note.hasPrefix("秘匿"), "\(note)")
            if estimate["suppressed"] as? Bool != true && estimate["unstable"] as? Bool == true { #expect(note.hasPrefix("参考値")) }
        }
        #expect(header.last == "note" && header.contains("name"))
        #expect(compared > 1000)

        // The report's tables as a workbook beside the HTML.
        let report = try run(["report", "--period", "2025", "--format", "all", "--out", "out"])
        #expect(report.status == 0, "\(report.errors)")
        let sheets = try Self.python("import sys, openpyxl; print(len(openpyxl.load_workbook(sys.argv[1]).sheetnames))",
                                     [folder.file("out/lwc-2025.xlsx")])
        #expect((Int(sheets.trimmingCharacters(in: .whitespacesAndNewlines)) ?? 0) >= 20)
        #expect(FileManager.default.fileExists(atPath: folder.file("out/lwc-2025.html")))
        // An output that is the store is refused before anything is written.
        let refused = try run(["indicators", "--period", "2025", "--format", "xlsx", "--output", "s.sqlite"])
        #expect(refused.status == 64 && refused.errors.contains("same file as the store"))
        #expect(try run(["indicators", "--period", "2025", "--format", "xlsx"]).status == 64)
    }
}
