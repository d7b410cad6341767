import Foundation
import Testing
import WellBeingTestSupport
import ZIPFoundation
@testable import WellBeingAnalysis
@testable import WellBeingCore
@testable import WellBeingIngest
@testable import WellBeingStore
import WellBeingWorkspace

/// Reading .xlsx workbooks (DESIGN §16): the same figures as CSV, located problems, and every refusal.
@Suite struct WorkbookTests {
    static func fixture(_ name: String) -> String { Paths.fixture("xlsx/\(name)") }

    /// The indicators JSON of a store after importing `path` (period from the file, or `period`).
    static func figures(_ path: String, instrument: String, period: String?, sheet: String? = nil) throws -> String {
        let store = try SurveyStore()
        let loaded = try InstrumentLoader.load(path: Paths.survey(instrument))
        let outcome = try store.importResponses(ResponseImportRequest(
            source: try ResponseFile(path: path, instrument: loaded.instrument, period: period.map { PeriodLabel($0) }, sheet: sheet),
            instrument: loaded, instrumentFileName: instrument))
        let label = period ?? outcome.periods.first!.rawValue
        let matrix = try store.responses(survey: loaded.instrument.id, period: PeriodLabel(label))
        let results = try IndicatorEngine(matrix: matrix, population: nil, options: AnalysisOptions(itemEstimates: .all)).run()
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        return String(decoding: try encoder.encode(results), as: UTF8.self) + " n=\(outcome.importedRows)"
    }

    @Test(arguments: [("citizen-xlsxwriter.xlsx", nil), ("citizen-constant-memory.xlsx", nil), ("citizen-openpyxl.xlsx", "Responses"),
                      ("citizen-openpyxl.xlsx", "2")] as [(String, String?)])
    func workbooksGiveTheFiguresOfTheCSV(_ name: String, _ sheet: String?) throws {
        let csv = try Self.figures(Paths.survey("samples/citizen-2025.csv"), instrument: "lwc.yaml", period: nil)
        let workbook = try Self.figures(Self.fixture(name), instrument: "lwc.yaml", period: nil, sheet: sheet)
        #expect(csv.hasSuffix("n=1091"))
        #expect(workbook == csv)
    }

    @Test func microsoftFormsExportGivesTheFiguresOfTheCSV() throws {
        let csv = try Self.figures(Paths.survey("samples/staff-dx-2025.csv"), instrument: "staff-dx.yaml", period: "2025")
        let workbook = try Self.figures(Self.fixture("staff-forms.xlsx"), instrument: "staff-dx.yaml", period: "2025")
        #expect(workbook == csv && csv.hasSuffix("n=300"))
    }

    @Test func the1904DateSystemGivesTheRightYear() throws {
        // The period comes from the timestamp's year: read in the wrong date system it would be 2021.
        let csv = try Self.figures(Self.fixture("citizen-first-50.csv"), instrument: "lwc.yaml", period: nil)
        let workbook = try Self.figures(Self.fixture("citizen-1904.xlsx"), instrument: "lwc.yaml", period: nil)
        #expect(workbook == csv && csv.hasSuffix("n=50"))
    }

    @Test func excelDates() {
        #expect(ExcelDate.isoText(serial: 45901.4375, uses1904: false) == "2025-09-01T10:30:00")
        #expect(ExcelDate.isoText(serial: 45901, uses1904: false) == "2025-09-01")
        #expect(ExcelDate.isoText(serial: 1, uses1904: false) == "1900-01-01")
        #expect(ExcelDate.isoText(serial: 59, uses1904: false) == "1900-02-28")
        #expect(ExcelDate.isoText(serial: 61, uses1904: false) == "1900-03-01")
        #expect(ExcelDate.isoText(serial: 0, uses1904: true) == "1904-01-01")
        #expect(ExcelDate.isoText(serial: 44439.999999999, uses1904: true) == "2025-09-02")
        #expect(ExcelDate.isDateFormat("yyyy/mm/dd hh:mm") && ExcelDate.isDateFormat("[$-411]ggge\"年\"m\"月\"d\"日\""))
        #expect(!ExcelDate.isDateFormat("0.00\"m\"") && !ExcelDate.isDateFormat("General") && !ExcelDate.isDateFormat("#,##0;[Red]-#,##0"))
    }

