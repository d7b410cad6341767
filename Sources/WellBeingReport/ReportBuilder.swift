import Foundation
import WellBeingAnalysis
import WellBeingCore

/// One imported file, as the provenance section lists it.
public struct ProvenanceEntry: Sendable, Hashable {
    public var batch: Int64
    public var kind: String
    public var fileName: String
    public var sha256: String
    public var rows: Int
    public var periods: String

    public init(batch: Int64, kind: String, fileName: String, sha256: String, rows: Int, periods: String) {
        self.batch = batch
        self.kind = kind
        self.fileName = fileName
        self.sha256 = sha256
        self.rows = rows
        self.periods = periods
    }
}

/// A mean-only benchmark stored for the survey (a national or prefectural mean), with the period it was imported for.
public struct StoredBenchmark: Sendable, Hashable {
    public var period: String
    public var indicator: String
    public var mean: Double
    public var source: String

    public init(period: String, indicator: String, mean: Double, source: String) {
        self.period = period
        self.indicator = indicator
        self.mean = mean
        self.source = source
    }
}

/// Everything a report shows, computed beforehand; building the report does no I/O and no statistics.
public struct ReportInput: Sendable {
    public var instrument: Instrument
    public var instrumentSHA256: String
    public var results: IndicatorResults
    /// The previous period's results, for the changes section.
    public var previous: IndicatorResults?
    public var comparison: [ComparisonRow]?
    public var comparisonNotes: [AnalysisNote]
    public var provenance: [ProvenanceEntry]
    /// Free-text answers to include (already chosen by the user); they are masked here.
    public var comments: [(group: GroupName, text: String)]?
    public var language: Language
    public var toolVersion: String
    /// The same period broken down by other respondent fields (年代別, 性別), one result each.
    public var breakdowns: [IndicatorResults]
    /// Who answered, by the group field and each attribute (回答者属性).
    public var profiles: [FieldProfile]
    /// Every question's answer counts (単純集計).
    public var tabulation: [ItemTabulation]
    /// Drawn, responded and the rate by stratum, when the sample sizes were imported.
    public var responseRates: [ResponseRate]
    /// The survey's district boundaries, when imported: the report then maps the headline indicators.
    public var boundaries: DistrictBoundaries?
    /// The first and last day the period's respondents answered, from their timestamps: the fieldwork dates when
    /// the instrument's `report:` block gives none.
    public var answeredDays: AnsweredDays?
    /// Indicators to map besides the headline ones (`report --maps`).
    public var mapIndicators: [IndicatorID] = []
    /// The plan's targets for the period and their progress (計画の目標と進捗), when there are any.
    public var planTargets: ReportTargets?
    /// Every mean-only benchmark stored for the survey, of any period.
    public var storedBenchmarks: [StoredBenchmark]

    public init(instrument: Instrument, instrumentSHA256: String, results: IndicatorResults, previous: IndicatorResults?,
                comparison: [ComparisonRow]?, comparisonNotes: [AnalysisNote], provenance: [ProvenanceEntry],
                comments: [(group: GroupName, text: String)]?, language: Language, toolVersion: String,
                breakdowns: [IndicatorResults] = [], profiles: [FieldProfile] = [], tabulation: [ItemTabulation] = [],
                responseRates: [ResponseRate] = [], storedBenchmarks: [StoredBenchmark] = []) {
        self.responseRates = responseRates
        self.storedBenchmarks = storedBenchmarks
        self.breakdowns = breakdowns
        self.profiles = profiles
        self.tabulation = tabulation
        self.instrument = instrument
        self.instrumentSHA256 = instrumentSHA256
        self.results = results
        self.previous = previous
        self.comparison = comparison
        self.comparisonNotes = comparisonNotes
        self.provenance = provenance
        self.comments = comments
        self.language = language
        self.toolVersion = toolVersion
    }
}

/// A report as a sequence of blocks, rendered to HTML or Markdown.
public struct ReportDocument: Sendable {
    /// One piece of a report.
    public enum Block: Sendable {
        case heading(level: Int, text: String, anchor: String)
        case paragraph(String)
        case bullets([String])
        /// A table; numbers from column `shadedFrom` on are deviation scores, coloured in HTML (the numbers
        /// are always printed).
        case table(ResultTable, caption: String, shadedFrom: Int?)
        case chart(SVGChart)
        /// Several charts side by side (small multiples), with one table holding all their numbers.
        case chartGrid([SVGChart], table: ResultTable, caption: String)
        case note(String)
        /// The key to the shades of a table's deviation scores: each shade class with what it means.
        case shadeKey([(shade: String, label: String)])
    }

    public var title: String
    public var subtitle: String
    public var language: Language
    public var blocks: [Block]

    /// Every chart of the document, in order.
    public var charts: [SVGChart] {
        blocks.flatMap { block -> [SVGChart] in
            switch block {
            case let .chart(chart): return [chart]
            case let .chartGrid(charts, _, _): return charts
            default: return []
            }
        }
    }
}

/// Turns computed results into the periodic report: summary, method, headline well-being, profiles, the
/// group × category table, subjective-versus-objective gaps, drivers, changes, staff targets, reliability,
/// comments and provenance.
public struct ReportBuilder {
    let input: ReportInput
    let t: ReportText
    /// The changes since the previous period, computed once: the summary and the change section name the same
    /// family of comparisons (the same q-values).
    let trend: [TrendRow]?

    public init(input: ReportInput) {
        self.input = input
        t = ReportText(language: input.language)
        trend = input.previous.map { TrendAnalysis.compare(from: $0, to: input.results) }
    }

    var results: IndicatorResults { input.results }
    var instrument: Instrument { input.instrument }
    var language: Language { input.language }

    func name(_ indicator: IndicatorID) -> String { instrument.indicatorName(indicator, in: language) }
    func groupName(_ group: GroupName?) -> String { group.map { valueText($0.rawValue) } ?? t.wholeArea }
    /// A respondent field's value (a district, an age band) as this report's language prints it.
    func valueText(_ value: String) -> String { instrument.respondent.valueText(value, in: language) }
    var categories: [IndicatorID] { instrument.categories.map(\.id) }
    var headlineIDs: [IndicatorID] { instrument.headlines.map { IndicatorID($0.itemID.rawValue) } }

