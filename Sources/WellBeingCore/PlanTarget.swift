/// A target of a plan (DESIGN §23): an indicator, the value it should reach by a period, and which way is better.
///
/// The indicator is a category, a headline item, a single question, or a KPI. A survey indicator's target is on
/// one of its measures (the mean on the answer scale, the top-2 share in percent, or the 偏差値); a KPI's is on
/// the KPI's own values and unit.
public struct PlanTarget: Sendable, Hashable {
    /// The scale a target is written on.
    public enum Measure: String, Sendable, Hashable, CaseIterable, Codable {
        /// The weighted mean on the indicator's answer scale (1–5, 0–10).
        case mean
        /// The top-2 share, in percent (0–100), as plans write "% satisfied".
        case top2
        /// The deviation score (偏差値), 50 ± 10, against the groups or the imported reference figures.
        case deviation
        /// A KPI's value as imported, in its unit; it has no standard error.
        case value
    }

    /// Which side of the target is the goal.
    public enum Direction: String, Sendable, Hashable, CaseIterable, Codable {
        /// The estimate should reach the target or more.
        case higher
        /// The estimate should come down to the target or less.
        case lower
    }

    /// A category id, headline item id, item id or KPI id.
    public var indicator: String
    public var measure: Measure
    /// The group the target is for (a district); nil for the whole area.
    public var group: GroupName?
    /// The period by which the target should be met.
    public var period: PeriodLabel
    /// The period whose estimate is the starting point; nil when the plan gives none.
    public var baselinePeriod: PeriodLabel?
    /// The target value, on `measure`'s scale.
    public var target: Double
    public var direction: Direction
    /// The plan's name as the file gives it ("第2期総合計画"); empty when not given.
    public var plan: String

    public init(indicator: String, measure: Measure, group: GroupName? = nil, period: PeriodLabel,
                baselinePeriod: PeriodLabel?, target: Double, direction: Direction, plan: String = "") {
        self.indicator = indicator
        self.measure = measure
        self.group = group
        self.period = period
        self.baselinePeriod = baselinePeriod
        self.target = target
        self.direction = direction
        self.plan = plan
    }

    /// Whether the target is on a KPI.
    public var isKPI: Bool { measure == .value }
}
