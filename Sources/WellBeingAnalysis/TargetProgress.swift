import Foundation
import WellBeingCore

/// Where an estimate stands against its target, given the survey's uncertainty (DESIGN §23).
public enum TargetStatus: String, Sendable, Hashable, Encodable, CaseIterable {
    /// The whole 95 % interval lies beyond the target, on the side the plan wants (a KPI: its value reaches it).
    case achieved
    /// The whole interval lies short of the target (a KPI: its value does not reach it).
    case notAchieved = "not_achieved"
    /// The interval contains the target, an end exactly on it included: the survey cannot tell.
    case notDistinguishable = "not_distinguishable"
    /// There is no estimate to compare (withheld, not asked, no value); `reason` says why.
    case noEstimate = "no_estimate"
}

/// Why a target has no estimate.
public enum NoEstimateReason: String, Sendable, Hashable, Encodable {
    /// Fewer than `min_n` respondents answered: withheld.
    case withheld
    /// Withheld to protect another group's withheld value (secondary suppression).
    case withheldSecondary = "withheld_secondary"
    /// Nobody answered the question in this group.
    case noAnswers = "no_answers"
    /// The store has no responses for the period.
    case noResponses = "no_responses"
    /// No 偏差値 for this row: the whole area has one only against imported reference figures, and the groups need
    /// at least two with estimates.
    case noDeviation = "no_deviation"
    /// The estimate has no standard error (a single respondent), so no interval.
    case noStandardError = "no_standard_error"
    /// The KPI has no value for this group and period.
    case noKPIValue = "no_kpi_value"
    /// KPI values are by group: the whole area has none.
    case kpiWholeArea = "kpi_whole_area"
}

/// Something the reader of a target's row should know.
public enum TargetNote: Sendable, Hashable {
    /// A KPI has no standard error: its value is compared with the target as it is.
    case kpiComparedAsIs
    /// A 偏差値 is relative to the groups of the same period, or to the imported reference figures: it moves when
    /// they move, whatever the city does.
    case deviationMoves(basis: String)
    /// The instrument version changed between the baseline and the period.
    case instrumentChanged(from: String, to: String)
    /// How the questionnaires came back changed between the baseline and the period (`field`: 回答方法).
    case modeChanged(field: String, from: String, to: String)
    /// The baseline period has no estimate for this row (no responses, withheld, no value).
    case noBaseline(period: String)
    /// The target equals the baseline: progress is not defined.
    case targetIsBaseline
    /// Fewer than 30 respondents: shown, but to be read with care.
    case unstable

    /// The note in `language`.
    public func text(in language: Language) -> String {
        switch self {
        case .kpiComparedAsIs: Message(.targetNoteKPI).text(in: language)
        case let .deviationMoves(basis):
            Message(basis == "reference" ? .targetNoteDeviationReference : .targetNoteDeviationGroups).text(in: language)
        case let .instrumentChanged(from, to): Message(.targetNoteInstrument, ["from": from, "to": to]).text(in: language)
        case let .modeChanged(field, from, to): Message(.targetNoteMode, ["field": field, "from": from, "to": to]).text(in: language)
        case let .noBaseline(period): Message(.targetNoteNoBaseline, ["period": period]).text(in: language)
        case .targetIsBaseline: Message(.targetNoteTargetIsBaseline).text(in: language)
        case .unstable: Message(.noteUnstable).text(in: language)
        }
    }
}

/// One target in one domain (the whole area, a group, or a `--by` domain): the estimate, its interval, the
/// baseline, the status and the progress.
public struct TargetProgressRow: Sendable, Hashable, Encodable {
    public var target: PlanTarget
    /// The domain: nil for the whole area.
    public var group: GroupName?
    /// The respondent fields of the domain when it is not the instrument's group (`--by 年代`).
    public var breakdown: String?
    /// Respondents with an answer; nil for a KPI.
    public var n: Int?
    public var estimate: Double?
    public var standardError: Double?
    public var confidenceLow: Double?
    public var confidenceHigh: Double?
    /// The baseline period's estimate in the same domain, on the same measure.
    public var baseline: Double?
    public var status: TargetStatus
    public var reason: NoEstimateReason?
    /// (estimate − baseline) / (target − baseline): 0 at the baseline, 1 at the target.
    public var progress: Double?
    /// The trend's SE of the difference divided by |target − baseline|.
    public var progressStandardError: Double?
    public var notes: [TargetNote]

    enum CodingKeys: String, CodingKey {
        case indicator, plan, period, target, direction, measure, group, by, n, estimate, se, ciLow = "ci_low", ciHigh = "ci_high",
             baseline, baselinePeriod = "baseline_period", status, reason, progress, progressSE = "progress_se", notes
    }