    @Test func cellReferencesAndLetters() {
        #expect(SourceLocation.columnLetters(1) == "A" && SourceLocation.columnLetters(26) == "Z"
                && SourceLocation.columnLetters(27) == "AA" && SourceLocation.columnLetters(16384) == "XFD")
    }

    // MARK: Problems located by sheet and cell

    static let miniHeader = ["id", "地区", "sex", "q1", "q2", "q3", "q4", "ls", "comment"]

    @Test func aBadValueIsLocatedBySheetAndCell() throws {
        let folder = try TemporaryFolder()
        var rows = [Self.miniHeader]
        for index in 1...1233 { rows.append(["A\(index)", "北区", "女性", "4", "2", "5", "3", "7", ""]) }
        rows.append(["B1", "北区", "女性", "4", "7", "5", "3", "7", ""])   // row 1235, q2 in column E
        let path = try TestWorkbook.write("回答.xlsx", in: folder, rows: rows)
        let error = try #require(wellBeingError { try importResponses(try SurveyStore(), path) })
        #expect(error.kind == .badData)
        let text = error.problems.map(\.description).joined(separator: "\n")
        #expect(text.contains("回答.xlsx:Sheet1!E1235: column q2: '7'"), "\(text)")
        #expect(error.description.contains("nothing was imported") || error.description.contains("1 problem"), "\(error.description)")
    }

    @Test func errorCellsAreRefusedWithTheirPlaceAndSkippedWithTheRow() throws {
        let folder = try TemporaryFolder()
        let sheet = TestWorkbook.sheet([Self.miniHeader, ["A1", "北区", "女性", "4", "2", "5", "3", "7", ""]])
            .replacingOccurrences(of: "</sheetData>", with: "<row r=\"3\"><c r=\"A3\" t=\"inlineStr\"><is><t>A2</t></is></c><c r=\"B3\" t=\"inlineStr\"><is><t>髙島</t></is></c><c r=\"D3\" t=\"e\"><f>1/0</f><v>#DIV/0!</v></c></row></sheetData>")
        let path = try TestWorkbook.write("errors.xlsx", in: folder, rows: [], sheetXML: sheet)
        let error = try #require(wellBeingError { try importResponses(try SurveyStore(), path) })
        let text = error.problems.map(\.description).joined(separator: "\n")
        #expect(text.contains("errors.xlsx:Sheet1!D3: column q1: '#DIV/0!' is an Excel error value"), "\(text)")
        // With --on-error skip the row is rejected, the rest imported.
        var rejected: [RejectedRow] = []
        let store = try SurveyStore()
        let outcome = try importResponses(store, path, policy: .skip, onReject: { rejected.append($0) })
        #expect(outcome.importedRows == 1 && rejected.map(\.line) == [3])
    }

    @Test func aDateSerialIsNotAYear() throws {
        let folder = try TemporaryFolder()
        let path = try TestWorkbook.write("serial.xlsx", in: folder, rows: [
            ["submitted_at", "居住地区", "年代", "性別", "h1"], ["45901.4375", "片瀬", "30代", "女性", "5"]])
        let loaded = try InstrumentLoader.load(path: try folder.write("tiny.yaml", """
            id: tiny
            version: "1"
            title: {ja: 試験, en: Test}
            respondent:
              group: {column: 居住地区, label: {ja: 地区, en: District}}
              period: {column: submitted_at, from: year}
              attributes:
                - {column: 年代, label: {ja: 年代, en: Age}}
                - {column: 性別, label: {ja: 性別, en: Sex}}
            scales:
              agree5: {range: [1, 5]}
            default_scale: agree5
            headline:
              - {id: h1, name: {ja: 幸福度, en: Happiness}, text: 幸せ}
            """))
        let error = try #require(wellBeingError { try importResponses(try SurveyStore(), path, instrument: loaded, period: nil) })
        let text = error.problems.map(\.description).joined(separator: "\n")
        #expect(text.contains("serial.xlsx:Sheet1!A2: column submitted_at: '45901.4375' is not a date or a year"), "\(text)")
        // As a date cell it is the date it shows, and the period is its year.
        let dated = TestWorkbook.sheet([["submitted_at", "居住地区", "年代", "性別", "h1"], ["", "片瀬", "30代", "女性", "5"]])
            .replacingOccurrences(of: "<row r=\"2\">", with: "<row r=\"2\"><c r=\"A2\" s=\"1\"><v>45901.4375</v></c>")
        let datedPath = try TestWorkbook.write("dated.xlsx", in: folder, rows: [], sheetXML: dated)
        let outcome = try importResponses(try SurveyStore(), datedPath, instrument: loaded, period: nil)
        #expect(outcome.periods == [PeriodLabel("2025")])
    }

    @Test func sheetsByNameOrNumber() throws {
        let folder = try TemporaryFolder()
        let rows = [Self.miniHeader, ["A1", "北区", "女性", "4", "2", "5", "3", "7", ""]]
        let path = try TestWorkbook.write("two.xlsx", in: folder, parts: [
            ("[Content_Types].xml", TestWorkbook.contentTypes), ("_rels/.rels", TestWorkbook.rootRelationships),
            ("xl/workbook.xml", TestWorkbook.workbook(sheets: ["メモ", "回答"])),
            ("xl/_rels/workbook.xml.rels", TestWorkbook.relationships(sheets: 2)),
            ("xl/worksheets/sheet1.xml", TestWorkbook.sheet([["メモ"]])), ("xl/worksheets/sheet2.xml", TestWorkbook.sheet(rows)),
        ])
        #expect(try WorkbookReader(path: path, sheet: "回答").sheetName == "回答")
        #expect(try WorkbookReader(path: path, sheet: "2").sheetName == "回答")
        #expect(try WorkbookReader(path: path).sheetName == "メモ")
        let error = try #require(wellBeingError { _ = try WorkbookReader(path: path, sheet: "Sheet9") })
        #expect(error.kind == .usage && error.description.contains("1 'メモ', 2 '回答'"), "\(error.description)")
        let csv = try #require(wellBeingError { _ = try RecordSources.open(path: Paths.fixture("mini-utf8.csv"), sheet: "1") })
        #expect(csv.kind == .usage && csv.description.contains("--sheet"))
    }

    @Test func sparseRowsAndCellsWithoutReferences() throws {
        let folder = try TemporaryFolder()
        // Row 2 skips q3 (no cell at all), row 4 comes after a missing row 3, row 5 has no r attributes.
        let xml = """
            <worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><dimension ref="A1:I5"/><sheetData>
            <row r="1">\(Self.miniHeader.enumerated().map { "<c r=\"\(SourceLocation.columnLetters($0.offset + 1))1\" t=\"inlineStr\"><is><t>\($0.element)</t></is></c>" }.joined())</row>
            <row r="2"><c r="A2" t="inlineStr"><is><t>A1</t></is></c><c r="B2" t="inlineStr"><is><t>北区</t></is></c><c r="D2"><v>4</v></c><c r="E2"><v>2</v></c><c r="G2"><v>3</v></c><c r="H2"><v>7</v></c></row>
            <row r="4"><c t="inlineStr"><is><t>A2</t></is></c><c t="inlineStr"><is><r><t>髙</t></r><r><t>島</t></r><rPh><t>タカシマ</t></rPh></is></c><c t="inlineStr"><is><t>男性</t></is></c><c><v>5</v></c></row>
            </sheetData></worksheet>
            """
        let path = try TestWorkbook.write("sparse.xlsx", in: folder, rows: [], sheetXML: xml)
        let reader = try WorkbookReader(path: path)
        var seen: [(Int, [String])] = []
        try reader.forEachRecord { record in seen.append((record.line, (0..<record.fieldCount).map { record.displayString($0) })) }
        #expect(seen.map(\.0) == [1, 2, 4])
        #expect(seen[1].1 == ["A1", "北区", "", "4", "2", "", "3", "7", ""])
        #expect(seen[2].1 == ["A2", "髙島", "男性", "5", "", "", "", "", ""])
    }

    @Test func smallTablesFromWorkbooks() throws {
        // Population, sample sizes and KPI values read from a sheet as from CSV.
        let folder = try TemporaryFolder()
        let store = try SurveyStore()
        try importResponses(store, Paths.fixture("mini-utf8.csv"))
        let population = try TestWorkbook.write("population.xlsx", in: folder, rows: [
            ["地区", "sex", "count"], ["髙島", "男性", "100"], ["髙島", "女性", "120"], ["北区", "男性", "90"],
            ["北区", "女性", "95"], ["①番町", "男性", "40"], ["①番町", "女性", "45"]])
        let outcome = try store.importPopulation(path: population, survey: "mini", period: nil, marginSpec: "地区,sex",
                                                 encoding: nil, replace: false)
        #expect(outcome.rowCount == 6)
        let table = try #require(try store.population(survey: SurveyID("mini"), period: PeriodLabel("2025")))
        #expect(table.cells.reduce(0) { $0 + $1.count } == 490)
        let bad = try TestWorkbook.write("bad.xlsx", in: folder, rows: [["地区", "sex", "count"], ["髙島", "男性", "many"]])
        let error = try #require(wellBeingError {
            _ = try store.importPopulation(path: bad, survey: "mini", period: nil, marginSpec: "地区", encoding: nil, replace: true)
        })
        #expect(error.problems.map(\.description).joined().contains("bad.xlsx:Sheet1!C2"), "\(error.problems)")
    }
}

