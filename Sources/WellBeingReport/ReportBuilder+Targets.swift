import Foundation
import WellBeingAnalysis
import WellBeingCore

/// The plan's targets and how far they are met (計画の目標と進捗, DESIGN §23), for the report's period.
public struct ReportTargets: Sendable {
    /// One row per target (the whole area, or the target's own group).
    public var rows: [TargetProgressRow]
    /// The KPI catalogue, for the KPIs' names and units.
    public var catalog: KPICatalog?

    public init(rows: [TargetProgressRow], catalog: KPICatalog?) {
        self.rows = rows
        self.catalog = catalog
    }
}

extension ReportBuilder {
    /// The status's symbol, so that the table reads in black and white and in Markdown too.
    static func statusSymbol(_ status: TargetStatus) -> String {
        switch status {
        case .achieved: "◎"
        case .notAchieved: "×"
        case .notDistinguishable: "△"
        case .noEstimate: "－"
        }
    }

    /// The CSS class that colours a status cell in HTML.
    static func statusClass(_ status: TargetStatus) -> String {
        switch status {
        case .achieved: "st-achieved"
        case .notAchieved: "st-not-achieved"
        case .notDistinguishable: "st-unclear"
        case .noEstimate: "st-none"
        }
    }

    // MARK: 計画の目標と進捗

    /// One line per target: indicator, where, baseline, this period's estimate and interval, target, status and progress;
    /// a key to the statuses above it and the notes below it. Nothing when the period has no targets.
    func planTargets() -> [ReportDocument.Block] {
        guard let targets = input.planTargets, !targets.rows.isEmpty else { return [] }
        let language = self.language
        let minimumN = results.minimumN
        var blocks: [ReportDocument.Block] = [
            .heading(level: 2, text: t("計画の目標と進捗", "Plan targets and progress"), anchor: "plan-targets"),
            .paragraph(t("計画に掲げた目標値と、今回の調査の推定値（95%信頼区間）を比べています。調査は標本によるため推定値には誤差があり、"
                         + "区間の全体が目標値を超えたとき（「以下」の目標では下回ったとき）に限り「達成」、全体が届かないときに「未達成」とし、"
                         + "区間が目標値を含むときは「判別できない」としています。KPI は標準誤差がないため、値をそのまま目標値と比べています。",
                         "Each target of the plan beside this survey's estimate and its 95% confidence interval. A survey estimate carries "
                         + "sampling error, so a target counts as achieved only when the whole interval lies beyond it (below it, for a "
                         + "lower-is-better target), as not achieved when the whole interval falls short, and otherwise as cannot tell. "
                         + "A KPI has no standard error: its value is compared with the target as it is.")),
            .bullets(TargetStatus.allCases.map { status in
                let meaning: String = switch status {
                case .achieved: t("信頼区間の全体が目標値を超えている", "the whole interval is beyond the target")
                case .notAchieved: t("信頼区間の全体が目標値に届いていない", "the whole interval falls short of the target")
                case .notDistinguishable: t("信頼区間が目標値を含み、誤差の範囲で達成とも未達成ともいえない",
                                            "the interval contains the target: within the margin of error, it may or may not be met")
                case .noEstimate: t("推定値がない（秘匿、回答なしなど。理由は注記）", "no estimate (withheld, no answers, …; see the notes)")
                }
                return "\(Self.statusSymbol(status)) \(TargetTables.statusText(status, language))：\(meaning)"
                    .replacingOccurrences(of: "：", with: language == .ja ? "：" : ": ")
            }),
        ]
        // Notes shared by several rows (a change of survey mode) are numbered once.
        var notes: [String] = []
        func marks(_ row: TargetProgressRow) -> String {
            var texts = row.reason.map { [TargetTables.reasonText($0, minimumN: minimumN, language)] } ?? []
            texts += row.notes.map { $0.text(in: language) }
            return texts.map { text -> String in
                if !notes.contains(text) { notes.append(text) }
                return "※\(notes.firstIndex(of: text)! + 1)"
            }.joined(separator: " ")
        }
        var table = ResultTable(headers: [t("指標", "indicator"), t("対象", "area"), t("尺度", "measure"), t("基準値", "baseline"),
                                          t("今回（95%信頼区間）", "now (95% CI)"), t("目標値", "target"), t("判定", "status"),
                                          t("進捗", "progress"), t("注", "notes")])
        var classes: [[Int]: String] = [:]
        let (open, close) = language == .ja ? ("（", "）") : (" (", ")")
        for row in targets.rows {
            let places = TargetTables.decimals(row.target.measure)
            func fixed(_ value: Double) -> String { ResultTable.fixed(value, decimals: places) }
            let name = TargetTables.indicatorName(row.target.indicator, instrument: instrument, catalog: targets.catalog, language)
            // A catalogue's units are written in Japanese (人/千人); the English KPI name says its unit in words
            // ("… per 1,000 pre-school children"), so an English report shows only units without Japanese script (%, ㎡).
            let unit = (targets.catalog?.kpis.first { $0.id.rawValue == row.target.indicator }?.unit)
                .flatMap { language == .en && ReportText.hasJapaneseScript($0) ? nil : $0 }
            let now: String = row.estimate.map { value in
                fixed(value) + (row.confidenceLow.flatMap { low in row.confidenceHigh.map { "\(open)\(fixed(low))–\(fixed($0))\(close)" } } ?? "")
            } ?? "—"
            let baseline = row.baseline.map { "\(fixed($0))\(open)\(row.target.baselinePeriod?.rawValue ?? "")\(close)" } ?? "—"
            let progress = row.progress.map { value in
                ReportText.percent(value) + (row.progressStandardError.map { " ±" + ReportText.percent(AnalysisOptions.z975 * $0) } ?? "")
            } ?? "—"
            classes[[table.rows.count, 6]] = Self.statusClass(row.status)
            // Names, intervals and progress stay on one line on paper; the indicator's name is the column that wraps.
            for column in [1, 4, 7] { classes[[table.rows.count, column]] = "nowrap" }
            table.rows.append([
                .text(name), .text(groupName(row.group)),
                .text(TargetTables.measureText(row.target.measure, language) + (unit.map { "\(open)\($0)\(close)" } ?? "")),
                .text(baseline), .text(now),
                .text("\(fixed(row.target.target)) \(TargetTables.directionText(row.target.direction, language))"),
                .text("\(Self.statusSymbol(row.status)) \(TargetTables.statusText(row.status, language))"),
                .text(progress), .text(marks(row)),
            ])
        }
        table.cellClasses = classes
        table.printsSmall = true
        let plans = targets.rows.map(\.target.plan).filter { !$0.isEmpty }.reduce(into: [String]()) { if !$0.contains($1) { $0.append($1) } }
        let caption = (plans.isEmpty ? "" : plans.joined(separator: t("、", ", ")) + t("：", ": "))
            + t("\(results.period) 年の目標と進捗", "targets for \(results.period) and progress")
        blocks.append(.table(table, caption: caption, shadedFrom: nil))
        blocks.append(.paragraph(t("進捗は、基準値から目標値までの道のりのうち今回までに進んだ割合です（100% で目標値、± は 95% の誤差幅）。",
                                   "Progress is the share of the way from the baseline to the target covered so far (100% is the target; ± is the 95% margin of error).")))
        if !notes.isEmpty {
            blocks.append(.bullets(notes.enumerated().map { "※\($0.offset + 1) \($0.element)" }))
        }
        return blocks
    }
}
