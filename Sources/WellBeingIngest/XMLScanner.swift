import Foundation
import WellBeingCore

/// A streaming scanner for the XML that workbooks are made of: start and end tags with their attributes, and
/// text with the five predefined entities and character references decoded.
///
/// It is fed chunks as they are inflated and keeps only an unfinished tag or text between them, so a sheet is
/// never held whole. It knows no DTD: a document type declaration (where entity-expansion and external-entity
/// attacks live) is refused, as is any entity other than the predefined ones. Comments, processing
/// instructions and CDATA sections are handled; namespaces are not resolved (names keep their prefix, and
/// `localName` drops it).
struct XMLScanner {
    /// What the scanner hands to its handler.
    enum Event {
        /// A start tag; `selfClosing` for `<c/>`.
        case start(name: UnsafeBufferPointer<UInt8>, attributes: Attributes, selfClosing: Bool)
        case end(name: UnsafeBufferPointer<UInt8>)
        /// Text between tags, entities decoded (may come in several pieces).
        case text(UnsafeBufferPointer<UInt8>)
    }

    /// The attributes of a start tag: the bytes after its name, scanned only when a value is asked for (a
    /// sheet's cells ask for two or three short ones, so nothing is allocated per tag).
    struct Attributes {
        let bytes: UnsafeBufferPointer<UInt8>

        /// The raw (undecoded) value of the attribute whose local name is `name`; nil when absent.
        /// - Throws: a refusal for malformed attributes.
        func raw(_ name: StaticString) throws -> UnsafeBufferPointer<UInt8>? {
            let wanted = name.utf8Buffer
            var found: UnsafeBufferPointer<UInt8>?
            try forEach { attributeName, value in
                if found == nil && XMLScanner.equals(XMLScanner.localName(attributeName), wanted) { found = value }
            }
            return found
        }

        /// Calls `body` with each attribute's name and raw value, in one pass over the tag.
        @inline(__always)
        func forEach(_ body: (_ name: UnsafeBufferPointer<UInt8>, _ value: UnsafeBufferPointer<UInt8>) throws -> Void) throws {
            var position = 0
            let length = bytes.count
            while position < length {
                while position < length && XMLScanner.isSpace(bytes[position]) { position += 1 }
                if position >= length { break }
                let nameStart = position
                while position < length && bytes[position] != UInt8(ascii: "=") && !XMLScanner.isSpace(bytes[position]) { position += 1 }
                let attributeName = UnsafeBufferPointer(rebasing: bytes[nameStart..<position])
                while position < length && XMLScanner.isSpace(bytes[position]) { position += 1 }
                guard position < length, bytes[position] == UInt8(ascii: "=") else {
                    throw Refusal(Message(.xmlAttributeNoValue))
                }
                position += 1
                while position < length && XMLScanner.isSpace(bytes[position]) { position += 1 }
                guard position < length, bytes[position] == UInt8(ascii: "\"") || bytes[position] == UInt8(ascii: "'") else {
                    throw Refusal(Message(.xmlAttributeNoQuotes))
                }
                let quote = bytes[position]
                let valueStart = position + 1
                position = valueStart
                while position < length && bytes[position] != quote { position += 1 }
                guard position < length else { throw Refusal(Message(.xmlAttributeOpen)) }
                let value = UnsafeBufferPointer(rebasing: bytes[valueStart..<position])
                position += 1
                try body(attributeName, value)
            }
        }

        /// The value of the attribute whose local name is `name`, entities decoded; nil when absent.
        func value(_ name: StaticString) throws -> [UInt8]? {
            try raw(name).map { try XMLScanner.decode($0) }
        }

        func string(_ name: StaticString) throws -> String? {
            try value(name).map { String(decoding: $0, as: UTF8.self) }
        }
    }

    /// Why the XML was refused; the reader adds the file and part.
    struct Refusal: Error {
        var message: Message

        init(_ message: Message) {
            self.message = message
        }

        /// The refusal as a located problem.
        func problem(at location: SourceLocation) -> DataProblem {
            DataProblem(location: location, message: message)
        }
    }

    private var pending: [UInt8] = []

