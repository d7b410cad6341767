import Foundation
import WellBeingCore

/// The character encodings a survey export may come in.
public enum TextEncoding: String, Sendable, CaseIterable {
    /// UTF-8, with or without a byte-order mark.
    case utf8 = "utf-8"
    /// Shift_JIS as Windows and Excel write it (CP932, with NEC and IBM extensions: ①, ㈱, 髙, ～).
    case cp932
    /// UTF-16 little-endian (Excel "Unicode text"), usually with a byte-order mark and tabs.
    case utf16LE = "utf-16le"
    /// UTF-16 big-endian.
    case utf16BE = "utf-16be"

    /// Parses a user's `--encoding` value; accepts common spellings (`sjis`, `shift_jis`, `utf8`, `utf-16`).
    public init?(userText: String) {
        switch userText.lowercased().replacingOccurrences(of: "_", with: "-") {
        case "utf-8", "utf8", "utf-8-sig": self = .utf8
        case "cp932", "shift-jis", "sjis", "shiftjis", "windows-31j", "ms932": self = .cp932
        case "utf-16", "utf16", "utf-16le", "utf16le": self = .utf16LE
        case "utf-16be", "utf16be": self = .utf16BE
        default: return nil
        }
    }

    /// The name glibc's iconv knows the encoding by. Never "SHIFT_JIS": it decodes Excel files wrongly.
    var iconvName: String {
        switch self {
        case .utf8: return "UTF-8"
        case .cp932: return "CP932"
        case .utf16LE: return "UTF-16LE"
        case .utf16BE: return "UTF-16BE"
        }
    }

    /// The name shown to users.
    public var displayName: String {
        switch self {
        case .utf8: return "UTF-8"
        case .cp932: return "Shift_JIS (CP932)"
        case .utf16LE: return "UTF-16LE"
        case .utf16BE: return "UTF-16BE"
        }
    }
}

/// Decides a file's encoding from its first bytes, in the order that works for Japanese exports:
/// UTF-8 BOM, UTF-16 BOM, valid UTF-8, CP932.
public enum EncodingDetector {
    /// The result of detection: the encoding and how many leading bytes are a byte-order mark.
    public struct Detection: Equatable, Sendable {
        public var encoding: TextEncoding
        public var byteOrderMarkLength: Int
    }

    /// Detects the encoding of `prefix`, the first bytes of a file.
    ///
    /// - Parameter isWholeFile: whether `prefix` is the whole file (a truncated multi-byte sequence at the
    ///   end then counts as invalid UTF-8).
    /// - Returns: `nil` when the bytes are pure ASCII, so that the caller can look further into the file.
    public static func detect(_ prefix: some Collection<UInt8>, isWholeFile: Bool) -> Detection? {
        let bytes = Array(prefix)
        if bytes.starts(with: [0xEF, 0xBB, 0xBF]) { return Detection(encoding: .utf8, byteOrderMarkLength: 3) }
        if bytes.starts(with: [0xFF, 0xFE]) { return Detection(encoding: .utf16LE, byteOrderMarkLength: 2) }
        if bytes.starts(with: [0xFE, 0xFF]) { return Detection(encoding: .utf16BE, byteOrderMarkLength: 2) }
        if let utf16 = utf16WithoutMark(bytes) { return Detection(encoding: utf16, byteOrderMarkLength: 0) }
        guard bytes.contains(where: { $0 >= 0x80 }) else { return nil }
        if isValidUTF8(bytes, allowTruncatedEnd: !isWholeFile) { return Detection(encoding: .utf8, byteOrderMarkLength: 0) }
        // Text that reads as UTF-8 for a while and then breaks is a UTF-8 file with damaged bytes (reported
        // later with their line), not Shift_JIS: Japanese Shift_JIS text almost never forms valid UTF-8.
        return Detection(encoding: validMultibyteSequencesBeforeFirstError(bytes) >= 3 ? .utf8 : .cp932, byteOrderMarkLength: 0)
    }

    /// UTF-16 without a byte-order mark shows as ASCII text with a NUL beside every character.
    private static func utf16WithoutMark(_ bytes: [UInt8]) -> TextEncoding? {
        let sample = bytes.prefix(512)
        guard sample.count >= 8 else { return nil }
        var evenZeros = 0, oddZeros = 0
        for (offset, byte) in sample.enumerated() where byte == 0 {
            if offset % 2 == 0 { evenZeros += 1 } else { oddZeros += 1 }
        }
        let half = sample.count / 2
        if oddZeros * 10 >= half * 7 && evenZeros * 10 < half { return .utf16LE }
        if evenZeros * 10 >= half * 7 && oddZeros * 10 < half { return .utf16BE }
        return nil
    }

    /// Whether `bytes` are well-formed UTF-8; a sequence cut off by the end of the sample may be allowed.
    public static func isValidUTF8(_ bytes: [UInt8], allowTruncatedEnd: Bool) -> Bool {
        let scan = scanUTF8(bytes)
        return scan.end == .complete || (scan.end == .truncated && allowTruncatedEnd)
    }

    /// How many well-formed multi-byte UTF-8 sequences precede the first malformed byte.
    static func validMultibyteSequencesBeforeFirstError(_ bytes: [UInt8]) -> Int {
        scanUTF8(bytes).multibyteSequences
    }

    /// How a UTF-8 scan ended.
    enum ScanEnd { case complete, truncated, malformed }

    /// Reads `bytes` as UTF-8 up to the first malformed or cut-off sequence.
    static func scanUTF8(_ bytes: [UInt8]) -> (end: ScanEnd, multibyteSequences: Int) {
        var index = 0, sequences = 0
        while index < bytes.count {
            let lead = bytes[index]
            if lead < 0x80 { index += 1; continue }
            let length: Int
            switch lead {
            case 0xC2...0xDF: length = 2
            case 0xE0...0xEF: length = 3
            case 0xF0...0xF4: length = 4
            default: return (.malformed, sequences)
            }
            if index + length > bytes.count { return (.truncated, sequences) }
            for offset in 1..<length where bytes[index + offset] & 0xC0 != 0x80 { return (.malformed, sequences) }
            sequences += 1
            index += length
        }
        return (.complete, sequences)
    }
}