    /// The report's sections in the order cities publish them: overview, how to read it, who answered,
    /// well-being against the benchmarks, the categories by group, the breakdowns, changes, importance ×
    /// satisfaction, comments, appendices. A new section is one more entry here.
    var sections: [(ReportBuilder) -> () -> [ReportDocument.Block]] {
        [
            ReportBuilder.summary, ReportBuilder.overview, ReportBuilder.readingGuide, ReportBuilder.respondentProfiles,
            ReportBuilder.method, ReportBuilder.headline, ReportBuilder.maps, ReportBuilder.benchmarks, ReportBuilder.planTargets,
            ReportBuilder.profiles,
            ReportBuilder.groupTable, ReportBuilder.groupMeans, ReportBuilder.smallAreaSection, ReportBuilder.breakdownSections,
            ReportBuilder.targets, ReportBuilder.gaps, ReportBuilder.drivers, ReportBuilder.changes, ReportBuilder.reliability,
            ReportBuilder.comments, ReportBuilder.tabulationAppendix, ReportBuilder.questionnaireAppendix, ReportBuilder.provenance,
        ]
    }

    public func build() -> ReportDocument {
        let blocks = sections.flatMap { section in section(self)() }
        let title = "\(instrument.title.text(in: language)) \(results.period)"
        let groupLabel = instrument.respondent.group.label
        let subtitle = t("\(Self.byLabel(groupLabel.ja))の指標レポート", "Indicators by \(groupLabel.text(in: .en).lowercased())")
        return ReportDocument(title: title, subtitle: subtitle, language: language, blocks: blocks)
    }

    // MARK: Summary

    func summary() -> [ReportDocument.Block] {
        var points: [String] = []
        points.append(t("回答者 \(results.respondentCount) 人、\(instrument.respondent.group.label.ja) \(results.groups.count) 区分。",
                        "\(results.respondentCount) respondents in \(results.groups.count) \(instrument.respondent.group.label.text(in: .en).lowercased()) groups."))
        if let outcome = instrument.outcome, let estimate = results.estimate(IndicatorID(outcome.itemID.rawValue), group: nil),
           let mean = estimate.mean {
            let scale = instrument.scale(of: instrument.items[instrument.itemIndex[outcome.itemID]!])
            points.append(t("\(outcome.name.ja)は平均 \(ReportText.number(mean, 2))（\(scale.rangeText)、95% 信頼区間 \(ReportText.number(estimate.confidenceLow, 2))–\(ReportText.number(estimate.confidenceHigh, 2))）、\(ReportText.number(scale.topBoxFrom, 0)) 以上の割合は \(ReportText.percent(estimate.topBoxShare))。",
                            "\(outcome.name.text(in: .en)) averages \(ReportText.number(mean, 2)) on \(scale.rangeText) (95% CI \(ReportText.number(estimate.confidenceLow, 2))–\(ReportText.number(estimate.confidenceHigh, 2))); \(ReportText.percent(estimate.topBoxShare)) answer \(ReportText.number(scale.topBoxFrom, 0)) or more."))
        }
        let ranked = categories.compactMap { id in results.estimate(id, group: nil)?.mean.map { (id, $0) } }.sorted { $0.1 > $1.1 }
        if ranked.count >= 6 {
            func entry(_ item: (IndicatorID, Double)) -> String {
                language == .ja ? "\(name(item.0))（\(ReportText.number(item.1, 2))）" : "\(name(item.0)) (\(ReportText.number(item.1, 2)))"
            }
            let strong = ranked.prefix(3).map(entry)
            let weak = ranked.suffix(3).reversed().map(entry)
            points.append(t("評価が高いカテゴリー: \(strong.joined(separator: "、"))。低いカテゴリー: \(weak.joined(separator: "、"))。",
                            "Highest-rated categories: \(strong.joined(separator: ", ")). Lowest: \(weak.joined(separator: ", "))."))
        }
        if let comparison = input.comparison {
            let flagged = comparison.filter(\.flagged).sorted { abs($0.gap!) > abs($1.gap!) }
            if flagged.isEmpty {
                points.append(t("主観と客観の偏差値の差が 10 以上で、かつ主観の誤差を超える組み合わせはありません。", "No group and category has a subjective–objective gap of 10 or more beyond the survey's own uncertainty."))
            } else {
                let shown = flagged.prefix(3).map { row in
                    language == .ja
                        ? "\(groupName(row.group))・\(name(row.indicator))（\(ReportText.number(row.subjective, 1)) / \(ReportText.number(row.objective, 1))）"
                        : "\(groupName(row.group)), \(name(row.indicator)) (\(ReportText.number(row.subjective, 1)) / \(ReportText.number(row.objective, 1)))"
                }
                points.append(t("主観（アンケート）と客観（KPI）の偏差値の差が 10 以上で、主観の誤差（1.96 × 標準誤差）を超えるもの: \(flagged.count) 件。大きいもの: \(shown.joined(separator: "、"))。KPI で良好でも実感が伴わない（またはその逆の）領域です。",
                                "\(flagged.count) group–category pairs differ by 10 or more, and by more than the survey's own uncertainty (1.96 × SE), between the survey (subjective) and the KPIs (objective); the largest: \(shown.joined(separator: ", ")). What the KPIs call fine may not feel fine, or the reverse."))
            }
        }
        if let previous = input.previous, let all = trend {
            let shownIndicators = Set(categories + headlineIDs)
            let tests = TrendAnalysis.tests(all)
            let rows = all.filter { $0.group == nil && $0.significant == true && shownIndicators.contains($0.indicator) }
            let shown = rows.sorted { abs($0.difference!) > abs($1.difference!) }.prefix(4).map {
                "\(name($0.indicator)) \(Self.signed($0.difference, 2))"
            }
            points.append(rows.isEmpty
                ? t("前回（\(previous.period)）からの全体の変化で有意なものはありません（全体と\(groupLabel.ja)別の \(tests) 件の比較について多重比較を調整、q < 0.05）。",
                    "No whole-area change since \(previous.period) is significant (adjusted for the \(tests) comparisons of the whole area and the \(groupLabel.text(in: .en).lowercased()) groups, q < 0.05).")
                : t("前回（\(previous.period)）からの全体の有意な変化（全体と\(groupLabel.ja)別の \(tests) 件の比較について多重比較を調整、q < 0.05）: \(shown.joined(separator: "、"))。",
                    "Significant whole-area changes since \(previous.period) (adjusted for the \(tests) comparisons of the whole area and the \(groupLabel.text(in: .en).lowercased()) groups, q < 0.05): \(shown.joined(separator: ", "))."))
        }
        return [.heading(level: 2, text: t.summary, anchor: "summary"), .bullets(points),
                .note(t.caution(groupLabel: instrument.respondent.group.label))]
    }

