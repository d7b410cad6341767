import Foundation
import WellBeingCore

/// Matches CSV header cells to an instrument's columns by name, alias or question text.
///
/// Headers are compared after Unicode compatibility normalisation (full-width letters and digits become
/// half-width), with surrounding blanks removed, runs of white space (including the line breaks Google
/// Forms puts in long titles) folded to one space, and letter case ignored.
public enum HeaderMatcher {
    /// The comparable form of a header text.
    public static func normalize(_ header: String) -> String {
        let folded = header.precomposedStringWithCompatibilityMapping
            .replacingOccurrences(of: "\u{FEFF}", with: "")
            .split(whereSeparator: { $0.isWhitespace })
            .joined(separator: " ")
        return folded.lowercased()
    }

    /// The header texts that identify a column: its name and aliases, and for items the question text.
    public static func keys(for column: FieldColumn, questionText: LocalizedText? = nil) -> [String] {
        var texts = [column.name] + column.aliases
        if let questionText {
            texts.append(questionText.ja)
            if let english = questionText.en { texts.append(english) }
        }
        return texts.map(normalize)
    }
}
