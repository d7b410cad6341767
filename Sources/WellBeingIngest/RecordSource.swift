import Crypto
import Foundation
import WellBeingCore

/// Where the rows of an import come from: a CSV file (`CSVReader`) or one sheet of an .xlsx workbook
/// (`WorkbookReader`). Validation works on the records alone, so every rule, message and `--on-error skip`
/// behaviour is the same for both.
public protocol RecordSource: AnyObject {
    /// The file name used in messages.
    var displayName: String { get }
    /// What the text was read as, for messages: "UTF-8", "Shift_JIS (CP932)", "Excel .xlsx".
    var encodingName: String { get }
    /// The sheet the rows come from; nil for CSV. Locations then read `回答.xlsx:Sheet1!J1235`.
    var sheet: String? { get }
    /// The file's size, and how much of it has been read, for progress display.
    var fileSize: Int { get }
    var rawBytesRead: Int { get }
    /// Calls `body` with every record in order (the first is the header), blank records included.
    func forEachRecord(_ body: (CSVRecord) throws -> Void) throws
    /// The SHA-256 of the whole file's bytes, in lower-case hex (after the records were read).
    func fileSHA256() throws -> String
}

/// The one entry point for every import: sniffs the file (a ZIP package is a workbook; an OLE compound
/// document is an old .xls or a password-protected workbook; anything else is read as CSV text).
public enum RecordSources {
    /// Opens `path` as CSV (in `encoding`, or detected) or as a workbook's `sheet`.
    ///
    /// - Throws: `inputMissing` when the file cannot be opened; `badData` for an .xls, an encrypted workbook
    ///   or a damaged one; `usage` for `--sheet` on a CSV file.
    public static func open(path: String, encoding: TextEncoding? = nil, sheet: String? = nil) throws -> RecordSource {
        let name = (path as NSString).lastPathComponent
        let prefix = try Self.prefix(of: path)
        if WorkbookReader.isZip(prefix) {
            return try WorkbookReader(path: path, displayName: name, sheet: sheet)
        }
        if WorkbookReader.isCompoundDocument(prefix) {
            let encrypted = Self.contains(path: path, utf16Name: "EncryptionInfo")
            throw WellBeingError.badData(Message(.cannotImport, ["file": name]), problems: [
                DataProblem(location: SourceLocation(file: name), message: Message(encrypted ? .passwordProtected : .oldXLS))])
        }
        if sheet != nil {
            throw WellBeingError(.usage, Message(.sheetOnCSV, ["file": name]))
        }
        return CSVReader(source: try TextSource(path: path, encoding: encoding))
    }

    /// The SHA-256 of a whole file's bytes, in lower-case hex, read in chunks.
    public static func sha256(ofFile path: String) throws -> String {
        guard let handle = FileHandle(forReadingAtPath: path) else {
            throw WellBeingError(.inputMissing, Message(.cannotOpenFile, ["file": (path as NSString).lastPathComponent]))
        }
        defer { try? handle.close() }
        var hasher = SHA256()
        while let chunk = try handle.read(upToCount: 1 << 20), !chunk.isEmpty { hasher.update(data: chunk) }
        return hasher.finalize().map { String(format: "%02x", $0) }.joined()
    }

    /// The first bytes of the file (empty for an empty file).
    static func prefix(of path: String) throws -> [UInt8] {
        guard let handle = FileHandle(forReadingAtPath: path) else {
            // TextSource says precisely why (missing, a folder, unreadable).
            _ = try TextSource(path: path)
            return []
        }
        defer { try? handle.close() }
        return [UInt8]((try? handle.read(upToCount: 8)) ?? Data())
    }

    /// Whether the file holds `name` in UTF-16LE (a stream name of a compound document).
    static func contains(path: String, utf16Name name: String) -> Bool {
        guard let data = FileManager.default.contents(atPath: path), data.count < 256 << 20 else { return false }
        let pattern = Data(name.utf16.flatMap { [UInt8($0 & 0xFF), UInt8($0 >> 8)] })
        return data.range(of: pattern) != nil
    }
}

extension CSVReader: RecordSource {
    public var encodingName: String { sourceEncoding.displayName }
    public var sheet: String? { nil }
    public var fileSize: Int { source.fileSize }
    public var rawBytesRead: Int { source.rawBytesRead }
    public func fileSHA256() throws -> String {
        try source.hashRemainder()
        return source.sha256Hex
    }
}
