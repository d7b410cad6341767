import Foundation
import WellBeingCore

/// A JSON value read by `JSONDocument`, compact where GeoJSON is large: an array of numbers is one `[Double]`,
/// and an array of such arrays (a ring of positions) one flat list of longitude/latitude pairs.
enum JSONValue: Sendable {
    case null
    case bool(Bool)
    case number(Double)
    case string(String)
    case array([JSONValue])
    /// The members of an object, and the line on which it opens.
    case object([String: JSONValue], line: Int)
    /// An array holding numbers only.
    case numbers([Double])
    /// An array of two or more positions, each an array of at least two numbers: their first two numbers,
    /// flattened (longitude, latitude, longitude, …); extra dimensions (elevation) are dropped.
    case positions([Double])

    var string: String? { if case let .string(text) = self { text } else { nil } }

    subscript(key: String) -> JSONValue? {
        if case let .object(members, _) = self { members[key] } else { nil }
    }
}

/// A defensive JSON reader for files from outside: it refuses nesting deeper than `maximumDepth` (so a file of
/// 100,000 `[` cannot exhaust the stack) and keeps positions as plain numbers (a 100 MB GeoJSON file takes
/// about as much memory as its coordinates need, not a heap object per number).
///
/// Beyond RFC 8259 it accepts `NaN`, `Infinity` and `-Infinity`, which Python's `json` writes, so that a
/// non-finite coordinate is reported as such, at its feature, rather than as a syntax error.
struct JSONDocument {
    /// A syntax error, or nesting too deep, at a line and column (1-based, columns in bytes).
    struct SyntaxError: Error {
        enum Reason { case unexpected(String), tooDeep, endOfFile, badString, trailing(String) }
        var reason: Reason
        var line: Int
        var column: Int
    }

    static let maximumDepth = 32

    private let bytes: [UInt8]
    private var position = 0
    private var line = 1
    private var lineStart = 0
    private var depth = 0

    /// Parses `bytes` (UTF-8, an optional byte-order mark first) as one JSON value.
    static func parse(_ bytes: [UInt8]) throws(SyntaxError) -> JSONValue {
        var reader = JSONDocument(bytes: bytes)
        if bytes.starts(with: [0xEF, 0xBB, 0xBF]) { reader.position = 3 }
        let value = try reader.value()
        reader.skipWhitespace()
        if reader.position < bytes.count { throw reader.error(.trailing(reader.excerpt())) }
        return value
    }

    private init(bytes: [UInt8]) { self.bytes = bytes }

    private func error(_ reason: SyntaxError.Reason) -> SyntaxError {
        SyntaxError(reason: reason, line: line, column: position - lineStart + 1)
    }

    private func excerpt() -> String {
        let end = min(bytes.count, position + 12)
        return String(decoding: bytes[position..<end], as: UTF8.self)
    }

    private mutating func skipWhitespace() {
        while position < bytes.count {
            switch bytes[position] {
            case 0x20, 0x09, 0x0D: position += 1
            case 0x0A:
                position += 1
                line += 1
                lineStart = position
            default: return
            }
        }
    }

    private mutating func value() throws(SyntaxError) -> JSONValue {
        skipWhitespace()
        guard position < bytes.count else { throw error(.endOfFile) }
        switch bytes[position] {
        case UInt8(ascii: "{"): return try object()
        case UInt8(ascii: "["): return try array()
        case UInt8(ascii: "\""): return .string(try string())
        case UInt8(ascii: "t"): try literal("true"); return .bool(true)
        case UInt8(ascii: "f"): try literal("false"); return .bool(false)
        case UInt8(ascii: "n"): try literal("null"); return .null
        case UInt8(ascii: "N"): try literal("NaN"); return .number(.nan)
        case UInt8(ascii: "I"): try literal("Infinity"); return .number(.infinity)
        default: return .number(try number())
        }
    }

    private mutating func literal(_ word: String) throws(SyntaxError) {
        let expected = Array(word.utf8)
        guard bytes.count - position >= expected.count, Array(bytes[position..<position + expected.count]) == expected else {
            throw error(.unexpected(excerpt()))
        }
        position += expected.count
    }

    private mutating func enter() throws(SyntaxError) {
        depth += 1
        if depth > Self.maximumDepth { throw error(.tooDeep) }
    }

    private mutating func object() throws(SyntaxError) -> JSONValue {
        try enter()
        let openingLine = line
        position += 1
        var members: [String: JSONValue] = [:]
        skipWhitespace()
        if position < bytes.count, bytes[position] == UInt8(ascii: "}") {
            position += 1
            depth -= 1
            return .object(members, line: openingLine)
        }
        while true {
            skipWhitespace()
            guard position < bytes.count else { throw error(.endOfFile) }
            guard bytes[position] == UInt8(ascii: "\"") else { throw error(.unexpected(excerpt())) }
            let key = try string()
            skipWhitespace()
            guard position < bytes.count else { throw error(.endOfFile) }
            guard bytes[position] == UInt8(ascii: ":") else { throw error(.unexpected(excerpt())) }
            position += 1
            members[key] = try value()
            skipWhitespace()
            guard position < bytes.count else { throw error(.endOfFile) }
            if bytes[position] == UInt8(ascii: ",") { position += 1; continue }
            if bytes[position] == UInt8(ascii: "}") { position += 1; break }
            throw error(.unexpected(excerpt()))
        }
        depth -= 1
        return .object(members, line: openingLine)
    }