    /// Scans `chunk` (after whatever was left of the previous one) and calls `handler` for each complete event.
    mutating func feed(_ chunk: UnsafeBufferPointer<UInt8>, handler: (Event) throws -> Void) throws {
        if pending.isEmpty {
            let used = try scan(chunk, handler: handler)
            if used < chunk.count { pending.append(contentsOf: chunk[used...]) }
        } else {
            pending.append(contentsOf: chunk)
            let used = try pending.withUnsafeBufferPointer { try Self.scan($0, handler: handler) }
            pending.removeFirst(used)
        }
        if pending.count > 64 << 20 {
            throw Refusal(Message(.textTooLong))
        }
    }

    /// Checks that nothing is left unfinished at the end of the part.
    func finish() throws {
        if pending.contains(where: { $0 == UInt8(ascii: "<") }) {
            throw Refusal(Message(.xmlEndsInTag))
        }
    }

    /// Scans complete tokens of `bytes`; returns how many bytes were consumed.
    private func scan(_ bytes: UnsafeBufferPointer<UInt8>, handler: (Event) throws -> Void) throws -> Int {
        try Self.scan(bytes, handler: handler)
    }

    private static func scan(_ bytes: UnsafeBufferPointer<UInt8>, handler: (Event) throws -> Void) throws -> Int {
        let count = bytes.count
        var position = 0
        while position < count {
            if bytes[position] != UInt8(ascii: "<") {
                // Text up to the next '<' (which must be in this chunk, or the text is continued later).
                var end = position
                while end < count && bytes[end] != UInt8(ascii: "<") { end += 1 }
                if end == count { return position }
                try emitText(UnsafeBufferPointer(rebasing: bytes[position..<end]), handler: handler)
                position = end
                continue
            }
            guard position + 1 < count else { return position }
            let next = bytes[position + 1]
            if next == UInt8(ascii: "!") {
                // Comment, CDATA or a declaration.
                if Self.matches(bytes, at: position, "<!--") {
                    guard let end = Self.find(bytes, "-->", from: position + 4) else { return position }
                    position = end + 3
                } else if Self.matches(bytes, at: position, "<![CDATA[") {
                    guard let end = Self.find(bytes, "]]>", from: position + 9) else { return position }
                    let text = UnsafeBufferPointer(rebasing: bytes[(position + 9)..<end])
                    if !text.isEmpty { try handler(.text(text)) }
                    position = end + 3
                } else if position + 9 > count {
                    return position
                } else {
                    throw Refusal(Message(.documentType))
                }
                continue
            }
            if next == UInt8(ascii: "?") {
                guard let end = Self.find(bytes, "?>", from: position + 2) else { return position }
                position = end + 2
                continue
            }
            // A tag: find its closing '>' outside quoted attribute values.
            var end = position + 1
            var quote: UInt8 = 0
            while end < count {
                let byte = bytes[end]
                if quote != 0 {
                    if byte == quote { quote = 0 }
                } else if byte == UInt8(ascii: "\"") || byte == UInt8(ascii: "'") {
                    quote = byte
                } else if byte == UInt8(ascii: ">") {
                    break
                }
                end += 1
            }
            if end == count { return position }
            try emitTag(UnsafeBufferPointer(rebasing: bytes[(position + 1)..<end]), handler: handler)
            position = end + 1
        }
        return position
    }

    private static func emitText(_ text: UnsafeBufferPointer<UInt8>, handler: (Event) throws -> Void) throws {
        if text.isEmpty { return }
        if !text.contains(UInt8(ascii: "&")) {
            try handler(.text(text))
            return
        }
        let decoded = try decode(text)
        try decoded.withUnsafeBufferPointer { try handler(.text($0)) }
    }

    /// `name attr="v" …` or `/name` or `name …/`.
    private static func emitTag(_ tag: UnsafeBufferPointer<UInt8>, handler: (Event) throws -> Void) throws {
        guard !tag.isEmpty else { throw Refusal(Message(.xmlEmptyTag)) }
        if tag[0] == UInt8(ascii: "/") {
            var end = tag.count
            while end > 1 && isSpace(tag[end - 1]) { end -= 1 }
            try handler(.end(name: UnsafeBufferPointer(rebasing: tag[1..<end])))
            return
        }
        var length = tag.count
        let selfClosing = tag[length - 1] == UInt8(ascii: "/")
        if selfClosing { length -= 1 }
        var nameEnd = 0
        while nameEnd < length && !isSpace(tag[nameEnd]) { nameEnd += 1 }
        try handler(.start(name: UnsafeBufferPointer(rebasing: tag[0..<nameEnd]),
                           attributes: Attributes(bytes: UnsafeBufferPointer(rebasing: tag[nameEnd..<length])),
                           selfClosing: selfClosing))
    }

