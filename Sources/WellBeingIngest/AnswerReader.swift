import Foundation
import WellBeingCore

/// Reads one answer cell against its scale: plain or full-width digits, answer labels, missing codes.
///
/// The result is the stored byte: 0 for a missing answer, otherwise the answer plus one.
struct AnswerReader {
    enum Outcome: Equatable {
        case value(UInt8)
        case invalid(Message)
    }

    private let minimum: Int
    private let maximum: Int
    /// Normalised label or missing-code text → stored byte (0 for missing).
    private let texts: [String: UInt8]
    private let numericMissing: Set<Int>
    private let scaleDescription: String
    /// For every number 0…999: the stored byte (0 for a missing code), or −1 when out of range.
    let codeOfNumber: [Int16]

    init(scale: AnswerScale) {
        minimum = scale.minimum
        maximum = scale.maximum
        var texts: [String: UInt8] = [:]
        for (value, label) in scale.labels {
            texts[Self.normalize(label.ja)] = UInt8(value + 1)
            if let english = label.en { texts[Self.normalize(english)] = UInt8(value + 1) }
        }
        var numericMissing: Set<Int> = []
        for code in scale.missingCodes {
            let normalized = Self.normalize(code)
            if let number = Int(normalized) { numericMissing.insert(number) } else { texts[normalized] = 0 }
        }
        self.texts = texts
        self.numericMissing = numericMissing
        codeOfNumber = (0..<1000).map { value in
            if numericMissing.contains(value) { return 0 }
            return (scale.minimum...scale.maximum).contains(value) ? Int16(value + 1) : -1
        }
        let labelled = scale.labels.keys.sorted().compactMap { value in scale.labels[value].map { "\(value) \($0.ja)" } }
        scaleDescription = "\(scale.minimum)–\(scale.maximum)"
            + (labelled.isEmpty ? "" : " (" + labelled.joined(separator: ", ") + ")")
    }

    /// Compatibility-normalised, trimmed, lower-cased: １ → 1, ＡＢＣ → abc.
    static func normalize(_ text: String) -> String {
        text.precomposedStringWithCompatibilityMapping.trimmingCharacters(in: .whitespacesAndNewlines).lowercased()
    }

    @inline(__always)
    func read(_ bytes: UnsafeBufferPointer<UInt8>) -> Outcome {
        // Fast path: one to three ASCII digits.
        if bytes.isEmpty { return .value(0) }
        if let parsed = Self.smallNumber(bytes) {
            let code = codeOfNumber[parsed]
            return code >= 0 ? .value(UInt8(code)) : .invalid(Message(.outsideRange, ["min": "\(minimum)", "max": "\(maximum)"]))
        }
        return readText(String(decoding: bytes, as: UTF8.self))
    }

    /// The value of one to three ASCII digits (an index into `codeOfNumber`), or nil for anything else.
    @inline(__always)
    static func smallNumber(_ bytes: UnsafeBufferPointer<UInt8>) -> Int? {
        guard bytes.count >= 1 && bytes.count <= 3 else { return nil }
        var parsed = 0
        for byte in bytes {
            if byte &- 0x30 > 9 { return nil }
            parsed = parsed * 10 + Int(byte &- 0x30)
        }
        return parsed
    }

    private func number(_ value: Int) -> Outcome {
        if numericMissing.contains(value) { return .value(0) }
        if value < minimum || value > maximum { return .invalid(Message(.outsideRange, ["min": "\(minimum)", "max": "\(maximum)"])) }
        return .value(UInt8(value + 1))
    }

    /// Reads a cell that is not one to three ASCII digits.
    func readText(_ raw: String) -> Outcome {
        let text = Self.normalize(raw)
        if text.isEmpty { return .value(0) }
        if let code = texts[text] { return .value(code) }
        if let integer = Int(text) { return number(integer) }
        // Plain decimals only ("3.0" from Excel); no exponents, hex or infinities.
        if text.range(of: #"^[+-]?[0-9]+\.[0-9]+$"#, options: .regularExpression) != nil, let real = Double(text) {
            if real == real.rounded() && abs(real) < 1e6 { return number(Int(real)) }
            return .invalid(Message(.notWholeNumber, ["min": "\(minimum)", "max": "\(maximum)"]))
        }
        return .invalid(Message(.notNumberOrLabel, ["scale": scaleDescription]))
    }
}