    // MARK: Method

    func method() -> [ReportDocument.Block] {
        let alphas = results.reliability.compactMap(\.alpha)
        var lines: [String] = []
        lines.append(t("調査: \(instrument.title.ja)（調査票 ID: \(instrument.id)、版: \(instrument.version)）。集計期間 \(results.period)、回答者 \(results.respondentCount) 人。",
                       "Survey: \(instrument.title.text(in: .en)) (instrument \(instrument.id), version \(instrument.version)). Period \(results.period), \(results.respondentCount) respondents."))
        let sweeps = results.rakingSweeps > 0
            ? t("反復比例当てはめ \(results.rakingSweeps) 回で、すべての周辺合計が相対誤差 100 億分の 1 以内に収束", "iterative proportional fitting converged in \(results.rakingSweeps) sweeps, every margin within 1 part in 10¹⁰")
            : nil
        lines.append(t("重み付け: \(t.weightingName(results.weighting.rawValue, detail: sweeps))。キッシュのデザイン効果 \(ReportText.number(results.kishDesignEffect, 2))。",
                       "Weighting: \(t.weightingName(results.weighting.rawValue, detail: sweeps)). Kish design effect \(ReportText.number(results.kishDesignEffect, 2))."))
        if let sampling = results.sampling {
            let fields = sampling.fields.fields.map { name in
                instrument.respondent.field(named: name).map { instrument.respondent.label(of: $0).text(in: language) } ?? name
            }.joined(separator: " × ")
            let designWeights = results.weighting == .raked ? t("これを出発点にレイキング", "then raked") : t("これを重みとして使用", "used as the weights")
            lines.append(t("標本設計: \(fields)による層化無作為抽出（\(sampling.strata.count) 層）。設計ウェイトは層の人口 ÷ 層の回答者数で、\(designWeights)。"
                           + (sampling.finitePopulationCorrection ? "標準誤差は層別に計算し、有限母集団修正（1 − 回答者数 ÷ 人口）を適用。" : "標準誤差は層別に計算（有限母集団修正なし）。"),
                           "Sample design: stratified random sample by \(fields.lowercased()) (\(sampling.strata.count) strata). Design weights are each stratum's population ÷ its respondents, \(designWeights). "
                           + (sampling.finitePopulationCorrection ? "Standard errors are computed within strata, with the finite-population correction (1 − respondents ÷ population)." : "Standard errors are computed within strata (no finite-population correction).")))
        }
        if let standardization = results.standardization {
            let fields = standardization.fields.map { name in
                instrument.respondent.field(named: name).map { instrument.respondent.label(of: $0).text(in: language) } ?? name
            }.joined(separator: " × ")
            lines.append(t("\(Self.byLabel(groupLabel.ja))の平均と割合は、\(fields)の構成を全体の人口構成に合わせて調整しています（直接標準化。R の svystandardize と同じ計算）。\(groupLabel.ja)間の差は\(fields)構成の違いによるものではありません。全体の値は調整していません。",
                           "The \(groupLabel.text(in: .en).lowercased()) means and shares are standardised to the whole area's population structure by \(fields.lowercased()) (direct standardisation, as R's svystandardize), so differences between groups are not differences in that structure. The whole-area figures are not standardised."))
        }
        lines.append(t("標準誤差は R の survey パッケージと同じ線形化法（レイキング時は較正を考慮）、95% 信頼区間は平均 ± 1.96 × 標準誤差。",
                       "Standard errors by linearisation as R's survey package computes them (calibration-adjusted when raked); 95% intervals are mean ± 1.96 × SE."))
        lines.append(t("回答者 \(results.minimumN) 人未満の推定値は秘匿し、30 人未満は参考値（不安定）とします。秘匿した値が、公表する他の値（全体、他の\(groupLabel.ja)、年代別・性別などの表やそのクロス集計）からの差し引きで分からないよう、表の各行・各列で秘匿が 1 つだけにならないように、回答者の最も少ない区分も合わせて秘匿します（二次秘匿）。小地域推定は、直接推定値を公表する\(groupLabel.ja)だけで当てはめます。",
                       "Estimates from fewer than \(results.minimumN) respondents are withheld; fewer than 30 are marked unstable. So that no withheld value can be derived by subtraction from the figures published beside it (the whole area, the other groups, the tables by age band, sex and their crosses), no row or column of a table is left with a single withheld value: the cell with the fewest respondents is withheld too (secondary suppression). Small-area models are fitted to the groups whose direct estimates are published."))
        lines.append(t("偏差値は、秘匿されていない\(instrument.respondent.group.label.ja)の推定値の平均と標準偏差（母標準偏差）に対する 50 + 10 ×（x − 平均）/ 標準偏差" + (results.deviationBasis.values.contains("reference") ? "、参照値を取り込んだ指標は参照値に対するもの。" : "。"),
                       "Deviation scores are 50 + 10 × (x − mean) / SD over the non-withheld group estimates (population SD)" + (results.deviationBasis.values.contains("reference") ? ", or against imported reference figures where present." : ".")))
        if let low = alphas.min(), let high = alphas.max() {
            lines.append(t("カテゴリーの内的一貫性（クロンバックの α、全項目回答者）は \(ReportText.number(low, 2))–\(ReportText.number(high, 2))。",
                           "Internal consistency (Cronbach's α, complete cases) ranges \(ReportText.number(low, 2))–\(ReportText.number(high, 2))."))
        }
        return [.heading(level: 2, text: t.method, anchor: "method"), .bullets(lines)] + results.notes.map { .note($0.text(in: language, instrument: instrument)) }
    }

    // MARK: Headline well-being

