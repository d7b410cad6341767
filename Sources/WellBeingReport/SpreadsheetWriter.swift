import Foundation
import WellBeingCore
import ZIPFoundation

/// Tables as an .xlsx workbook (SpreadsheetML) that opens in Excel, LibreOffice and Google Sheets: one sheet
/// per table, the header bold and frozen with a filter, numbers as numbers (full precision, shown with the
/// table's decimals), text as inline strings (never formulas: a cell starting with `=` stays text), empty
/// cells for values that are withheld or missing, and column widths from the contents.
///
/// The bytes depend only on the tables: the package's timestamps are fixed, so the same store gives the
/// same file.
public struct SpreadsheetWorkbook: Sendable {
    /// One sheet: its name (made valid for Excel) and its table.
    public struct Sheet: Sendable {
        public var name: String
        public var table: ResultTable
        public init(name: String, table: ResultTable) {
            self.name = name
            self.table = table
        }
    }

    public var sheets: [Sheet]
    /// The workbook's title (document properties).
    public var title: String
    /// What the column beside a column of marked values is called after it (`平均 注`).
    public var markHeader: String

    public init(sheets: [Sheet], title: String, markHeader: String = "mark") {
        self.sheets = sheets
        self.title = title
        self.markHeader = markHeader
    }

    /// Every table of a report, one sheet each in the report's order, named by number and caption.
    public init(report document: ReportDocument) {
        var sheets: [Sheet] = []
        func add(_ table: ResultTable, _ caption: String) {
            guard !table.headers.isEmpty else { return }
            sheets.append(Sheet(name: String(format: "%02d ", sheets.count + 1) + caption, table: table))
        }
        for block in document.blocks {
            switch block {
            case let .table(table, caption, _): add(table, caption)
            case let .chart(chart): add(chart.table, chart.title)
            case let .chartGrid(_, table, caption): add(table, caption)
            default: break
            }
        }
        self.init(sheets: sheets, title: document.title, markHeader: document.language == .ja ? "注" : "mark")
    }

    /// The package's fixed timestamp (2000-01-01T00:00:00Z).
    static let timestamp = Date(timeIntervalSince1970: 946_684_800)

    /// The workbook's bytes.
    public func data() throws -> Data {
        let names = Self.sheetNames(sheets.map(\.name))
        var parts: [(String, String)] = [
            ("[Content_Types].xml", contentTypes()),
            ("_rels/.rels", """
                <?xml version="1.0" encoding="UTF-8" standalone="yes"?>
                <Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">\
                <Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/>\
                <Relationship Id="rId2" Type="http://schemas.openxmlformats.org/package/2006/relationships/metadata/core-properties" Target="docProps/core.xml"/>\
                <Relationship Id="rId3" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/extended-properties" Target="docProps/app.xml"/>\
                </Relationships>
                """),
            ("docProps/core.xml", """
                <?xml version="1.0" encoding="UTF-8" standalone="yes"?>
                <cp:coreProperties xmlns:cp="http://schemas.openxmlformats.org/package/2006/metadata/core-properties" \
                xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:dcterms="http://purl.org/dc/terms/" \
                xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"><dc:title>\(Self.escape(title))</dc:title>\
                <dc:creator>wellbeing</dc:creator><dcterms:created xsi:type="dcterms:W3CDTF">2000-01-01T00:00:00Z</dcterms:created>\
                <dcterms:modified xsi:type="dcterms:W3CDTF">2000-01-01T00:00:00Z</dcterms:modified></cp:coreProperties>
                """),
            ("docProps/app.xml", """
                <?xml version="1.0" encoding="UTF-8" standalone="yes"?>
                <Properties xmlns="http://schemas.openxmlformats.org/officeDocument/2006/extended-properties"><Application>wellbeing</Application></Properties>
                """),
            ("xl/workbook.xml", """
                <?xml version="1.0" encoding="UTF-8" standalone="yes"?>
                <workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" \
                xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"><sheets>\
                \(names.enumerated().map { "<sheet name=\"\(Self.escape($0.element))\" sheetId=\"\($0.offset + 1)\" r:id=\"rId\($0.offset + 1)\"/>" }.joined())\
                </sheets></workbook>
                """),
            ("xl/_rels/workbook.xml.rels", """
                <?xml version="1.0" encoding="UTF-8" standalone="yes"?>
                <Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">\
                \(names.indices.map { "<Relationship Id=\"rId\($0 + 1)\" Type=\"http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet\" Target=\"worksheets/sheet\($0 + 1).xml\"/>" }.joined())\
                <Relationship Id="rIdStyles" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/styles" Target="styles.xml"/>\
                </Relationships>
                """),
            ("xl/styles.xml", Self.styles),
        ]
        for (index, sheet) in sheets.enumerated() {
            parts.append(("xl/worksheets/sheet\(index + 1).xml", Self.worksheet(Self.separatingMarks(sheet.table, header: markHeader))))
        }
        let archive = try Archive(data: Data(), accessMode: .create)
        for (path, text) in parts {
            let bytes = Data(text.utf8)
            try archive.addEntry(with: path, type: .file, uncompressedSize: Int64(bytes.count), modificationDate: Self.timestamp,
                                 permissions: 0o644, compressionMethod: .deflate, bufferSize: 1 << 16,
                                 provider: { position, size in bytes.subdata(in: Int(position)..<Int(position) + size) })
        }
        guard let data = archive.data else {
            throw WellBeingError(.internalFailure, Message(.internalWorkbook))
        }
        return data
    }

