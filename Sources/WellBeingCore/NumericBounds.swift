/// The bounds of the numbers the tool reads from files, chosen so that no sum, square, ratio or conversion
/// to a whole number made of them can overflow or become infinite, and wide enough for every real figure.
///
/// Each is checked where the number is read (the file's line or cell is named) and again where a stored
/// number is loaded (a store written before the bound existed names the batch to take back).
public enum NumericBounds {
    /// A count of people — a population cell, a number drawn into the sample, a design weight: at most two
    /// billion, more than any country has.
    public static let people: Double = 2_000_000_000
    /// The smallest design weight above 0: one billionth (squares of weights stay far from underflow).
    public static let smallestWeight: Double = 1e-9
    /// A KPI value or a reference mean or standard deviation: at most 10^15 in magnitude.
    public static let magnitude: Double = 1e15
    /// The smallest reference standard deviation: one billionth (a deviation score divides by it).
    public static let smallestSpread: Double = 1e-9

    /// The bound of `people` as the messages show it.
    public static let peopleText = "2,000,000,000"
    public static let smallestWeightText = "0.000000001"
    public static let magnitudeText = "1,000,000,000,000,000"
    public static let smallestSpreadText = "0.000000001"

    /// Whether `count` is a count of people within the bounds (0 to `people`).
    public static func isPeopleCount(_ count: Double) -> Bool { count.isFinite && count >= 0 && count <= people }

    /// Whether `weight` is a design weight within the bounds: 0, or from `smallestWeight` to `people`.
    public static func isWeight(_ weight: Double) -> Bool {
        weight.isFinite && (weight == 0 || (weight >= smallestWeight && weight <= people))
    }

    /// Whether `value` is a KPI value or a reference mean within the bounds.
    public static func isMagnitude(_ value: Double) -> Bool { value.isFinite && abs(value) <= magnitude }

    /// Whether `spread` is a reference standard deviation within the bounds.
    public static func isSpread(_ spread: Double) -> Bool { spread.isFinite && spread >= smallestSpread && spread <= magnitude }
}

extension Message {
    /// A count of people beyond `NumericBounds.people`.
    public static var countTooLarge: Message { Message(.countTooLarge, ["limit": NumericBounds.peopleText]) }
    /// A KPI value or reference mean beyond `NumericBounds.magnitude`.
    public static var numberTooLarge: Message { Message(.numberTooLarge, ["limit": NumericBounds.magnitudeText]) }
    /// A reference standard deviation outside `NumericBounds.smallestSpread`…`magnitude`.
    public static var spreadOutside: Message {
        Message(.spreadOutside, ["smallest": NumericBounds.smallestSpreadText, "limit": NumericBounds.magnitudeText])
    }
    /// A design weight outside 0 or `NumericBounds.smallestWeight`…`people`.
    public static var weightOutside: Message {
        Message(.weightOutside, ["smallest": NumericBounds.smallestWeightText, "limit": NumericBounds.peopleText])
    }
}