    public func encode(to encoder: Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(target.indicator, forKey: .indicator)
        try container.encode(target.plan.isEmpty ? nil : target.plan, forKey: .plan)
        try container.encode(target.period.rawValue, forKey: .period)
        try container.encode(target.target, forKey: .target)
        try container.encode(target.direction.rawValue, forKey: .direction)
        try container.encode(target.measure.rawValue, forKey: .measure)
        try container.encode(group?.rawValue, forKey: .group)
        try container.encodeIfPresent(breakdown, forKey: .by)
        try container.encode(n, forKey: .n)
        try container.encode(estimate, forKey: .estimate)
        try container.encode(standardError, forKey: .se)
        try container.encode(confidenceLow, forKey: .ciLow)
        try container.encode(confidenceHigh, forKey: .ciHigh)
        try container.encode(baseline, forKey: .baseline)
        try container.encode(target.baselinePeriod?.rawValue, forKey: .baselinePeriod)
        try container.encode(status.rawValue, forKey: .status)
        try container.encode(reason?.rawValue, forKey: .reason)
        try container.encode(progress, forKey: .progress)
        try container.encode(progressStandardError, forKey: .progressSE)
        try container.encode(notes.map { $0.text(in: .en) }, forKey: .notes)
    }
}

/// What is known about a period apart from its estimates: the instrument versions its answers were imported with,
/// and how the questionnaires came back.
public struct PeriodFacts: Sendable {
    public var instrumentVersions: [String]
    /// Per response-mode field (回答方法): each mode's share of the respondents (unweighted), in value order.
    public var modeShares: [String: [(mode: String, share: Double)]]

    public init(instrumentVersions: [String], modeShares: [String: [(mode: String, share: Double)]] = [:]) {
        self.instrumentVersions = instrumentVersions
        self.modeShares = modeShares
    }

    /// The shares of each response mode in `matrix` (fields the instrument marks `response_mode`).
    public static func modeShares(of matrix: ResponseMatrix) -> [String: [(mode: String, share: Double)]] {
        var shares: [String: [(mode: String, share: Double)]] = [:]
        for (position, attribute) in matrix.instrument.respondent.attributes.enumerated() where attribute.isResponseMode {
            guard position < matrix.attributeCodes.count, matrix.respondentCount > 0 else { continue }
            var counts = [Int](repeating: 0, count: matrix.attributeValues[position].count)
            for code in matrix.attributeCodes[position] where code >= 0 && Int(code) < counts.count { counts[Int(code)] += 1 }
            shares[attribute.column.name] = zip(matrix.attributeValues[position], counts)
                .filter { !$0.0.isEmpty }
                .map { ($0.0, Double($0.1) / Double(matrix.respondentCount)) }
        }
        return shares
    }

}

/// Compares a plan's targets with the estimates (DESIGN §23). Pure: the caller hands in every period's results.
public enum TargetProgress {
    /// A change of this many percentage points in any response mode's share counts as a change of survey mode.
    public static let modeShiftThreshold = 0.10

    /// The status of an estimate whose 95 % interval is [low, high] against `target`.
    ///
    /// `achieved` when the whole interval lies strictly beyond the target on the wanted side, `not_achieved` when it
    /// lies strictly short of it, and `not_distinguishable` otherwise: an interval with an end exactly on the target
    /// contains it.
    public static func status(low: Double, high: Double, target: Double, direction: PlanTarget.Direction) -> TargetStatus {
        switch direction {
        case .higher: low > target ? .achieved : high < target ? .notAchieved : .notDistinguishable
        case .lower: high < target ? .achieved : low > target ? .notAchieved : .notDistinguishable
        }
    }

    /// The status of a KPI value, which has no standard error: reaching the target exactly counts as achieved.
    public static func kpiStatus(value: Double, target: Double, direction: PlanTarget.Direction) -> TargetStatus {
        switch direction {
        case .higher: value >= target ? .achieved : .notAchieved
        case .lower: value <= target ? .achieved : .notAchieved
        }
    }

    /// (estimate − baseline) / (target − baseline), and its SE: the SE of the difference as `wellbeing trend`
    /// computes it (`TrendAnalysis.change`), divided by |target − baseline| (the distance to go is taken as fixed).
    /// Nil when the target equals the baseline; the SE is nil when either side has none.
    public static func progress(estimate: (value: Double, se: Double?), baseline: (value: Double, se: Double?),
                                target: Double) -> (progress: Double?, se: Double?) {
        let distance = target - baseline.value
        guard distance != 0 else { return (nil, nil) }
        let progress = (estimate.value - baseline.value) / distance
        guard let seNow = estimate.se, let seBefore = baseline.se else { return (progress, nil) }
        let change = TrendAnalysis.change(from: (baseline.value, seBefore), to: (estimate.value, seNow))
        return (progress, change.se / abs(distance))
    }

