import Foundation
import Testing
import WellBeingTestSupport
@testable import WellBeingCore
@testable import WellBeingIngest

/// RFC 4180 edge cases of the byte-level reader.
@Suite struct CSVReaderTests {
    struct Case: CustomTestStringConvertible, Sendable {
        var name: String
        var input: String
        var expected: [[String]]
        var testDescription: String { name }
    }

    static let cases: [Case] = [
        Case(name: "plain", input: "a,b,c\n1,2,3\n", expected: [["a", "b", "c"], ["1", "2", "3"]]),
        Case(name: "no final newline", input: "a,b\n1,2", expected: [["a", "b"], ["1", "2"]]),
        Case(name: "CRLF", input: "a,b\r\n1,2\r\n", expected: [["a", "b"], ["1", "2"]]),
        Case(name: "lone CR", input: "a,b\r1,2\r", expected: [["a", "b"], ["1", "2"]]),
        Case(name: "quoted comma", input: "\"a,b\",c\n", expected: [["a,b", "c"]]),
        Case(name: "doubled quotes", input: "\"say \"\"hi\"\"\",x\n", expected: [["say \"hi\"", "x"]]),
        Case(name: "only a doubled quote", input: "\"\"\"\"\n", expected: [["\""]]),
        Case(name: "embedded LF", input: "\"line1\nline2\",x\n", expected: [["line1\nline2", "x"]]),
        Case(name: "embedded CRLF", input: "\"line1\r\nline2\",x\r\n", expected: [["line1\r\nline2", "x"]]),
        Case(name: "empty fields", input: ",,\n", expected: [["", "", ""]]),
        Case(name: "empty quoted field", input: "\"\",a\n", expected: [["", "a"]]),
        Case(name: "trailing delimiter", input: "a,\n", expected: [["a", ""]]),
        Case(name: "blank line kept as blank record", input: "a\n\nb\n", expected: [["a"], [""], ["b"]]),
        Case(name: "quote inside unquoted field", input: "ab\"c,d\n", expected: [["ab\"c", "d"]]),
        Case(name: "Japanese", input: "地区,回答\n鵠沼,とてもそう思う\n", expected: [["地区", "回答"], ["鵠沼", "とてもそう思う"]]),
        Case(name: "quoted field at end of file without newline", input: "a,\"b\"", expected: [["a", "b"]]),
        Case(name: "spaces kept", input: " a , b \n", expected: [[" a ", " b "]]),
        Case(name: "tab inside comma file", input: "a\tb,c\n", expected: [["a\tb", "c"]]),
    ]

    @Test(arguments: cases)
    func reads(_ example: Case) throws {
        let folder = try TemporaryFolder()
        let result = try records(of: Array(example.input.utf8), in: folder).map(\.fields)
        #expect(result == example.expected)
    }

    @Test func physicalLineNumbersCountEmbeddedNewlines() throws {
        let folder = try TemporaryFolder()
        let result = try records(of: Array("h\n\"a\nb\nc\"\nnext\n".utf8), in: folder)
        #expect(result.map(\.line) == [1, 2, 5])
    }

    @Test func tabDelimiterIsDetectedFromTheHeader() throws {
        let folder = try TemporaryFolder()
        let result = try records(of: Array("a\tb\tc\n1\t2,5\t3\n".utf8), in: folder).map(\.fields)
        #expect(result == [["a", "b", "c"], ["1", "2,5", "3"]])
    }

    @Test func unterminatedQuoteNamesItsLine() throws {
        let folder = try TemporaryFolder()
        let error = wellBeingError { _ = try records(of: Array("a,b\n1,2\n3,\"oops\n4,5\n".utf8), in: folder) }
        #expect(error?.kind == .badData)
        #expect(error?.problems.first?.location.line == 3)
        #expect(error?.problems.first?.location.columnNumber == 2)
    }

    @Test func textAfterClosingQuoteIsFlagged() throws {
        let folder = try TemporaryFolder()
        let path = try folder.write("x.csv", "a,b\n\"x\"y,2\n")
        let reader = CSVReader(source: try TextSource(path: path))
        var malformed: [Int?] = []
        try reader.forEachRecord { malformed.append($0.malformedField) }
        #expect(malformed == [nil, 0])
    }

    @Test func fieldLargerThanOneChunkSurvives() throws {
        let folder = try TemporaryFolder()
        let big = String(repeating: "長", count: 1_500_000)  // 4.5 MB, several read chunks
        let result = try records(of: Array("a,b\n\"\(big)\",x\n".utf8), in: folder).map(\.fields)
        #expect(result.count == 2)
        #expect(result[1][0].count == 1_500_000)
        #expect(result[1][1] == "x")
    }

    @Test func tenThousandColumns() throws {
        let folder = try TemporaryFolder()
        let header = (0..<10_000).map { "c\($0)" }.joined(separator: ",")
        let row = (0..<10_000).map { String($0 % 5 + 1) }.joined(separator: ",")
        let result = try records(of: Array("\(header)\n\(row)\n".utf8), in: folder).map(\.fields)
        #expect(result[0].count == 10_000)
        #expect(result[1][9_999] == "5")
    }

    @Test func recordsSplitAcrossChunkBoundaries() throws {
        let folder = try TemporaryFolder()
        // Rows with quotes and CRLF, well past the 1 MiB read chunk, compared with a simple split.
        var text = "id,text\r\n"
        var expected = [["id", "text"]]
        for index in 0..<40_000 {
            let value = index % 7 == 0 ? "q \"\(index)\", x" : "v\(index)"
            let cell = index % 7 == 0 ? "\"" + value.replacingOccurrences(of: "\"", with: "\"\"") + "\"" : value
            text += "\(index),\(cell)\r\n"
            expected.append([String(index), value])
        }
        let result = try records(of: Array(text.utf8), in: folder).map(\.fields)
        #expect(result == expected)
    }
}
