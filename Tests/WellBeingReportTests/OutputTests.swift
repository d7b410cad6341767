import Foundation
import Testing
import WellBeingTestSupport
@testable import WellBeingReport

/// CSV for Excel and aligned terminal tables.
@Suite struct OutputTests {
    @Test(arguments: [("=SUM(A1)", "'=SUM(A1)"), ("+81", "'+81"), ("-1", "'-1"), ("@cmd", "'@cmd"), ("\tx", "'\tx"),
                      ("＝1", "'＝1"), ("北区", "北区"), ("a,b", "\"a,b\""), ("say \"hi\"", "\"say \"\"hi\"\"\""), ("", "")])
    func textCellsAreSafeForExcel(_ text: String, _ expected: String) {
        #expect(CSVWriter.encode(.text(text)) == expected)
    }

    @Test func computedNumbersStayNumbers() {
        var writer = CSVWriter()
        writer.append([.text("-3 区"), .number("-0.25"), .empty])
        #expect(writer.document == "\u{FEFF}'-3 区,-0.25,\r\n")
        var plain = CSVWriter(includesByteOrderMark: false)
        plain.append(texts: ["a"])
        #expect(plain.document == "a\r\n")
    }

    @Test func resultTablesNeutraliseDataButNotFigures() {
        let table = ResultTable(headers: ["group", "mean"], rows: [[.text("=HYPERLINK(\"x\")"), .number(-1.5, decimals: 2)]])
        let csv = table.renderCSV(byteOrderMark: false)
        #expect(csv == "group,mean\r\n\"'=HYPERLINK(\"\"x\"\")\",-1.5\r\n")
        let markdown = table.renderMarkdown()
        #expect(markdown.contains("\\=HYPERLINK") == false && markdown.contains("| ---: |"))
    }

    @Test func japaneseTextIsTwoColumnsWide() {
        #expect(TextTable.displayWidth("湘南大庭") == 8)
        #expect(TextTable.displayWidth("abc") == 3)
        #expect(TextTable.displayWidth("ｱｲｳ") == 3)  // half-width katakana
        let text = TextTable(headers: ["地区", "n"], alignments: [.left, .right], rows: [["湘南大庭", "5"], ["辻堂", "12"]]).render()
        let lines = text.split(separator: "\n").map(String.init)
        #expect(Set(lines.map(TextTable.displayWidth)).count == 1)  // every line equally wide
    }

    @Test func numbersHaveAFixedFormat() {
        #expect(ResultTable.fixed(-0.0004, decimals: 3) == "0.000")
        #expect(ResultTable.fixed(2.5, decimals: 0) == "2")
        #expect(ResultTable.display(.number(nil, decimals: 2)) == "—")
    }
}