    /// Everything a set of targets is compared with.
    public struct Inputs: Sendable {
        /// Each period's results by the instrument's groups (the whole area included); a period without responses
        /// is absent.
        public var results: [PeriodLabel: IndicatorResults]
        /// Each period's results by the `--by` fields, when asked.
        public var breakdownResults: [PeriodLabel: IndicatorResults]
        /// KPI values by period.
        public var kpiValues: [PeriodLabel: [KPIValue]]
        /// Instrument versions and response modes by period.
        public var facts: [PeriodLabel: PeriodFacts]

        public init(results: [PeriodLabel: IndicatorResults], breakdownResults: [PeriodLabel: IndicatorResults] = [:],
                    kpiValues: [PeriodLabel: [KPIValue]] = [:], facts: [PeriodLabel: PeriodFacts] = [:]) {
            self.results = results
            self.breakdownResults = breakdownResults
            self.kpiValues = kpiValues
            self.facts = facts
        }
    }

    /// One row per target and domain: the whole area (or the target's own group), then with `eachGroup` every group
    /// of the period, then every domain of the breakdown results.
    public static func evaluate(_ targets: [PlanTarget], inputs: Inputs, eachGroup: Bool = false) -> [TargetProgressRow] {
        var rows: [TargetProgressRow] = []
        for target in targets {
            let current = inputs.results[target.period]
            var domains: [(group: GroupName?, breakdown: Bool)] = [(target.group, false)]
            if target.group == nil {
                if eachGroup {
                    let groups = target.isKPI ? kpiGroups(inputs.kpiValues[target.period] ?? [], order: current?.groups ?? [])
                        : current?.groups ?? []
                    domains += groups.map { ($0, false) }
                }
                if !target.isKPI, let breakdown = inputs.breakdownResults[target.period] {
                    domains += breakdown.groups.map { ($0, true) }
                }
            }
            let notes = periodNotes(target, inputs: inputs)
            for domain in domains {
                var row = target.isKPI ? kpiRow(target, group: domain.group, inputs: inputs)
                    : surveyRow(target, group: domain.group, inputs: inputs, breakdown: domain.breakdown)
                row.notes = notes + row.notes
                rows.append(row)
            }
        }
        return rows
    }

    /// The groups with KPI values, in the survey's group order, then any others sorted.
    private static func kpiGroups(_ values: [KPIValue], order: [GroupName]) -> [GroupName] {
        let present = Set(values.map(\.group))
        return order.filter(present.contains) + present.subtracting(order).sorted { $0.rawValue < $1.rawValue }
    }

    /// Warnings that hold for every domain of a target: the instrument or the survey mode changed since the baseline.
    static func periodNotes(_ target: PlanTarget, inputs: Inputs) -> [TargetNote] {
        var notes: [TargetNote] = []
        if target.measure == .deviation, !target.isKPI {
            notes.append(.deviationMoves(basis: inputs.results[target.period]?.deviationBasis[IndicatorID(target.indicator)] ?? "groups"))
        }
        guard !target.isKPI, let baseline = target.baselinePeriod,
              let before = inputs.facts[baseline], let now = inputs.facts[target.period] else { return notes }
        if before.instrumentVersions != now.instrumentVersions, !before.instrumentVersions.isEmpty, !now.instrumentVersions.isEmpty {
            notes.append(.instrumentChanged(from: before.instrumentVersions.joined(separator: ", "),
                                            to: now.instrumentVersions.joined(separator: ", ")))
        }
        for field in Set(before.modeShares.keys).union(now.modeShares.keys).sorted() {
            // A period whose file did not say how questionnaires came back tells nothing about a change.
            let a = before.modeShares[field] ?? [], b = now.modeShares[field] ?? []
            guard !a.isEmpty, !b.isEmpty else { continue }
            let modes = Set(a.map(\.mode)).union(b.map(\.mode))
            let shifted = modes.contains { mode in
                abs((a.first { $0.mode == mode }?.share ?? 0) - (b.first { $0.mode == mode }?.share ?? 0)) >= modeShiftThreshold
            }
            if shifted { notes.append(.modeChanged(field: field, from: describe(a), to: describe(b))) }
        }
        return notes
    }

    private static func describe(_ shares: [(mode: String, share: Double)]) -> String {
        shares.isEmpty ? "—" : shares.map { "\($0.mode) \(Int(($0.share * 100).rounded()))%" }.joined(separator: ", ")
    }

