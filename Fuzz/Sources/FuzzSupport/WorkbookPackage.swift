import Foundation
import ZIPFoundation

/// Wraps a sheet's XML into a minimal .xlsx package (stored parts), for the workbook fuzzer and its replay.
public enum WorkbookPackage {
    static let parts: [(String, String)] = [
        ("xl/workbook.xml", "<workbook xmlns:r=\"r\"><workbookPr/><sheets><sheet name=\"S\" sheetId=\"1\" r:id=\"rId1\"/></sheets></workbook>"),
        ("xl/_rels/workbook.xml.rels", "<Relationships><Relationship Id=\"rId1\" Type=\"x/worksheet\" Target=\"worksheets/sheet1.xml\"/>"
            + "<Relationship Id=\"rId2\" Type=\"x/sharedStrings\" Target=\"sharedStrings.xml\"/>"
            + "<Relationship Id=\"rId3\" Type=\"x/styles\" Target=\"styles.xml\"/></Relationships>"),
        ("xl/sharedStrings.xml", "<sst><si><t>北区</t></si><si><t>男性</t></si><si><r><t>とても</t></r><r><t>そう思う</t></r><rPh><t>ソウ</t></rPh></si><si><t>when</t></si></sst>"),
        ("xl/styles.xml", "<styleSheet><numFmts><numFmt numFmtId=\"164\" formatCode=\"yyyy/mm/dd\"/></numFmts><cellXfs><xf numFmtId=\"0\"/><xf numFmtId=\"164\"/><xf numFmtId=\"14\"/></cellXfs></styleSheet>"),
    ]

    /// Writes the package to `path`; returns false when it cannot be written.
    @discardableResult
    public static func write(sheetXML: Data, to path: String) -> Bool {
        guard let archive = try? Archive(url: URL(fileURLWithPath: path), accessMode: .create) else { return false }
        let entries = parts.map { ($0.0, Data($0.1.utf8)) } + [("xl/worksheets/sheet1.xml", sheetXML)]
        for (name, data) in entries {
            do {
                try archive.addEntry(with: name, type: .file, uncompressedSize: Int64(data.count), compressionMethod: .none,
                                     provider: { position, size in data.subdata(in: Int(position)..<Int(position) + size) })
            } catch {
                return false
            }
        }
        return true
    }
}