    func headline() -> [ReportDocument.Block] {
        var blocks: [ReportDocument.Block] = [.heading(level: 2, text: t.headline, anchor: "headline")]
        for headline in instrument.headlines {
            let id = IndicatorID(headline.itemID.rawValue)
            let scale = instrument.scale(of: instrument.items[instrument.itemIndex[headline.itemID]!])
            let places: [GroupName?] = [nil] + results.groups
            let estimates = places.map { results.estimate(id, group: $0) }
            let title = t("\(headline.name.ja)（\(Self.byLabel(instrument.respondent.group.label.ja))、95% 信頼区間）",
                          "\(headline.name.text(in: .en)) by \(instrument.respondent.group.label.text(in: .en).lowercased()), with 95% intervals")
            let table = ResultTable(headers: [instrument.respondent.group.label.text(in: language), "n", t("平均", "mean"),
                                              t("下限", "low"), t("上限", "high"), t("\(ReportText.number(scale.topBoxFrom, 0)) 以上", "≥ \(ReportText.number(scale.topBoxFrom, 0))")],
                                    rows: zip(places, estimates).map { place, estimate in
                                        if estimate?.suppressed == true {
                                            return [.text(groupName(place)), .integer(estimate?.n), meanCell(estimate), .text(""), .text(""), .text("")]
                                        }
                                        return [.text(groupName(place)), .integer(estimate?.n), meanCell(estimate),
                                         .number(estimate?.confidenceLow, decimals: 2), .number(estimate?.confidenceHigh, decimals: 2),
                                         .text(ReportText.percent(estimate?.topBoxShare))]
                                    })
            let svg = ChartDrawing.whiskers(
                id: "chart-\(id.rawValue)-groups", title: title,
                description: t("点は平均、横線は 95% 信頼区間、破線は全体の平均。秘匿された区分は秘匿※1・※2 と表示。",
                               "Dots are means, bars 95% intervals, the dashed line the whole area's mean; withheld groups show their mark."),
                labels: places.map(groupName), values: estimates.map { ($0?.mean, $0?.confidenceLow, $0?.confidenceHigh) },
                domain: Self.zoomedDomain(estimates.flatMap { [$0?.confidenceLow, $0?.confidenceHigh] }.compactMap { $0 },
                                          scale: Double(scale.minimum)...Double(scale.maximum)),
                missingText: estimates.map(withheldText),
                reference: results.estimate(id, group: nil)?.mean,
                axisTitle: t("平均（\(scale.rangeText)）", "mean (\(scale.rangeText))"),
                referenceLabel: t("破線: 全体の平均", "dashed line: all respondents' mean"))
            blocks.append(.chart(SVGChart(id: "\(id.rawValue)-groups", title: title, description: "", svg: svg, table: table)))
            blocks += marksNote(estimates)
            if let distribution = results.distributions.first(where: { $0.indicator == id }) {
                let distributionTitle = t("\(headline.name.ja)の回答分布（全体、重み付き）", "Distribution of \(headline.name.text(in: .en)) (all, weighted)")
                let distributionSVG = ChartDrawing.histogram(
                    id: "chart-\(id.rawValue)-distribution", title: distributionTitle,
                    description: t("各回答値の重み付き割合。", "The weighted share of each answer."),
                    labels: distribution.values.map(String.init), shares: distribution.shares)
                let distributionTable = ResultTable(headers: [t("回答", "answer"), t("割合", "share")],
                                                    rows: zip(distribution.values, distribution.shares).map { [.integer($0), .text(ReportText.percent($1))] })
                blocks.append(.chart(SVGChart(id: "\(id.rawValue)-distribution", title: distributionTitle, description: "",
                                              svg: distributionSVG, table: distributionTable)))
            }
        }
        return blocks
    }

    // MARK: Profiles

    func profiles() -> [ReportDocument.Block] {
        let radars = radarCharts(results, comparison: input.comparison)
        guard !radars.isEmpty else { return [] }
        let axes = instrument.categories.map { $0.name.text(in: language) }
        let combined = ResultTable(headers: [t("カテゴリー", "category")] + radars.map(\.column.name),
                                   rows: categories.indices.map { position in
                                       [.text(axes[position])] + radars.map { .text($0.column.values[position]) }
                                   })
        let caption = input.comparison == nil
            ? t("レーダーチャートの数値（偏差値）", "The radar charts' numbers (deviation scores)")
            : t("レーダーチャートの数値（主観 / 客観の偏差値）", "The radar charts' numbers (subjective / objective deviation scores)")
        return [.heading(level: 2, text: t.profile, anchor: "profile"),
                .paragraph(radarAbout(groupLabel)),
                .chartGrid(radars.map(\.chart), table: combined, caption: caption)]
    }

    /// What the radar charts show, for groups named `label` (地区, 年代).
    func radarAbout(_ label: LocalizedText) -> String {
        t("各\(label.ja)のカテゴリー別偏差値（50 が\(label.ja)間の平均）。", "Each group's deviation scores by category (50 is the average of the groups).")
    }

    /// One radar of deviation scores by category per group of `results` (the whole area first, when it has scores:
    /// against imported reference figures), with the objective scores of `comparison` beside the subjective ones where
    /// there are any; none for fewer than 3 categories, fewer than 2 groups or more than 30. A withheld estimate has no
    /// score: its axis breaks the line, and a group with no score at all has no chart. `column` holds each chart's
    /// numbers as the combined table prints them.
    func radarCharts(_ results: IndicatorResults, comparison: [ComparisonRow]?)
        -> [(chart: SVGChart, column: (name: String, values: [String]))] {
        guard instrument.categories.count >= 3, results.groups.count >= 2, results.groups.count <= 30 else { return [] }
        let axes = instrument.categories.map { $0.name.text(in: language) }
        var radars: [(chart: SVGChart, column: (name: String, values: [String]))] = []
        let places: [GroupName?] = [nil] + results.groups.map { Optional($0) }
        for (index, group) in places.enumerated() {
            let subjective = categories.map { results.estimate($0, group: group)?.deviation }
            if subjective.allSatisfy({ $0 == nil }) { continue }
            let chartID = group == nil ? "radar-all" : "radar-\(index - 1)"
            var series: [(name: String, values: [Double?])] = [(t("主観（アンケート）", "Subjective (survey)"), subjective)]
            var headers = [t("カテゴリー", "category"), t("主観", "subjective")]
            if let comparison {
                let objective = categories.map { id in comparison.first { $0.group == group && $0.indicator == id }?.objective }
                if objective.contains(where: { $0 != nil }) {
                    series.append((t("客観（KPI）", "Objective (KPIs)"), objective))
                    headers.append(t("客観", "objective"))
                }
            }
            let title = group == nil
                ? t("全体: 参照値（全国等）に対するカテゴリー別偏差値", "All: deviation scores against the reference figures")
                : t("\(groupName(group)): カテゴリー別偏差値", "\(groupName(group)): deviation scores by category")
            let svg = ChartDrawing.radar(
                id: "chart-\(chartID)", title: title,
                description: t("中心が 20、外周が 80、目盛りは 10 ごと（太線が 50）。実線・丸が主観、破線・四角が客観。線の切れた軸は秘匿または KPI なし。",
                               "Centre 20, rim 80, rings every 10 (the bold one is 50). Solid line with dots: subjective; dashed with squares: objective. Where a line breaks, the axis is withheld or has no KPIs."),
                axes: axes, series: series)
            let table = ResultTable(headers: headers, rows: categories.indices.map { position in
                [.text(axes[position])] + series.map { .number($0.values[position], decimals: 1) }
            })
            radars.append((SVGChart(id: chartID, title: title, description: "", svg: svg, table: table),
                           (groupName(group), categories.indices.map { position in
                               series.map { ReportText.number($0.values[position], 1) }.joined(separator: " / ")
                           })))
        }
        return radars
    }