    private func contentTypes() -> String {
        """
        <?xml version="1.0" encoding="UTF-8" standalone="yes"?>
        <Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">\
        <Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>\
        <Default Extension="xml" ContentType="application/xml"/>\
        <Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>\
        <Override PartName="/xl/styles.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.styles+xml"/>\
        <Override PartName="/docProps/core.xml" ContentType="application/vnd.openxmlformats-package.core-properties+xml"/>\
        <Override PartName="/docProps/app.xml" ContentType="application/vnd.openxmlformats-officedocument.extended-properties+xml"/>\
        \(sheets.indices.map { "<Override PartName=\"/xl/worksheets/sheet\($0 + 1).xml\" ContentType=\"application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml\"/>" }.joined())\
        </Types>
        """
    }

    /// Cell formats: 0 general, 1 bold header, 2–5 numbers with 1–4 decimals, 6 whole numbers, 7 no decimals.
    static let styles = """
        <?xml version="1.0" encoding="UTF-8" standalone="yes"?>
        <styleSheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">\
        <numFmts count="4"><numFmt numFmtId="164" formatCode="0.0"/><numFmt numFmtId="165" formatCode="0.000"/>\
        <numFmt numFmtId="166" formatCode="0.0000"/><numFmt numFmtId="167" formatCode="0.000000"/></numFmts>\
        <fonts count="2"><font><sz val="11"/><name val="Calibri"/></font><font><b/><sz val="11"/><name val="Calibri"/></font></fonts>\
        <fills count="2"><fill><patternFill patternType="none"/></fill><fill><patternFill patternType="gray125"/></fill></fills>\
        <borders count="1"><border><left/><right/><top/><bottom/><diagonal/></border></borders>\
        <cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/></cellStyleXfs>\
        <cellXfs count="8"><xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/>\
        <xf numFmtId="0" fontId="1" fillId="0" borderId="0" xfId="0" applyFont="1"/>\
        <xf numFmtId="164" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/>\
        <xf numFmtId="2" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/>\
        <xf numFmtId="165" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/>\
        <xf numFmtId="166" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/>\
        <xf numFmtId="1" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/>\
        <xf numFmtId="167" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/></cellXfs>\
        <cellStyles count="1"><cellStyle name="Normal" xfId="0" builtinId="0"/></cellStyles></styleSheet>
        """

    static func numberStyle(decimals: Int) -> Int {
        switch decimals {
        case ...0: return 6
        case 1: return 2
        case 2: return 3
        case 3: return 4
        case 4: return 5
        default: return 7
        }
    }

    /// The table with each marked value split in two: the number (numeric, empty where withheld) and, in a column
    /// of its own right after, its mark (`*`, `秘匿※1`), so that the numbers stay numbers for sorting and sums.
    static func separatingMarks(_ table: ResultTable, header: String) -> ResultTable {
        let columns = table.headers.count
        let marked = Set((0..<columns).filter { column in
            table.rows.contains { row in
                if column < row.count, case .marked = row[column] { return true }
                return false
            }
        })
        guard !marked.isEmpty else { return table }
        var result = ResultTable(headers: [])
        for (column, name) in table.headers.enumerated() {
            result.headers.append(name)
            if marked.contains(column) { result.headers.append("\(name) \(header)") }
        }
        result.rows = table.rows.map { row in
            row.enumerated().flatMap { column, cell -> [ResultTable.Cell] in
                guard marked.contains(column) else { return [cell] }
                if case let .marked(value, decimals, mark) = cell { return [.number(value, decimals: decimals), .text(mark)] }
                return [cell, .text("")]
            }
        }
        return result
    }

