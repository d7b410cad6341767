import WellBeingCore
import Foundation

/// Maps the few distinct values of a column (groups, attribute values, periods) to small codes, comparing
/// raw bytes, so that a million rows make a handful of strings and each value is validated once.
final class FieldInterner {
    /// The distinct values seen, in order of first appearance; a value's position is its code.
    private(set) var values: [String] = []
    /// The most distinct values a column may have (codes are stored in two bytes).
    static let maximumValues = 60_000

    /// Whether each value passed validation (its reason otherwise).
    private(set) var verdicts: [Message?] = []
    private var keys: [[UInt8]] = []
    private var index: [[UInt8]: Int] = [:]
    private var lastCode = -1
    private let validate: (String) -> Message?

    /// - Parameter validate: returns why a value is refused, or nil when it is fine; called once per value.
    init(validate: @escaping (String) -> Message?) {
        self.validate = validate
    }

    enum Outcome {
        case known(code: Int, refusal: Message?)
        case notText
    }

    /// The code of `bytes` (already trimmed), adding it when new.
    func code(of bytes: UnsafeBufferPointer<UInt8>) -> Outcome {
        if lastCode >= 0 && Self.equal(keys[lastCode], bytes) {
            return .known(code: lastCode, refusal: verdicts[lastCode])
        }
        if keys.count <= 16 {
            for index in keys.indices where Self.equal(keys[index], bytes) {
                lastCode = index
                return .known(code: index, refusal: verdicts[index])
            }
        } else if let found = index[Array(bytes)] {
            lastCode = found
            return .known(code: found, refusal: verdicts[found])
        }
        guard let text = String(validating: bytes, as: UTF8.self) else { return .notText }
        var refusal = bytes.contains(where: { $0 < 0x20 || $0 == 0x7F }) ? Message(.controlCharacter) : validate(text)
        if keys.count >= Self.maximumValues {
            refusal = Message(.tooManyValues, ["max": "\(Self.maximumValues)"])
        }
        keys.append(Array(bytes))
        index[Array(bytes)] = keys.count - 1
        values.append(text)
        verdicts.append(refusal)
        lastCode = keys.count - 1
        return .known(code: lastCode, refusal: refusal)
    }

    @inline(__always)
    private static func equal(_ key: [UInt8], _ bytes: UnsafeBufferPointer<UInt8>) -> Bool {
        guard key.count == bytes.count else { return false }
        return key.withUnsafeBufferPointer { stored in
            stored.count == 0 || memcmp(stored.baseAddress!, bytes.baseAddress!, stored.count) == 0
        }
    }
}

extension UnsafeBufferPointer where Element == UInt8 {
    /// The bytes without leading and trailing blanks (space, tab, and the ideographic space U+3000).
    func trimmingBlanks() -> UnsafeBufferPointer<UInt8> {
        guard var start = baseAddress else { return self }
        var end = start + count
        while start < end {
            if start.pointee == 0x20 || start.pointee == 0x09 { start += 1; continue }
            if end - start >= 3 && start[0] == 0xE3 && start[1] == 0x80 && start[2] == 0x80 { start += 3; continue }
            break
        }
        while end > start {
            if end[-1] == 0x20 || end[-1] == 0x09 { end -= 1; continue }
            if end - start >= 3 && end[-3] == 0xE3 && end[-2] == 0x80 && end[-1] == 0x80 { end -= 3; continue }
            break
        }
        return UnsafeBufferPointer(start: start, count: end - start)
    }
}