/// Workbooks that must be refused: exit 65, file and part named, nothing written, bounded time and memory.
@Suite struct HostileWorkbookTests {
    static func refusal(_ path: String) throws -> WellBeingError {
        let store = try SurveyStore()
        let error = try #require(wellBeingError { try importResponses(store, path) })
        #expect(try respondentCount(store) == 0)
        return error
    }

    static func text(_ error: WellBeingError) -> String {
        ([error.description] + error.problems.map(\.description)).joined(separator: "\n")
    }

    static let header = WorkbookTests.miniHeader

    @Test func documentTypeDeclarationsAndEntities() throws {
        let folder = try TemporaryFolder()
        let laughs = """
            <?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">]>
            <worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData><row r="1"><c r="A1" t="inlineStr"><is><t>&lol2;</t></is></c></row></sheetData></worksheet>
            """
        let error = try Self.refusal(try TestWorkbook.write("laughs.xlsx", in: folder, rows: [], sheetXML: laughs))
        #expect(error.kind == .badData && Self.text(error).contains("document type or entity declaration"), "\(Self.text(error))")
        #expect(Self.text(error).contains("xl/worksheets/sheet1.xml"))
        let external = """
            <worksheet><sheetData><row r="1"><c r="A1" t="inlineStr"><is><t>&xxe;</t></is></c></row></sheetData></worksheet>
            """
        let second = try Self.refusal(try TestWorkbook.write("xxe.xlsx", in: folder, rows: [], sheetXML: external))
        #expect(Self.text(second).contains("'&xxe;'"), "\(Self.text(second))")
    }