    /// One sheet's XML: frozen bold header with a filter, widths from the contents.
    static func worksheet(_ table: ResultTable) -> String {
        let columns = max(table.headers.count, table.rows.map(\.count).max() ?? 0)
        var widths = table.headers.map { displayWidth($0) + 2 }
        widths += Array(repeating: 8, count: max(0, columns - widths.count))
        var rows = "<row r=\"1\">"
        for (column, header) in table.headers.enumerated() {
            rows += "<c r=\"\(SourceLocation.columnLetters(column + 1))1\" s=\"1\" t=\"inlineStr\"><is><t xml:space=\"preserve\">\(escape(header))</t></is></c>"
        }
        rows += "</row>"
        for (index, row) in table.rows.enumerated() {
            let number = index + 2
            rows += "<row r=\"\(number)\">"
            for (column, cell) in row.enumerated() {
                let reference = SourceLocation.columnLetters(column + 1) + "\(number)"
                switch cell {
                case let .text(text):
                    guard !text.isEmpty else { continue }
                    rows += "<c r=\"\(reference)\" t=\"inlineStr\"><is><t xml:space=\"preserve\">\(escape(text))</t></is></c>"
                    widths[column] = max(widths[column], displayWidth(text) + 1)
                case let .number(value, decimals):
                    guard let value, value.isFinite else { continue }
                    rows += "<c r=\"\(reference)\" s=\"\(numberStyle(decimals: decimals))\"><v>\(value)</v></c>"
                    widths[column] = max(widths[column], 10)
                case let .integer(value):
                    guard let value else { continue }
                    rows += "<c r=\"\(reference)\" s=\"6\"><v>\(value)</v></c>"
                case let .flag(value):
                    guard let value else { continue }
                    rows += "<c r=\"\(reference)\" t=\"b\"><v>\(value ? 1 : 0)</v></c>"
                case .marked:
                    // Split apart beforehand (separatingMarks); a table written directly keeps the text as printed.
                    let text = ResultTable.display(cell)
                    rows += "<c r=\"\(reference)\" t=\"inlineStr\"><is><t xml:space=\"preserve\">\(escape(text))</t></is></c>"
                }
            }
            rows += "</row>"
        }
        let last = SourceLocation.columnLetters(max(columns, 1)) + "\(table.rows.count + 1)"
        let cols = widths.enumerated().map { "<col min=\"\($0.offset + 1)\" max=\"\($0.offset + 1)\" width=\"\(min(60, max(6, $0.element)))\" customWidth=\"1\"/>" }.joined()
        return """
            <?xml version="1.0" encoding="UTF-8" standalone="yes"?>
            <worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><dimension ref="A1:\(last)"/>\
            <sheetViews><sheetView workbookViewId="0"><pane ySplit="1" topLeftCell="A2" activePane="bottomLeft" state="frozen"/></sheetView></sheetViews>\
            <sheetFormatPr defaultRowHeight="15"/>\(cols.isEmpty ? "" : "<cols>\(cols)</cols>")<sheetData>\(rows)</sheetData>\
            \(table.rows.isEmpty || columns == 0 ? "" : "<autoFilter ref=\"A1:\(last)\"/>")</worksheet>
            """
    }

    /// Excel's column width units, counting East Asian wide characters twice.
    static func displayWidth(_ text: String) -> Int {
        text.unicodeScalars.reduce(0) { $0 + ($1.value >= 0x1100 ? 2 : 1) }
    }

    /// Text for XML: markup escaped, and characters XML 1.0 cannot hold written as Excel's `_xHHHH_`
    /// (a literal `_x…_` in the text is escaped as well, so it reads back as itself).
    static func escape(_ text: String) -> String {
        var result = ""
        result.reserveCapacity(text.utf8.count)
        let scalars = Array(text.unicodeScalars)
        for (index, scalar) in scalars.enumerated() {
            switch scalar {
            case "&": result += "&amp;"
            case "<": result += "&lt;"
            case ">": result += "&gt;"
            case "\"": result += "&quot;"
            case "_":
                // `_x0041_` would be read back as "A": escape the underscore that starts such a sequence.
                if index + 6 < scalars.count, scalars[index + 1] == "x", scalars[index + 6] == "_",
                   scalars[(index + 2)...(index + 5)].allSatisfy({ $0.properties.isASCIIHexDigit }) {
                    result += "_x005F_"
                } else {
                    result += "_"
                }
            default:
                let value = scalar.value
                if (value < 0x20 && value != 0x09 && value != 0x0A && value != 0x0D) || value == 0xFFFE || value == 0xFFFF {
                    result += String(format: "_x%04X_", value)
                } else {
                    result.unicodeScalars.append(scalar)
                }
            }
        }
        return result
    }

    /// Sheet names Excel accepts: no `[]:*?/\`, not empty, at most 31 characters, no apostrophe at either
    /// end, and unique (case-insensitively; a repeat gets ` (2)`).
    static func sheetNames(_ wanted: [String]) -> [String] {
        var used: Set<String> = []
        return wanted.map { name in
            var cleaned = String(name.map { "[]:*?/\\".contains($0) ? "_" : $0 }).trimmingCharacters(in: CharacterSet(charactersIn: "'"))
            if cleaned.isEmpty { cleaned = "Sheet" }
            func truncated(_ text: String, to limit: Int) -> String {
                var result = ""
                for character in text where result.utf16.count + String(character).utf16.count <= limit { result.append(character) }
                return result
            }
            var candidate = truncated(cleaned, to: 31)
            var number = 2
            while used.contains(candidate.lowercased()) {
                let suffix = " (\(number))"
                candidate = truncated(cleaned, to: 31 - suffix.utf16.count) + suffix
                number += 1
            }
            used.insert(candidate.lowercased())
            return candidate
        }
    }
}
