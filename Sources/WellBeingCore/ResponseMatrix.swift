/// The answers of one survey and period held compactly in memory: one byte per answer, row-major,
/// with groups and attributes as small integer codes. Analysis runs over this, never over the store.
public struct ResponseMatrix: Sendable {
    public var instrument: Instrument
    public var period: PeriodLabel
    /// The groups present, in report order (the instrument's order, then any others sorted).
    public var groups: [GroupName]
    /// Each respondent's group, as a position in `groups`.
    public var groupCodes: [Int32]
    /// For each attribute of the instrument: the distinct values seen, sorted.
    public var attributeValues: [[String]]
    /// For each attribute: each respondent's value as a position in `attributeValues[a]`.
    public var attributeCodes: [[Int32]]
    /// Each respondent's design weight, when every respondent has one.
    public var designWeights: [Double]?
    /// `respondentCount × instrument.items.count` bytes: 0 = missing, otherwise answer + 1.
    public var answers: [UInt8]
    public var respondentCount: Int

    public init(instrument: Instrument, period: PeriodLabel, groups: [GroupName], groupCodes: [Int32],
                attributeValues: [[String]], attributeCodes: [[Int32]], designWeights: [Double]?,
                answers: [UInt8], respondentCount: Int) {
        self.instrument = instrument
        self.period = period
        self.groups = groups
        self.groupCodes = groupCodes
        self.attributeValues = attributeValues
        self.attributeCodes = attributeCodes
        self.designWeights = designWeights
        self.answers = answers
        self.respondentCount = respondentCount
    }

    /// The answer of respondent `row` to item `item` (position in `instrument.items`), or nil if missing.
    @inline(__always)
    public func answer(row: Int, item: Int) -> Int? {
        let code = answers[row * instrument.items.count + item]
        return code == 0 ? nil : Int(code) - 1
    }
}