    @Test func externalAndEscapingRelationships() throws {
        let folder = try TemporaryFolder()
        for (name, relations) in [("external.xlsx", TestWorkbook.relationships(target: { _ in "file:///etc/passwd" }, external: true)),
                                  ("escape.xlsx", TestWorkbook.relationships(target: { _ in "../../../etc/passwd" }))] {
            let path = try TestWorkbook.write(name, in: folder, parts: [
                ("[Content_Types].xml", TestWorkbook.contentTypes), ("_rels/.rels", TestWorkbook.rootRelationships),
                ("xl/workbook.xml", TestWorkbook.workbook()), ("xl/_rels/workbook.xml.rels", relations),
                ("xl/worksheets/sheet1.xml", TestWorkbook.sheet([Self.header]))])
            let error = try Self.refusal(path)
            #expect(error.kind == .badData && (Self.text(error).contains("outside")), "\(Self.text(error))")
        }
    }

    @Test func zipBombsStopEarly() throws {
        let folder = try TemporaryFolder()
        let path = try TestWorkbook.zipBomb(header: Self.header, in: folder)
        let started = Date()
        let error = try Self.refusal(path)
        // Refused by the ratio cap, or by the cap on a single text run, whichever comes first; never held whole.
        #expect(Self.text(error).contains("zip bomb") || Self.text(error).contains("longer than 64 MB"), "\(Self.text(error))")
        #expect(Date().timeIntervalSince(started) < 20)
    }

