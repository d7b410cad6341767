import Foundation
import WellBeingAnalysis
import WellBeingCore

/// The tables and words of `wellbeing progress` and the report's 計画の目標と進捗: one layout for people, one with
/// exactly the JSON fields for machines.
public enum TargetTables {
    /// The status in words.
    public static func statusText(_ status: TargetStatus, _ language: Language) -> String {
        switch status {
        case .achieved: Message(.statusAchieved).text(in: language)
        case .notAchieved: Message(.statusNotAchieved).text(in: language)
        case .notDistinguishable: Message(.statusNotDistinguishable).text(in: language)
        case .noEstimate: Message(.statusNoEstimate).text(in: language)
        }
    }

    /// Why there is no estimate, in words.
    public static func reasonText(_ reason: NoEstimateReason, minimumN: Int, _ language: Language) -> String {
        let key: MessageKey = switch reason {
        case .withheld: .reasonWithheld
        case .withheldSecondary: .reasonWithheldSecondary
        case .noAnswers: .reasonNoAnswers
        case .noResponses: .reasonNoResponses
        case .noDeviation: .reasonNoDeviation
        case .noStandardError: .reasonNoStandardError
        case .noKPIValue: .reasonNoKPIValue
        case .kpiWholeArea: .reasonKPIWholeArea
        }
        return Message(key, ["minN": "\(minimumN)"]).text(in: language)
    }

    /// The measure in words (平均, 上位2区分 %, 偏差値, 値).
    public static func measureText(_ measure: PlanTarget.Measure, _ language: Language) -> String {
        switch measure {
        case .mean: Message(.measureMean).text(in: language)
        case .top2: Message(.measureTop2).text(in: language)
        case .deviation: Message(.measureDeviation).text(in: language)
        case .value: Message(.measureValue).text(in: language)
        }
    }

    /// `以上` / `以下`, `higher` / `lower`.
    public static func directionText(_ direction: PlanTarget.Direction, _ language: Language) -> String {
        Message(direction == .higher ? .directionHigher : .directionLower).text(in: language)
    }

    /// Decimals for a measure's figures: 2 on an answer scale, 1 for percentages and 偏差値, 2 for KPI values.
    public static func decimals(_ measure: PlanTarget.Measure) -> Int {
        switch measure {
        case .mean, .value: 2
        case .top2, .deviation: 1
        }
    }

    /// A row's notes and reason, in words.
    public static func noteText(_ row: TargetProgressRow, minimumN: Int, _ language: Language) -> String {
        let reason = row.reason.map { [reasonText($0, minimumN: minimumN, language)] } ?? []
        return (reason + row.notes.map { $0.text(in: language) }).joined(separator: language == .ja ? "。" : "; ")
    }

    /// The name of a target's indicator: the instrument's, the KPI catalogue's, or its id.
    public static func indicatorName(_ id: String, instrument: Instrument, catalog: KPICatalog?, _ language: Language) -> String {
        if let kpi = catalog?.kpis.first(where: { $0.id.rawValue == id }) { return kpi.name.text(in: language) }
        return instrument.indicatorName(IndicatorID(id), in: language)
    }

    /// The JSON fields of each row.
    public static func progressCSV(_ rows: [TargetProgressRow], minimumN: Int) -> ResultTable {
        ResultTable(headers: ["plan", "indicator", "measure", "period", "group", "by", "target", "direction", "n", "estimate", "se",
                              "ci_low", "ci_high", "baseline", "baseline_period", "status", "reason", "progress", "progress_se", "notes"],
                    rows: rows.map { row in
                        let places = decimals(row.target.measure) + 2
                        return [.text(row.target.plan), .text(row.target.indicator), .text(row.target.measure.rawValue),
                                .text(row.target.period.rawValue), .text(row.group?.rawValue ?? ""), .text(row.breakdown ?? ""),
                                .number(row.target.target, decimals: places), .text(row.target.direction.rawValue), .integer(row.n),
                                .number(row.estimate, decimals: places), .number(row.standardError, decimals: places + 1),
                                .number(row.confidenceLow, decimals: places), .number(row.confidenceHigh, decimals: places),
                                .number(row.baseline, decimals: places), .text(row.target.baselinePeriod?.rawValue ?? ""),
                                .text(row.status.rawValue), .text(row.reason?.rawValue ?? ""), .number(row.progress, decimals: 3),
                                .number(row.progressStandardError, decimals: 3),
                                .text(row.notes.map { $0.text(in: .en) }.joined(separator: "; "))]
                    })
    }

    /// The rows for a terminal: names, rounded figures, the interval in one column, status and notes in words.
    public static func progressText(_ rows: [TargetProgressRow], instrument: Instrument, catalog: KPICatalog?, minimumN: Int,
                                    language: Language) -> ResultTable {
        ResultTable(headers: ResultTables.headers([.colPlan, .colGroup, .colIndicator, .colName, .colMeasure, .colBaseline,
                                                   .colEstimate, .colCI, .colTarget, .colStatus, .colProgress, .colNote], language),
                    rows: rows.map { row in
                        let places = decimals(row.target.measure)
                        let interval = row.confidenceLow.flatMap { low in
                            row.confidenceHigh.map { "\(ResultTable.fixed(low, decimals: places))–\(ResultTable.fixed($0, decimals: places))" }
                        } ?? "—"
                        let progress = row.progress.map { value in
                            ReportText.percent(value) + (row.progressStandardError.map { " ± " + ReportText.percent(AnalysisOptions.z975 * $0) } ?? "")
                        } ?? "—"
                        let group = row.group.map { (row.breakdown.map { "\($0): " } ?? "") + $0.rawValue }
                        return [.text(row.target.plan), .text(group ?? ResultTables.groupText(nil, language)),
                                .text(row.target.indicator),
                                .text(indicatorName(row.target.indicator, instrument: instrument, catalog: catalog, language)),
                                .text(measureText(row.target.measure, language)),
                                .text(row.baseline.map { ResultTable.fixed($0, decimals: places) + " (\(row.target.baselinePeriod!.rawValue))" } ?? "—"),
                                .number(row.estimate, decimals: places), .text(interval),
                                .text(ResultTable.fixed(row.target.target, decimals: places) + " " + directionText(row.target.direction, language)),
                                .text(statusText(row.status, language)), .text(progress),
                                .text(noteText(row, minimumN: minimumN, language))]
                    })
    }

    /// The counts of each status, for the summary line.
    public static func summary(_ rows: [TargetProgressRow]) -> Message {
        func count(_ status: TargetStatus) -> String { "\(rows.filter { $0.status == status }.count)" }
        return Message(.progressSummary, ["count": "\(rows.count)", "achieved": count(.achieved), "notAchieved": count(.notAchieved),
                                          "unclear": count(.notDistinguishable), "none": count(.noEstimate)])
    }
}