    // MARK: Group × category

    func groupTable() -> [ReportDocument.Block] {
        let indicators = categories + headlineIDs
        var rows: [[ResultTable.Cell]] = []
        var shown: [IndicatorEstimate?] = []
        var distinguishable: Set<[Int]> = []
        for id in indicators {
            var row: [ResultTable.Cell] = [.text(name(id)), .number(results.estimate(id, group: nil)?.mean, decimals: 2)]
            for group in results.groups {
                guard let estimate = results.estimate(id, group: group) else { row.append(.text("—")); continue }
                shown.append(estimate)
                if estimate.suppressed || estimate.unstable {
                    row.append(valueCell(estimate, estimate.deviation, decimals: 1))
                } else {
                    // Coloured only where the score differs from 50 by more than its own uncertainty.
                    if let deviation = estimate.deviation, let se = estimate.deviationStandardError,
                       abs(deviation - 50) > TrendAnalysis.criticalValue * se {
                        distinguishable.insert([rows.count, row.count])
                    }
                    row.append(.number(estimate.deviation, decimals: 1))
                }
            }
            rows.append(row)
        }
        var table = ResultTable(headers: [t("指標", "indicator"), t("全体平均", "mean (all)")] + results.groups.map(groupName), rows: rows)
        let shadeKey: [(shade: String, label: String)] = [
            ("hi2", t("60 以上", "60 or more")), ("hi1", t("55 以上 60 未満", "55 to 60")), ("mid", t("45 以上 55 未満、または誤差の範囲内", "45 to 55, or within its uncertainty")),
            ("lo1", t("40 以上 45 未満", "40 to 45")), ("lo2", t("40 未満", "below 40")),
        ]
        table.distinguishable = distinguishable
        return [.heading(level: 2, text: t.groupTable(groupLabel), anchor: "groups"),
                .paragraph(t("数値は\(instrument.respondent.group.label.ja)間の偏差値（50 が平均、60 以上は目立って高く 40 以下は目立って低い）。色付けは、50 との差がその推定値自身の誤差（1.96 × 標準誤差、偏差値の尺度）を超えるセルだけです（\(distinguishable.count) セル）。",
                             "Deviation scores among the groups (50 is average; 60 or more stands out high, 40 or less low). Only cells whose difference from 50 exceeds their own uncertainty (1.96 × SE on the deviation scale) are coloured (\(distinguishable.count) cells).")),
                .shadeKey(shadeKey),
                .table(table, caption: t.groupTable(groupLabel), shadedFrom: 2)] + marksNote(shown)
    }

    // MARK: Small-area estimates

    /// The model-based estimates of `--small-area fh`: every group's, the small ones included, beside the direct
    /// estimate, with RMSE and CV; withheld where the CV exceeds 30 %.
    func smallAreaSection() -> [ReportDocument.Block] {
        guard let fits = results.smallAreaFits, !fits.isEmpty else { return [] }
        let method = fits[0].method.rawValue
        let covariates = fits[0].coefficients.dropFirst().map(\.name)
        var blocks: [ReportDocument.Block] = [
            .heading(level: 2, text: t("小地域推定（モデル推定値）", "Small-area estimates (model-based)"), anchor: "small-area"),
            .paragraph(t("回答者の少ない\(groupLabel.ja)も含め、すべての\(groupLabel.ja)について、その\(groupLabel.ja)の回答による推定値（直接推定値）と"
                         + (covariates.isEmpty ? "全体の傾向" : "KPI（\(covariates.joined(separator: "、"))）から予測される値")
                         + "を、\(groupLabel.ja)ごとの標本誤差に応じて重み付けして組み合わせたモデル推定値です（Fay–Herriot モデル、\(method) 推定。R の sae パッケージと同じ計算）。回答者が少ない\(groupLabel.ja)ほど"
                         + (covariates.isEmpty ? "全体の値" : "予測値") + "に近づきます。実測値ではなくモデルによる推定値であり、RMSE はその誤差の目安です。CV（RMSE ÷ 推定値）が 30% を超えるものは秘匿しています。",
                         "For every \(groupLabel.text(in: .en).lowercased()), the small ones included, a model-based estimate that combines the group's own (direct) estimate with "
                         + (covariates.isEmpty ? "the whole area's level" : "the value its KPIs (\(covariates.joined(separator: ", "))) predict")
                         + ", weighted by how precise the group's own estimate is (Fay–Herriot model, \(method), as R's sae package). The fewer respondents a group has, the closer it is drawn to "
                         + (covariates.isEmpty ? "the whole area" : "the prediction") + ". These are model estimates, not measurements; the RMSE says how far off they may be. Estimates with a CV (RMSE ÷ estimate) above 30% are withheld."))]
        // One grid: every indicator's model estimate by group.
        let indicators = categories + headlineIDs
        var rows: [[ResultTable.Cell]] = []
        for id in indicators where fits.contains(where: { $0.indicator == id }) {
            var row: [ResultTable.Cell] = [.text(name(id))]
            for group in results.groups {
                guard let model = results.estimate(id, group: group)?.smallArea else { row.append(.text("—")); continue }
                row.append(modelCell(model))
            }
            rows.append(row)
        }
        let grid = ResultTable(headers: [t("指標", "indicator")] + results.groups.map(groupName), rows: rows)
        blocks.append(.table(grid, caption: t("\(Self.byLabel(groupLabel.ja))のモデル推定値（平均）", "Model estimates (means) by \(groupLabel.text(in: .en).lowercased())"),
                             shadedFrom: nil))
        // Each headline item in detail.
        for id in headlineIDs where fits.contains(where: { $0.indicator == id }) {
            let detail = ResultTable(
                headers: [groupLabel.text(in: language), "n", t("直接推定値", "direct"), t("モデル推定値", "model"), "RMSE", "CV",
                          t("自区分の重み", "own weight")],
                rows: results.groups.map { group in
                    let estimate = results.estimate(id, group: group)
                    let model = estimate?.smallArea
                    let shownModel: ResultTable.Cell = model.map(modelCell) ?? .text("—")
                    return [.text(groupName(group)), .integer(estimate?.n),
                            estimate?.suppressed == true ? meanCell(estimate) : .number(estimate?.mean, decimals: 2),
                            shownModel,
                            model.flatMap { $0.withheld ? nil : .number($0.rmse, decimals: 3) } ?? .text(""),
                            model.map { .text(ReportText.percent($0.cv)) } ?? .text(""),
                            model.flatMap { $0.withheld ? nil : $0.synthetic ? .text(t("使わない", "none")) : .text(ReportText.percent($0.shrinkage)) }
                                ?? .text("")]
                })
            blocks.append(.table(detail, caption: t("\(name(id))：直接推定値とモデル推定値", "\(name(id)): direct and model estimates"), shadedFrom: nil))
        }
        if results.estimates.contains(where: { $0.smallArea?.synthetic == true }) {
            blocks.append(.note(t("＊ 直接推定値を秘匿した\(groupLabel.ja)のモデル推定値は合成推定値です。その\(groupLabel.ja)の回答は使わず、直接推定値を公表している\(groupLabel.ja)だけで当てはめたモデルの予測値です（秘匿値がモデル推定値から逆算されないようにするため）。",
                                  "* Where a group's direct estimate is withheld, its model estimate is the synthetic one: the prediction of a model fitted to the groups whose direct estimates are published, without the group's own answers (so that the withheld value cannot be worked back from it).")))
        }
        return blocks
    }