    private mutating func array() throws(SyntaxError) -> JSONValue {
        try enter()
        position += 1
        var elements: [JSONValue] = []
        skipWhitespace()
        if position < bytes.count, bytes[position] == UInt8(ascii: "]") {
            position += 1
            depth -= 1
            return .array([])
        }
        while true {
            elements.append(try value())
            skipWhitespace()
            guard position < bytes.count else { throw error(.endOfFile) }
            if bytes[position] == UInt8(ascii: ",") { position += 1; continue }
            if bytes[position] == UInt8(ascii: "]") { position += 1; break }
            throw error(.unexpected(excerpt()))
        }
        depth -= 1
        return Self.compacted(elements)
    }

    /// Numbers only → `.numbers`; positions only (each ≥ 2 numbers) → `.positions`; else the array as it is.
    private static func compacted(_ elements: [JSONValue]) -> JSONValue {
        var numbers: [Double] = []
        numbers.reserveCapacity(elements.count)
        for element in elements {
            guard case let .number(value) = element else { numbers = []; break }
            numbers.append(value)
        }
        if numbers.count == elements.count { return .numbers(numbers) }
        var flat: [Double] = []
        flat.reserveCapacity(elements.count * 2)
        for element in elements {
            guard case let .numbers(position) = element, position.count >= 2 else { return .array(elements) }
            flat.append(position[0])
            flat.append(position[1])
        }
        return .positions(flat)
    }

    private mutating func string() throws(SyntaxError) -> String {
        position += 1
        var scalars: [UInt8] = []
        while position < bytes.count {
            let byte = bytes[position]
            switch byte {
            case UInt8(ascii: "\""):
                position += 1
                return String(decoding: scalars, as: UTF8.self)
            case UInt8(ascii: "\\"):
                guard position + 1 < bytes.count else { throw error(.endOfFile) }
                let escaped = bytes[position + 1]
                position += 2
                switch escaped {
                case UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "/"): scalars.append(escaped)
                case UInt8(ascii: "b"): scalars.append(0x08)
                case UInt8(ascii: "f"): scalars.append(0x0C)
                case UInt8(ascii: "n"): scalars.append(0x0A)
                case UInt8(ascii: "r"): scalars.append(0x0D)
                case UInt8(ascii: "t"): scalars.append(0x09)
                case UInt8(ascii: "u"):
                    var code = try hex4()
                    if (0xD800..<0xDC00).contains(code), position + 1 < bytes.count, bytes[position] == UInt8(ascii: "\\"),
                       bytes[position + 1] == UInt8(ascii: "u") {
                        position += 2
                        let low = try hex4()
                        if (0xDC00..<0xE000).contains(low) { code = 0x10000 + ((code - 0xD800) << 10) + (low - 0xDC00) }
                    }
                    scalars.append(contentsOf: Array(String(Character(Unicode.Scalar(code) ?? "\u{FFFD}")).utf8))
                default: throw error(.badString)
                }
            case 0x00..<0x20:
                throw error(.badString)
            default:
                scalars.append(byte)
                position += 1
            }
        }
        throw error(.endOfFile)
    }

    private mutating func hex4() throws(SyntaxError) -> UInt32 {
        guard bytes.count - position >= 4 else { throw error(.endOfFile) }
        var code: UInt32 = 0
        for _ in 0..<4 {
            let byte = bytes[position]
            let digit: UInt32
            switch byte {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): digit = UInt32(byte - UInt8(ascii: "0"))
            case UInt8(ascii: "a")...UInt8(ascii: "f"): digit = UInt32(byte - UInt8(ascii: "a") + 10)
            case UInt8(ascii: "A")...UInt8(ascii: "F"): digit = UInt32(byte - UInt8(ascii: "A") + 10)
            default: throw error(.badString)
            }
            code = code * 16 + digit
            position += 1
        }
        return code
    }

    private mutating func number() throws(SyntaxError) -> Double {
        let start = position
        if bytes[position] == UInt8(ascii: "-") {
            position += 1
            if position < bytes.count, bytes[position] == UInt8(ascii: "I") {
                try literal("Infinity")
                return -.infinity
            }
        }
        while position < bytes.count, Self.isNumberByte(bytes[position]) { position += 1 }
        guard position > start, position - start < 64,
              let value = Double(String(decoding: bytes[start..<position], as: UTF8.self)) else {
            position = start
            throw error(.unexpected(excerpt()))
        }
        return value
    }

    private static func isNumberByte(_ byte: UInt8) -> Bool {
        switch byte {
        case UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "."), UInt8(ascii: "e"), UInt8(ascii: "E"),
             UInt8(ascii: "+"), UInt8(ascii: "-"): true
        default: false
        }
    }
}