    // MARK: Helpers

    @inline(__always)
    static func isSpace(_ byte: UInt8) -> Bool { byte == 0x20 || byte == 0x09 || byte == 0x0A || byte == 0x0D }

    /// The name without its namespace prefix (`x:row` → `row`).
    @inline(__always)
    static func localName(_ name: UnsafeBufferPointer<UInt8>) -> UnsafeBufferPointer<UInt8> {
        var index = name.count - 1
        while index >= 0 {
            if name[index] == UInt8(ascii: ":") { return UnsafeBufferPointer(rebasing: name[(index + 1)...]) }
            index -= 1
        }
        return name
    }

    /// Whether `name`'s local name is `expected`.
    @inline(__always)
    static func isNamed(_ name: UnsafeBufferPointer<UInt8>, _ expected: StaticString) -> Bool {
        equals(localName(name), expected.utf8Buffer)
    }

    /// Byte equality without the generic sequence machinery.
    @inline(__always)
    static func equals(_ a: UnsafeBufferPointer<UInt8>, _ b: UnsafeBufferPointer<UInt8>) -> Bool {
        guard a.count == b.count else { return false }
        if a.isEmpty { return true }
        return memcmp(a.baseAddress!, b.baseAddress!, a.count) == 0
    }

    static func matches(_ bytes: UnsafeBufferPointer<UInt8>, at position: Int, _ literal: StaticString) -> Bool {
        let pattern = literal.utf8Buffer
        guard position + pattern.count <= bytes.count else { return false }
        for index in 0..<pattern.count where bytes[position + index] != pattern[index] { return false }
        return true
    }

    static func find(_ bytes: UnsafeBufferPointer<UInt8>, _ literal: StaticString, from start: Int) -> Int? {
        var position = start
        while position + literal.utf8CodeUnitCount <= bytes.count {
            if matches(bytes, at: position, literal) { return position }
            position += 1
        }
        return nil
    }

    /// Decodes `&amp; &lt; &gt; &quot; &apos; &#NN; &#xHH;`; any other entity is refused.
    static func decode(_ text: UnsafeBufferPointer<UInt8>) throws -> [UInt8] {
        var result: [UInt8] = []
        result.reserveCapacity(text.count)
        var position = 0
        while position < text.count {
            let byte = text[position]
            guard byte == UInt8(ascii: "&") else {
                result.append(byte)
                position += 1
                continue
            }
            guard let semicolon = text[position...].firstIndex(of: UInt8(ascii: ";")), semicolon - position <= 12 else {
                throw Refusal(Message(.xmlStrayAmpersand))
            }
            let name = Array(text[(position + 1)..<semicolon])
            switch name {
            case Array("amp".utf8): result.append(UInt8(ascii: "&"))
            case Array("lt".utf8): result.append(UInt8(ascii: "<"))
            case Array("gt".utf8): result.append(UInt8(ascii: ">"))
            case Array("quot".utf8): result.append(UInt8(ascii: "\""))
            case Array("apos".utf8): result.append(UInt8(ascii: "'"))
            default:
                guard name.first == UInt8(ascii: "#") else {
                    throw Refusal(Message(.xmlUnknownEntity, ["name": String(decoding: name, as: UTF8.self)]))
                }
                let digits = String(decoding: name.dropFirst(), as: UTF8.self)
                let value = digits.hasPrefix("x") || digits.hasPrefix("X") ? UInt32(digits.dropFirst(), radix: 16) : UInt32(digits)
                guard let value, let scalar = Unicode.Scalar(value) else {
                    throw Refusal(Message(.xmlBadCharacter, ["name": String(decoding: name, as: UTF8.self)]))
                }
                result.append(contentsOf: Array(String(Character(scalar)).utf8))
            }
            position = semicolon + 1
        }
        return result
    }
}

extension StaticString {
    /// The string's UTF-8 bytes.
    var utf8Buffer: UnsafeBufferPointer<UInt8> { UnsafeBufferPointer(start: utf8Start, count: utf8CodeUnitCount) }
}