    /// A model estimate as printed: withheld above a CV of 30 %, marked ＊ when synthetic (the group's answers not used).
    private func modelCell(_ model: SmallAreaEstimate) -> ResultTable.Cell {
        if model.withheld { return .marked(nil, decimals: 2, mark: t.withheldModel) }
        return model.synthetic ? .marked(model.estimate, decimals: 2, mark: t("＊", "*")) : .number(model.estimate, decimals: 2)
    }

    // MARK: Staff targets

    func targets() -> [ReportDocument.Block] {
        let targeted = instrument.categories.filter { !$0.targetGroups.isEmpty }
        guard !targeted.isEmpty else { return [] }
        var blocks: [ReportDocument.Block] = [.heading(level: 2, text: t.targets, anchor: "targets"),
            .paragraph(t("各スキルの平均点（1–5）。◎ はそのスキルを担うべき目標階層。目標階層で平均が全体を下回るものに注意。",
                         "Mean score of each skill (1–5). ◎ marks the tier expected to hold it; watch targets scoring below the whole staff."))]
        var rows: [[ResultTable.Cell]] = []
        var shortfalls: [String] = []
        for category in targeted {
            let whole = results.estimate(category.id, group: nil)?.mean
            var row: [ResultTable.Cell] = [.text(category.name.text(in: language)), .number(whole, decimals: 2)]
            for group in results.groups {
                let estimate = results.estimate(category.id, group: group)
                let mark = category.targetGroups.contains(group) ? "◎ " : ""
                let value = estimate?.withheld.map { t.withheld($0) } ?? ReportText.number(estimate?.mean, 2)
                row.append(.text(mark + value))
                if category.targetGroups.contains(group), let mean = estimate?.mean, let whole, mean < whole {
                    shortfalls.append(t("\(category.name.ja)（\(groupName(group))）", "\(category.name.text(in: .en)) (\(groupName(group)))"))
                }
            }
            rows.append(row)
        }
        blocks.append(.table(ResultTable(headers: [t("スキル", "skill"), t("全体", "all")] + results.groups.map(groupName), rows: rows),
                             caption: t.targets, shadedFrom: nil))
        blocks.append(.paragraph(shortfalls.isEmpty
            ? t("すべてのスキルで、目標階層の平均は全体平均以上です。", "In every skill the target tier scores at or above the whole staff.")
            : t("目標階層が全体平均を下回るスキル: \(shortfalls.joined(separator: "、"))。", "Skills where the target tier scores below the whole staff: \(shortfalls.joined(separator: ", "))."))) 
        let mindset = instrument.categories.filter { $0.targetGroups.isEmpty }
        if !mindset.isEmpty {
            let mindsetRows: [[ResultTable.Cell]] = results.groups.map { group in
                [.text(groupName(group))] + mindset.map { category in
                    let estimate = results.estimate(category.id, group: group)
                    return estimate?.suppressed == true ? meanCell(estimate) : .number(estimate?.mean, decimals: 2)
                } + [.text(ReportText.percent(mindset.compactMap { results.estimate($0.id, group: group)?.topBoxShare }.average))]
            }
            blocks.append(.heading(level: 3, text: t.mindset, anchor: "mindset"))
            blocks.append(.table(ResultTable(headers: [instrument.respondent.group.label.text(in: language)]
                                             + mindset.map { $0.name.text(in: language) } + [t("肯定的回答の割合（平均）", "positive answers (mean share)")],
                                             rows: mindsetRows), caption: t.mindset, shadedFrom: nil))
        }
        return blocks
    }

    // MARK: Gaps

    func gaps() -> [ReportDocument.Block] {
        guard let comparison = input.comparison else { return [] }
        var blocks: [ReportDocument.Block] = [.heading(level: 2, text: t.gaps, anchor: "gaps"),
            .paragraph(t("アンケートによる主観的な評価（偏差値）と、そのカテゴリーに対応する KPI から算出した客観的な評価（偏差値）の差。差が 10 以上で、かつ主観の偏差値の誤差の幅（1.96 × 標準誤差、表の「判定の基準」）を超える組み合わせを示します。KPI の方向（高いほど良い／低いほど良い）は反映済みです。",
                         "The survey's subjective score beside the objective score from the category's KPIs, both as deviation scores (KPI directions applied). Pairs differing by 10 or more, and by more than the subjective score's uncertainty (1.96 × SE, the table's threshold column), are shown."))]
        let flagged = comparison.filter(\.flagged).sorted { abs($0.gap!) > abs($1.gap!) }
        if flagged.isEmpty {
            blocks.append(.paragraph(t("差が 10 以上で誤差を超える組み合わせはありません。", "No pair differs by 10 or more beyond its uncertainty.")))
        } else {
            let table = ResultTable(headers: [instrument.respondent.group.label.text(in: language), t("カテゴリー", "category"), t("主観", "subjective"),
                                              t("客観", "objective"), t("差", "gap"), t("判定の基準（1.96 × 標準誤差）", "threshold (1.96 × SE)"), t("KPI 数", "KPIs")],
                                    rows: flagged.map { row in
                                        // The gap of the printed values, so that each row adds up as shown.
                                        [.text(groupName(row.group)), .text(name(row.indicator)), .number(row.subjective, decimals: 1),
                                         .number(row.objective, decimals: 1),
                                         .number(row.subjective.flatMap { s in row.objective.map { Self.rounded(s, 1) - Self.rounded($0, 1) } },
                                                 decimals: 1),
                                         .number(row.gapStandardError.map { TrendAnalysis.criticalValue * $0 }, decimals: 1), .integer(row.kpis)]
                                    })
            blocks.append(.table(table, caption: t.gaps, shadedFrom: nil))
        }
        blocks += input.comparisonNotes.map { .note($0.text(in: language, instrument: instrument)) }
        return blocks
    }