    /// A survey indicator's row: the estimate on the target's measure, its interval, status and progress.
    static func surveyRow(_ target: PlanTarget, group: GroupName?, inputs: Inputs, breakdown: Bool) -> TargetProgressRow {
        let source = breakdown ? inputs.breakdownResults : inputs.results
        var row = TargetProgressRow(target: target, group: group, breakdown: breakdown ? source[target.period]?.breakdown?.specification : nil,
                                    n: nil, estimate: nil, standardError: nil, confidenceLow: nil, confidenceHigh: nil, baseline: nil,
                                    status: .noEstimate, reason: nil, progress: nil, progressStandardError: nil, notes: [])
        guard let results = source[target.period] else {
            row.reason = .noResponses
            return row
        }
        let id = IndicatorID(target.indicator)
        guard let estimate = results.estimate(id, group: group) else {
            row.reason = .noAnswers
            return row
        }
        row.n = estimate.n
        let measured = measure(estimate, target.measure)
        guard case let .success(value) = measured else {
            if case let .failure(reason) = measured { row.reason = reason.reason }
            return row
        }
        if estimate.unstable { row.notes.append(.unstable) }
        row.estimate = value.value
        row.standardError = value.se
        let low = value.value - AnalysisOptions.z975 * value.se, high = value.value + AnalysisOptions.z975 * value.se
        row.confidenceLow = low
        row.confidenceHigh = high
        row.status = status(low: low, high: high, target: target.target, direction: target.direction)
        if let period = target.baselinePeriod {
            let before = source[period]?.estimate(id, group: group)
            if let before, case let .success(base) = measure(before, target.measure) {
                row.baseline = base.value
                (row.progress, row.progressStandardError) = progress(estimate: (value.value, value.se), baseline: (base.value, base.se),
                                                                     target: target.target)
                if row.progress == nil { row.notes.append(.targetIsBaseline) }
            } else {
                row.notes.append(.noBaseline(period: period.rawValue))
            }
        }
        return row
    }

    private struct Missing: Error { var reason: NoEstimateReason }

    /// The value and SE of an estimate on `measure` (the top-2 share in percent), or why there is none.
    private static func measure(_ estimate: IndicatorEstimate,
                                _ measure: PlanTarget.Measure) -> Result<(value: Double, se: Double), Missing> {
        switch estimate.withheld {
        case .fewRespondents?: return .failure(Missing(reason: .withheld))
        case .protectsAnother?: return .failure(Missing(reason: .withheldSecondary))
        case nil: break
        }
        guard estimate.mean != nil else { return .failure(Missing(reason: .noAnswers)) }
        let pair: (Double?, Double?) = switch measure {
        case .mean, .value: (estimate.mean, estimate.standardError)
        case .top2: (estimate.topBoxShare.map { $0 * 100 }, estimate.topBoxStandardError.map { $0 * 100 })
        case .deviation: (estimate.deviation, estimate.deviationStandardError)
        }
        guard let value = pair.0 else { return .failure(Missing(reason: measure == .deviation ? .noDeviation : .noAnswers)) }
        guard let se = pair.1 else { return .failure(Missing(reason: .noStandardError)) }
        return .success((value, se))
    }

    /// A KPI's row: its value against the target as it is, and its progress without an SE.
    static func kpiRow(_ target: PlanTarget, group: GroupName?, inputs: Inputs) -> TargetProgressRow {
        var row = TargetProgressRow(target: target, group: group, breakdown: nil, n: nil, estimate: nil, standardError: nil,
                                    confidenceLow: nil, confidenceHigh: nil, baseline: nil, status: .noEstimate, reason: nil,
                                    progress: nil, progressStandardError: nil, notes: [.kpiComparedAsIs])
        guard let group else {
            row.reason = .kpiWholeArea
            return row
        }
        func value(_ period: PeriodLabel) -> Double? {
            inputs.kpiValues[period]?.first { $0.kpi.rawValue == target.indicator && $0.group == group }?.value
        }
        guard let now = value(target.period) else {
            row.reason = .noKPIValue
            return row
        }
        row.estimate = now
        row.status = kpiStatus(value: now, target: target.target, direction: target.direction)
        if let period = target.baselinePeriod {
            if let base = value(period) {
                row.baseline = base
                row.progress = progress(estimate: (now, nil), baseline: (base, nil), target: target.target).progress
                if row.progress == nil { row.notes.append(.targetIsBaseline) }
            } else {
                row.notes.append(.noBaseline(period: period.rawValue))
            }
        }
        return row
    }
}
