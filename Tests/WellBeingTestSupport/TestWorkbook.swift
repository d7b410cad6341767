import Foundation
import WellBeingCore
import ZIPFoundation

/// Builds small .xlsx packages part by part, hostile ones included.
public enum TestWorkbook {
    public static let contentTypes = """
        <?xml version="1.0" encoding="UTF-8" standalone="yes"?>
        <Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/></Types>
        """
    public static let rootRelationships = """
        <?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/></Relationships>
        """
    public static func workbook(sheets: [String] = ["Sheet1"], date1904: Bool = false) -> String {
        """
        <?xml version="1.0" encoding="UTF-8"?><workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">\(date1904 ? "<workbookPr date1904=\"1\"/>" : "")<sheets>\(sheets.enumerated().map { "<sheet name=\"\($0.element)\" sheetId=\"\($0.offset + 1)\" r:id=\"rId\($0.offset + 1)\"/>" }.joined())</sheets></workbook>
        """
    }
    public static func relationships(sheets: Int = 1, target: (Int) -> String = { "worksheets/sheet\($0).xml" }, external: Bool = false) -> String {
        """
        <?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">\((1...sheets).map { "<Relationship Id=\"rId\($0)\" Type=\"http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet\" Target=\"\(target($0))\"\(external ? " TargetMode=\"External\"" : "")/>" }.joined())<Relationship Id="rIdS" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/styles" Target="styles.xml"/></Relationships>
        """
    }
    /// Style 0 general, 1 a date.
    public static let styles = """
        <?xml version="1.0" encoding="UTF-8"?><styleSheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><numFmts count="1"><numFmt numFmtId="164" formatCode="yyyy/mm/dd hh:mm"/></numFmts><cellXfs count="2"><xf numFmtId="0"/><xf numFmtId="164"/></cellXfs></styleSheet>
        """

    /// A sheet of inline strings and numbers (a cell text that parses as a number is written as one).
    public static func sheet(_ rows: [[String]], firstRow: Int = 1) -> String {
        var xml = "<?xml version=\"1.0\" encoding=\"UTF-8\"?><worksheet xmlns=\"http://schemas.openxmlformats.org/spreadsheetml/2006/main\"><sheetData>"
        for (index, row) in rows.enumerated() {
            let number = firstRow + index
            xml += "<row r=\"\(number)\">"
            for (column, text) in row.enumerated() where !text.isEmpty {
                let reference = SourceLocation.columnLetters(column + 1) + "\(number)"
                if Double(text) != nil {
                    xml += "<c r=\"\(reference)\"><v>\(text)</v></c>"
                } else {
                    xml += "<c r=\"\(reference)\" t=\"inlineStr\"><is><t>\(escape(text))</t></is></c>"
                }
            }
            xml += "</row>"
        }
        return xml + "</sheetData></worksheet>"
    }

    public static func escape(_ text: String) -> String {
        text.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;")
            .replacingOccurrences(of: ">", with: "&gt;")
    }

    /// Writes a package with `parts` (path → text) in `folder`.
    @discardableResult
    public static func write(_ name: String, in folder: TemporaryFolder, parts: [(String, String)]) throws -> String {
        try write(name, in: folder, binaryParts: parts.map { ($0.0, Data($0.1.utf8)) })
    }

    @discardableResult
    public static func write(_ name: String, in folder: TemporaryFolder, binaryParts: [(String, Data)]) throws -> String {
        let path = folder.file(name)
        let archive = try Archive(url: URL(fileURLWithPath: path), accessMode: .create)
        for (part, data) in binaryParts {
            try archive.addEntry(with: part, type: .file, uncompressedSize: Int64(data.count), compressionMethod: .deflate,
                                 provider: { position, size in data.subdata(in: Int(position)..<Int(position) + size) })
        }
        return path
    }

    /// A whole one-sheet workbook from rows.
    @discardableResult
    public static func write(_ name: String, in folder: TemporaryFolder, rows: [[String]], sheetName: String = "Sheet1",
                      sheetXML: String? = nil, extra: [(String, String)] = []) throws -> String {
        try write(name, in: folder, parts: [
            ("[Content_Types].xml", contentTypes), ("_rels/.rels", rootRelationships),
            ("xl/workbook.xml", workbook(sheets: [sheetName])), ("xl/_rels/workbook.xml.rels", relationships()),
            ("xl/styles.xml", styles), ("xl/worksheets/sheet1.xml", sheetXML ?? sheet(rows)),
        ] + extra)
    }

    /// `bomb.xlsx` in `folder`: a workbook whose sheet holds 80 MB of blanks after the `header` row, inflating from
    /// about 80 KB (a thousand times).
    public static func zipBomb(header: [String], in folder: TemporaryFolder) throws -> String {
        let blank = Data(repeating: 0x20, count: 1 << 20)
        let size = 80
        let prefix = Data(sheet([header]).replacingOccurrences(of: "</sheetData></worksheet>", with: "").utf8)
        let path = folder.file("bomb.xlsx")
        let archive = try Archive(url: URL(fileURLWithPath: path), accessMode: .create)
        for (part, text) in [("[Content_Types].xml", contentTypes), ("_rels/.rels", rootRelationships),
                             ("xl/workbook.xml", workbook()), ("xl/_rels/workbook.xml.rels", relationships())] {
            let data = Data(text.utf8)
            try archive.addEntry(with: part, type: .file, uncompressedSize: Int64(data.count), compressionMethod: .deflate,
                                 provider: { position, chunk in data.subdata(in: Int(position)..<Int(position) + chunk) })
        }
        let total = prefix.count + size * blank.count
        try archive.addEntry(with: "xl/worksheets/sheet1.xml", type: .file, uncompressedSize: Int64(total), compressionMethod: .deflate,
                             bufferSize: 1 << 20, provider: { position, chunk in
            if position < prefix.count { return prefix.subdata(in: Int(position)..<min(prefix.count, Int(position) + chunk)) }
            return blank.prefix(chunk)
        })
        return path
    }
}