    // MARK: Drivers

    func drivers() -> [ReportDocument.Block] {
        guard let chart = driversChart() else { return [] }
        let rows = DriverAnalysis.rows(from: results).rows
        let priority = rows.filter { $0.quadrant == .priority }.sorted { ($0.r ?? 0) > ($1.r ?? 0) }.map { name($0.indicator) }
        return [.heading(level: 2, text: t.drivers, anchor: "drivers"),
                .paragraph(priority.isEmpty ? t("重点改善に当たるカテゴリーはありません。", "No category falls in the priority quadrant.")
                           : t("重点改善（重要度が高く満足度が低い）: \(priority.joined(separator: "、"))。", "Priority (important, low score): \(priority.joined(separator: ", ")).")),
                .chart(chart)]
    }

    /// Importance (each category's correlation with the outcome) against score (its mean), split at their means into
    /// the four quadrants, with the table of every category's n, r, mean and quadrant; nil without an outcome or with
    /// fewer than 3 categories that have both numbers.
    func driversChart() -> SVGChart? {
        guard let outcome = instrument.outcome else { return nil }
        let (rows, meanR, meanScore) = DriverAnalysis.rows(from: results)
        let points = rows.compactMap { row in row.r.flatMap { r in row.mean.map { (label: name(row.indicator), r: r, mean: $0) } } }
        guard let meanR, let meanScore, points.count >= 3 else { return nil }
        let title = t("重要度（\(outcome.name.ja)との相関）× 満足度（平均点）", "Importance (correlation with \(outcome.name.text(in: .en))) × score (mean)")
        let svg = ChartDrawing.quadrants(
            id: "chart-drivers", title: title,
            description: t("横軸は相関係数 r、縦軸は平均点。破線は平均。右下（重要度が高く満足度が低い）が重点改善領域。",
                           "x: correlation r; y: mean score; dashed lines at their means. Lower right (important, low score) is where to act first."),
            points: points, splitR: meanR, splitMean: meanScore,
            names: (t.quadrantName("priority"), t.quadrantName("strength"), t.quadrantName("maintain"), t.quadrantName("monitor")),
            axisNames: (t("重要度（相関係数 r）", "importance (r)"), t("満足度（平均）", "score (mean)")))
        let table = ResultTable(headers: [t("カテゴリー", "category"), "n", "r", t("平均", "mean"), t("区分", "quadrant")],
                                rows: rows.sorted { ($0.r ?? -2) > ($1.r ?? -2) }.map { row in
                                    [.text(name(row.indicator)), .integer(row.n), .number(row.r, decimals: 3), .number(row.mean, decimals: 2),
                                     .text(row.quadrant.map { t.quadrantName($0.rawValue) } ?? "—")]
                                })
        return SVGChart(id: "drivers", title: title, description: "", svg: svg, table: table)
    }

    // MARK: Changes

    func changes() -> [ReportDocument.Block] {
        guard let previous = input.previous, let rows = trend else { return [] }
        let shownIndicators = Set(categories + headlineIDs)
        let whole = rows.filter { $0.group == nil && shownIndicators.contains($0.indicator) }
        let tests = TrendAnalysis.tests(rows)
        let adjusted = rows.filter { $0.significant == true }.count
        let unadjusted = rows.filter { $0.significantUnadjusted == true }.count
        var blocks: [ReportDocument.Block] = [
            .heading(level: 2, text: t.changes, anchor: "changes"),
            .paragraph(t("全体と\(Self.byLabel(groupLabel.ja))に \(tests) 件の変化を比べています。1 件ずつ見ると \(unadjusted) 件が |差| > 1.96 × 標準誤差ですが、5% 水準では偶然でも約 \(Int((Double(tests) * 0.05).rounded())) 件はそうなります。ここでは多重比較を Benjamini–Hochberg 法で調整し、q < 0.05 の \(adjusted) 件を有意（★）とします。",
                         "\(tests) changes are compared, for the whole area and by \(groupLabel.text(in: .en).lowercased()). One by one, \(unadjusted) exceed 1.96 × SE, but about \(Int((Double(tests) * 0.05).rounded())) would by chance alone at 5%. Adjusted for the many comparisons (Benjamini–Hochberg), the \(adjusted) with q < 0.05 are called significant (★).")),
        ]
        // One chart per answer scale: a change on 0–10 is not drawn on the axis of changes on 1–5.
        let scales = whole.map { scaleText(of: $0.indicator) }
        var order: [String] = []
        for scale in scales where !order.contains(scale) { order.append(scale) }
        for (index, scale) in order.enumerated() {
            let part = whole.filter { scaleText(of: $0.indicator) == scale }
            let title = t("\(previous.period) → \(results.period) の変化（全体、\(scale) の設問、95% 信頼区間）",
                          "Change \(previous.period) → \(results.period) (all, questions on \(scale), 95% intervals)")
            let svg = ChartDrawing.changes(
                id: "chart-changes-\(index)", title: title,
                description: t("四角は差、横線は 95% 信頼区間。★ と塗りつぶしは多重比較を調整して有意な変化（Benjamini–Hochberg 法、q < 0.05）。",
                               "Squares are differences, bars 95% intervals; ★ and filled squares mark changes significant after adjusting for the many comparisons (Benjamini–Hochberg, q < 0.05)."),
                labels: part.map { name($0.indicator) },
                rows: part.map { ($0.difference, $0.standardError, $0.significant == true) }, missingText: "—",
                axisTitle: t("差（\(results.period) − \(previous.period)）", "difference (\(results.period) − \(previous.period))"))
            let table = ResultTable(headers: [t("指標", "indicator"), previous.period.rawValue, results.period.rawValue, t("差", "diff"),
                                              t("標準誤差", "SE"), t("差の下限", "low"), t("差の上限", "high"), "p", "q", t("有意", "significant")],
                                    rows: part.map { row in
                                        let interval = row.difference.flatMap { d in row.standardError.map { (d - TrendAnalysis.criticalValue * $0, d + TrendAnalysis.criticalValue * $0) } }
                                        return [.text(name(row.indicator)), .number(row.fromMean, decimals: 2), .number(row.toMean, decimals: 2),
                                         .number(row.difference, decimals: 3), .number(row.standardError, decimals: 3),
                                         .number(interval?.0, decimals: 3), .number(interval?.1, decimals: 3),
                                         .number(row.p, decimals: 3), .number(row.q, decimals: 3),
                                         .text(row.significant == true ? "★" : "")]
                                    })
            blocks.append(.chart(SVGChart(id: index == 0 ? "changes" : "changes-\(index)", title: title, description: "",
                                          svg: svg, table: table)))
        }
        let groupChanges = rows.filter { $0.group != nil && $0.significant == true && shownIndicators.contains($0.indicator) }
            .sorted { abs($0.difference!) > abs($1.difference!) }
        if !groupChanges.isEmpty {
            let groupTable = ResultTable(headers: [instrument.respondent.group.label.text(in: language), t("指標", "indicator"),
                                                   t("差", "diff"), t("標準誤差", "SE"), "q"],
                                         rows: groupChanges.map { row in
                                             [.text(groupName(row.group)), .text(name(row.indicator)), .number(row.difference, decimals: 3),
                                              .number(row.standardError, decimals: 3), .number(row.q, decimals: 3)]
                                         })
            blocks.append(.paragraph(t("\(Self.byLabel(instrument.respondent.group.label.ja))の有意な変化（多重比較を調整、q < 0.05）:",
                                       "Significant changes by group (adjusted, q < 0.05):")))
            blocks.append(.table(groupTable, caption: t.changes, shadedFrom: nil))
        }
        return blocks
    }

