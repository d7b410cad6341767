/// The first and last calendar day on which the respondents of one period answered, read from the answers'
/// timestamps (a period taken `from: year` of a date column); the report states them as the fieldwork dates
/// when the instrument's `report:` block does not.
public struct AnsweredDays: Sendable, Hashable {
    /// ISO dates, `2025-09-01`.
    public var first: String
    public var last: String

    public init(first: String, last: String) {
        self.first = first
        self.last = last
    }

    /// Both ends from days written `yyyymmdd`.
    public init(firstDay: Int, lastDay: Int) {
        self.init(first: Self.iso(firstDay), last: Self.iso(lastDay))
    }

    /// `20250901` → `2025-09-01`.
    public static func iso(_ day: Int) -> String {
        let year = day / 10_000, month = day / 100 % 100, date = day % 100
        return String(year) + "-" + (month < 10 ? "0" : "") + String(month) + "-" + (date < 10 ? "0" : "") + String(date)
    }

    /// The calendar day a timestamp cell begins with, as `yyyymmdd`: `2025-09-01 10:00`, `2025/9/1 10:00:00`,
    /// `2025.09.01`, `2025年9月1日`. Nil for anything else (a year alone, an Excel serial, an impossible date):
    /// the period still comes from the year; only the fieldwork dates go unread.
    public static func day(fromTimestamp bytes: some Collection<UInt8>) -> Int? {
        var numbers: [Int] = []
        var current = 0, digits = 0
        var iterator = bytes.makeIterator()
        while let byte = iterator.next() {
            if byte >= 0x30 && byte <= 0x39 {
                current = current * 10 + Int(byte - 0x30)
                digits += 1
                if digits > (numbers.isEmpty ? 4 : 2) { return nil }
                continue
            }
            // The year has four digits, month and day one or two.
            guard numbers.isEmpty ? digits == 4 : digits > 0 else { return nil }
            numbers.append(current)
            (current, digits) = (0, 0)
            if numbers.count == 3 { break }   // what follows the day (a time, 日) does not matter
            // A separator: '-', '/', '.', or 年 / 月 (E5 B9 B4, E6 9C 88 in UTF-8).
            switch byte {
            case UInt8(ascii: "-"), UInt8(ascii: "/"), UInt8(ascii: "."): continue
            case 0xE5: guard iterator.next() == 0xB9, iterator.next() == 0xB4 else { return nil }
            case 0xE6: guard iterator.next() == 0x9C, iterator.next() == 0x88 else { return nil }
            default: return nil
            }
        }
        if numbers.count == 2 && digits > 0 { numbers.append(current) }
        guard numbers.count == 3 else { return nil }
        let (year, month, date) = (numbers[0], numbers[1], numbers[2])
        guard (1900...9999).contains(year), (1...12).contains(month), date >= 1 else { return nil }
        let leap = year % 4 == 0 && (year % 100 != 0 || year % 400 == 0)
        let lengths = [31, leap ? 29 : 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31]
        guard date <= lengths[month - 1] else { return nil }
        return year * 10_000 + month * 100 + date
    }
}
