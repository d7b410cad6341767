/// A text with a Japanese and an optional English version, as instruments and catalogues carry them.
public struct LocalizedText: Hashable, Sendable, Codable {
    /// The Japanese text, always present.
    public var ja: String
    /// The English text; falls back to Japanese when absent.
    public var en: String?

    public init(ja: String, en: String? = nil) {
        self.ja = ja
        self.en = en
    }

    /// The text in the given language, or the Japanese text when there is no translation.
    public func text(in language: Language) -> String {
        switch language {
        case .ja: return ja
        case .en: return en ?? ja
        }
    }
}

/// The language of messages, reports and labels.
public enum Language: String, Sendable, CaseIterable, Codable {
    case ja
    case en
}

/// The identifier of a survey (an instrument's `id`, such as `lwc` or `staff-dx`).
public struct SurveyID: RawRepresentable, Hashable, Sendable, Comparable, CustomStringConvertible, Codable {
    public var rawValue: String
    public init(rawValue: String) { self.rawValue = rawValue }
    public init(_ rawValue: String) { self.rawValue = rawValue }
    public var description: String { rawValue }
    public static func < (a: Self, b: Self) -> Bool { a.rawValue < b.rawValue }
}

/// A survey period label such as `2025` or `2025H1`.
public struct PeriodLabel: RawRepresentable, Hashable, Sendable, Comparable, CustomStringConvertible, Codable {
    public var rawValue: String
    public init(rawValue: String) { self.rawValue = rawValue }
    public init(_ rawValue: String) { self.rawValue = rawValue }
    public var description: String { rawValue }
    public static func < (a: Self, b: Self) -> Bool { a.rawValue < b.rawValue }
}

/// The name of a group that a report compares: a district for the citizen survey, a staff tier for the
/// staff survey. Nothing assumes that a group is a place.
public struct GroupName: RawRepresentable, Hashable, Sendable, Comparable, CustomStringConvertible, Codable {
    public var rawValue: String
    public init(rawValue: String) { self.rawValue = rawValue }
    public init(_ rawValue: String) { self.rawValue = rawValue }
    public var description: String { rawValue }
    public static func < (a: Self, b: Self) -> Bool { a.rawValue < b.rawValue }
}

/// The identifier of an indicator: a category id (`c01`) or a headline item id (`life_satisfaction`).
public struct IndicatorID: RawRepresentable, Hashable, Sendable, Comparable, CustomStringConvertible, Codable {
    public var rawValue: String
    public init(rawValue: String) { self.rawValue = rawValue }
    public init(_ rawValue: String) { self.rawValue = rawValue }
    public var description: String { rawValue }
    public static func < (a: Self, b: Self) -> Bool { a.rawValue < b.rawValue }
}

/// The identifier of one question of an instrument (`q01`).
public struct ItemID: RawRepresentable, Hashable, Sendable, Comparable, CustomStringConvertible, Codable {
    public var rawValue: String
    public init(rawValue: String) { self.rawValue = rawValue }
    public init(_ rawValue: String) { self.rawValue = rawValue }
    public var description: String { rawValue }
    public static func < (a: Self, b: Self) -> Bool { a.rawValue < b.rawValue }
}

/// The identifier of a KPI (objective indicator) in a catalogue.
public struct KPIID: RawRepresentable, Hashable, Sendable, Comparable, CustomStringConvertible, Codable {
    public var rawValue: String
    public init(rawValue: String) { self.rawValue = rawValue }
    public init(_ rawValue: String) { self.rawValue = rawValue }
    public var description: String { rawValue }
    public static func < (a: Self, b: Self) -> Bool { a.rawValue < b.rawValue }
}