    // MARK: Reliability, comments, provenance

    func reliability() -> [ReportDocument.Block] {
        guard !results.reliability.isEmpty else { return [] }
        let table = ResultTable(headers: [t("カテゴリー", "category"), t("項目数", "items"), "n", "α"],
                                rows: results.reliability.map { row in
                                    [.text(name(row.indicator)), .integer(row.items), .integer(row.n), .number(row.alpha, decimals: 2)]
                                })
        let single = instrument.categories.filter { $0.itemIDs.count == 1 }.map { $0.name.text(in: language) }
        return [.heading(level: 2, text: t.reliability, anchor: "reliability"),
                .paragraph(t("全項目に回答した人による重み付けなしの α。2 項目のカテゴリーでは 0.5 前後でも珍しくありません。",
                             "Unweighted α over respondents who answered every item; with two items, values around 0.5 are common.")),
                .table(table, caption: t.reliability, shadedFrom: nil)]
            + (single.isEmpty ? [] : [.note(t("設問が 1 問だけのカテゴリー（\(single.joined(separator: "、"))）には α がありません。",
                                               "Categories with a single question have no α: \(single.joined(separator: ", "))."))])
    }

    func comments() -> [ReportDocument.Block] {
        guard let comments = input.comments else { return [] }
        let items = comments.map { "\(groupName($0.group)): \(PersonalDataMask.mask($0.text))" }
        return [.heading(level: 2, text: t.comments, anchor: "comments"),
                .paragraph(t("メールアドレスと電話番号は伏せてあります（\(items.count) 件）。", "E-mail addresses and telephone numbers are masked (\(items.count) comments).")),
                .bullets(items)]
    }

    func provenance() -> [ReportDocument.Block] {
        let table = ResultTable(headers: [t("バッチ", "batch"), t("種類", "kind"), t("ファイル", "file"), t("行数", "rows"),
                                          t("期間", "periods")],
                                rows: input.provenance.map { entry in
                                    [.integer(Int(entry.batch)), .text(t.batchKind(entry.kind)), .text(entry.fileName), .integer(entry.rows),
                                     .text(entry.periods)]
                                })
        // The fingerprints in a table of their own, so that the 64 characters fit the page's width.
        let hashes = ResultTable(headers: [t("バッチ", "batch"), t("ファイル", "file"), "SHA-256"],
                                 rows: input.provenance.map { entry in
                                     [.integer(Int(entry.batch)), .text(entry.fileName), .text(entry.sha256)]
                                 })
        return [.heading(level: 2, text: t.provenance, anchor: "provenance"),
                .bullets([
                    t("調査票: ID \(instrument.id)、版 \(instrument.version)（SHA-256 \(input.instrumentSHA256)）", "Instrument: \(instrument.id) version \(instrument.version) (SHA-256 \(input.instrumentSHA256))"),
                    t("集計: wellbeing \(input.toolVersion)、重み付け: \(t.weightingName(results.weighting.rawValue))、秘匿基準: 回答者 \(results.minimumN) 人未満",
                      "Computed by wellbeing \(input.toolVersion); weighting: \(t.weightingName(results.weighting.rawValue)); withheld below \(results.minimumN) respondents"),
                ]),
                .table(table, caption: t.provenance, shadedFrom: nil),
                .table(hashes, caption: t("取り込んだファイルの SHA-256", "The imported files' SHA-256"), shadedFrom: nil)]
    }
}

extension ReportBuilder {
    /// The answer range of an indicator's questions, such as `1–5`.
    func scaleText(of indicator: IndicatorID) -> String {
        let itemID = instrument.categories.first { $0.id == indicator }?.itemIDs.first ?? ItemID(indicator.rawValue)
        guard let item = instrument.items.first(where: { $0.id == itemID }) else { return "" }
        return instrument.scale(of: item).rangeText
    }

    /// A chart range around `values` with a margin, on round numbers, within the scale.
    static func zoomedDomain(_ values: [Double], scale: ClosedRange<Double>) -> ClosedRange<Double> {
        guard let low = values.min(), let high = values.max() else { return scale }
        let span = max(high - low, (scale.upperBound - scale.lowerBound) * 0.05)
        let step = span > 2 ? 1.0 : (span > 0.8 ? 0.5 : 0.2)
        let lower = max(scale.lowerBound, ((low - span * 0.1) / step).rounded(.down) * step)
        let upper = min(scale.upperBound, ((high + span * 0.1) / step).rounded(.up) * step)
        return lower < upper ? lower...upper : scale
    }
}

extension Array where Element == Double {
    /// The mean, or nil for an empty array.
    var average: Double? { isEmpty ? nil : reduce(0, +) / Double(count) }
}