    @Test func cellsOutsideTheGridOrTwice() throws {
        let folder = try TemporaryFolder()
        let cases = [
            ("dimension.xlsx", "<worksheet><dimension ref=\"A1:XFZ1048577\"/><sheetData/></worksheet>", "dimension"),
            ("column.xlsx", "<worksheet><sheetData><row r=\"1\"><c r=\"XFE1\"><v>1</v></c></row></sheetData></worksheet>", "XFE1"),
            ("twice.xlsx", "<worksheet><sheetData><row r=\"1\"><c r=\"B1\"><v>1</v></c><c r=\"B1\"><v>2</v></c></row></sheetData></worksheet>", "twice"),
            ("rows.xlsx", "<worksheet><sheetData><row r=\"3\"/><row r=\"2\"/></sheetData></worksheet>", "in order"),
            ("strings.xlsx", "<worksheet><sheetData><row r=\"1\"><c r=\"A1\" t=\"s\"><v>7</v></c></row></sheetData></worksheet>", "shared string"),
            ("truncated.xlsx", "<worksheet><sheetData><row r=\"1\"><c r=\"A1\"", "ends inside a tag"),
        ]
        for (name, xml, expected) in cases {
            let error = try Self.refusal(try TestWorkbook.write(name, in: folder, rows: [], sheetXML: xml))
            #expect(error.kind == .badData && Self.text(error).contains(expected), "\(name): \(Self.text(error))")
            #expect(Self.text(error).contains(name))
        }
    }

    @Test func missingPartsAndNotAWorkbook() throws {
        let folder = try TemporaryFolder()
        let noSheet = try TestWorkbook.write("nosheet.xlsx", in: folder, parts: [
            ("[Content_Types].xml", TestWorkbook.contentTypes), ("_rels/.rels", TestWorkbook.rootRelationships),
            ("xl/workbook.xml", TestWorkbook.workbook()), ("xl/_rels/workbook.xml.rels", TestWorkbook.relationships())])
        #expect(Self.text(try Self.refusal(noSheet)).contains("is missing"))
        let noWorkbook = try TestWorkbook.write("empty.xlsx", in: folder, parts: [("hello.txt", "hi")])
        #expect(Self.text(try Self.refusal(noWorkbook)).contains("xl/workbook.xml"))
        // A ZIP signature followed by garbage.
        let garbage = try folder.write("garbage.xlsx", bytes: [0x50, 0x4B, 0x03, 0x04] + Array(repeating: 0x41, count: 200))
        #expect(Self.text(try Self.refusal(garbage)).contains("not a readable .xlsx"))
    }

    @Test func oldAndPasswordProtectedWorkbooks() throws {
        let folder = try TemporaryFolder()
        let header: [UInt8] = [0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1] + Array(repeating: 0, count: 504)
        let xls = try folder.write("old.xls", bytes: header + Array("W\0o\0r\0k\0b\0o\0o\0k\0".utf8))
        #expect(Self.text(try Self.refusal(xls)).contains("save it as an Excel workbook (.xlsx)"))
        let encrypted = try folder.write("locked.xlsx", bytes: header + Array("E\0n\0c\0r\0y\0p\0t\0i\0o\0n\0I\0n\0f\0o\0".utf8))
        #expect(Self.text(try Self.refusal(encrypted)).contains("save it without one"))
    }

    @Test func macrosAreNeverRead() throws {
        // An .xlsm: the data is read, vbaProject.bin is not opened (here it is not even a valid binary).
        let folder = try TemporaryFolder()
        let path = try TestWorkbook.write("macro.xlsm", in: folder, rows: [Self.header, ["A1", "北区", "女性", "4", "2", "5", "3", "7", ""]],
                                          extra: [("xl/vbaProject.bin", "not really a macro project")])
        let store = try SurveyStore()
        #expect(try importResponses(store, path).importedRows == 1)
    }
}
