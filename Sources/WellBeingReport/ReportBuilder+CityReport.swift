import Foundation
import WellBeingAnalysis
import WellBeingCore

/// The sections cities publish beside the indicators: survey overview, who answered, the comparison with
/// national or prefectural figures, breakdowns by age band and sex, and the appendices (単純集計 of every
/// question, the questionnaire).
extension ReportBuilder {
    var groupLabel: LocalizedText { instrument.respondent.group.label }

    /// A mean as a table cell: withheld cells carry the mark of their reason (秘匿※1, 秘匿※2); estimates from
    /// fewer than 30 carry `*`.
    func meanCell(_ estimate: IndicatorEstimate?, decimals: Int = 2) -> ResultTable.Cell {
        valueCell(estimate, estimate?.mean, decimals: decimals)
    }

    /// `value` (a mean, a bound, a deviation score) of `estimate` as a table cell, marked as `meanCell` marks it.
    func valueCell(_ estimate: IndicatorEstimate?, _ value: Double?, decimals: Int) -> ResultTable.Cell {
        guard let estimate else { return .text("—") }
        if let reason = estimate.withheld { return .marked(nil, decimals: decimals, mark: t.withheld(reason)) }
        guard let value else { return .text("—") }
        return estimate.unstable ? .marked(value, decimals: decimals, mark: "*") : .number(value, decimals: decimals)
    }

    /// What a withheld value says where a chart would draw it: its mark.
    func withheldText(_ estimate: IndicatorEstimate?) -> String {
        estimate?.withheld.map { t.withheld($0) } ?? "—"
    }

    /// The notes that explain the marks of `estimates`' cells: `*` and each withheld reason present.
    func marksNote(_ estimates: [IndicatorEstimate?]) -> [ReportDocument.Block] {
        var lines: [String] = []
        if estimates.contains(where: { $0?.unstable == true && $0?.suppressed == false }) {
            lines.append(t("* は回答者 30 人未満の参考値です（信頼区間が広く、誤差が大きい）。",
                           "* marks estimates from fewer than 30 respondents: read them with care (wide intervals)."))
        }
        for reason in [WithheldReason.fewRespondents, .protectsAnother] where estimates.contains(where: { $0?.withheld == reason }) {
            lines.append(t.withheldLegend(reason, minimumN: results.minimumN, groupLabel: groupLabel))
        }
        return lines.isEmpty ? [] : [.note(lines.joined(separator: t("", " ")))]
    }

    // MARK: 調査概要

    func overview() -> [ReportDocument.Block] {
        let questions = instrument.items.count
        var lines = [
            t("調査名: \(instrument.title.ja)", "Survey: \(instrument.title.text(in: .en))"),
            t("集計期間: \(results.period)", "Period reported: \(results.period)"),
            t("有効回答数: \(results.respondentCount) 人（\(groupLabel.ja) \(results.groups.count) 区分）",
              "Valid responses: \(results.respondentCount) (\(results.groups.count) \(groupLabel.text(in: .en).lowercased()) groups)"),
            t("設問数: \(questions) 問（\(instrument.headlines.count) 問の総合指標と、\(instrument.categories.count) カテゴリーの \(questions - instrument.headlines.count) 問）",
              "Questions: \(questions) (\(instrument.headlines.count) headline questions and \(questions - instrument.headlines.count) in \(instrument.categories.count) categories)"),
        ]
        if let previous = input.previous {
            lines.append(t("比較する前回調査: \(previous.period)（回答 \(previous.respondentCount) 人）",
                           "Compared with: \(previous.period) (\(previous.respondentCount) responses)"))
        }
        let about = aboutLines()
        lines.insert(contentsOf: about, at: 1)
        var blocks: [ReportDocument.Block] = [.heading(level: 2, text: t("調査概要", "About the survey"), anchor: "overview")]
        // Responses by how they came back (郵送, Web), when the instrument has such a column and the file held it.
        let modes = instrument.respondent.attributes.filter(\.isResponseMode).compactMap { attribute in
            input.profiles.first { $0.field == attribute.column.name }
        }
        for mode in modes {
            let parts = mode.rows.map { "\(valueText($0.value)) \($0.respondents)" }.joined(separator: t("、", ", "))
            lines.append(t("\(Self.byLabel(mode.label.ja))の回収数: \(parts)", "Responses by \(mode.label.text(in: .en).lowercased()): \(parts)"))
        }
        let rates = input.responseRates
        if !rates.isEmpty {
            let drawn = rates.reduce(0) { $0 + $1.drawn }, responded = rates.reduce(0) { $0 + $1.responded }
            let total = ResponseRate(stratum: t("計", "total"), drawn: drawn, responded: responded)
            lines.insert(t("配布数 \(drawn) 人、回収 \(responded) 人、回収率 \(ReportText.percent(total.rate))",
                           "Drawn: \(drawn); responded: \(responded); response rate \(ReportText.percent(total.rate))"), at: 2 + about.count)
            blocks.append(.bullets(lines))
            let table = ResultTable(headers: [stratumLabel, t("配布数", "drawn"), t("回収数", "responded"), t("回収率", "rate")],
                                    rows: (rates + [total]).map { rate in
                                        [.text(valueText(rate.stratum)), .integer(rate.drawn), .integer(rate.responded), .text(ReportText.percent(rate.rate))]
                                    })
            blocks.append(.table(table, caption: t("\(Self.byLabel(stratumLabel))の配布数と回収率", "Drawn and responded by \(stratumLabel.lowercased())"), shadedFrom: nil))
            let over = rates.filter { $0.responded > $0.drawn }.map { valueText($0.stratum) }
            if !over.isEmpty {
                blocks.append(.note(t("回収数が配布数を上回る\(stratumLabel)があります（\(over.joined(separator: "、"))）。配布数のファイルを確認してください。",
                                      "Some strata have more responses than people drawn (\(over.joined(separator: ", "))); check the sample file.")))
            }
            return blocks
        }
        return blocks + [.bullets(lines)]
    }

    /// What the sample's strata are called: the stratifying fields' labels (地区), or 層.
    var stratumLabel: String {
        // Strata named as the groups are (the districts of a sample drawn by district) are called as the groups are.
        let groups = Set(instrument.respondent.group.values.map(\.rawValue))
        if !input.responseRates.isEmpty, input.responseRates.allSatisfy({ groups.contains($0.stratum) }) {
            return groupLabel.text(in: language)
        }
        guard let fields = results.sampling?.fields.fields, !fields.isEmpty else { return t("層", "stratum") }
        let labels = fields.map { name in
            instrument.respondent.field(named: name).map { instrument.respondent.label(of: $0).text(in: language) } ?? name
        }
        return labels.joined(separator: " × ")
    }

    // MARK: 回答者属性

    func respondentProfiles() -> [ReportDocument.Block] {
        guard !input.profiles.isEmpty else { return [] }
        var blocks: [ReportDocument.Block] = [
            .heading(level: 2, text: t("回答者属性", "Who answered"), anchor: "respondents"),
            .paragraph(t("回答者の構成（重み付けなし）。人口構成比は取り込んだ人口表によるもので、両者の差を重み付け（レイキング）で補正しています。",
                         "The respondents' make-up (unweighted); population shares come from the imported population table, and weighting (raking) corrects the difference.")),
        ]
        var anyDiffers = false
        for profile in input.profiles {
            let hasPopulation = profile.rows.contains { $0.populationShare != nil }
            var headers = [profile.label.text(in: language), t("回答者数", "respondents"), t("構成比", "share")]
            if hasPopulation { headers += [t("人口構成比", "population share"), t("差（ポイント）", "difference (points)")] }
            var differs = false
            let rows: [[ResultTable.Cell]] = profile.rows.map { row in
                var cells: [ResultTable.Cell] = [.text(valueText(row.value)), .integer(row.respondents), .text(ReportText.percent(row.share))]
                if hasPopulation {
                    cells.append(.text(ReportText.percent(row.populationShare)))
                    // The difference of the two printed shares, so that the row adds up as shown.
                    let shown = row.populationShare.map { Self.rounded($0 * 100, 1) }
                    let printed = shown.map { Self.rounded(row.share * 100, 1) - $0 }
                    if let printed, let population = row.populationShare,
                       ResultTable.fixed(printed, decimals: 1) != ResultTable.fixed((row.share - population) * 100, decimals: 1) {
                        differs = true
                    }
                    cells.append(.number(printed, decimals: 1))
                }
                return cells
            } + [[.text(t("計", "total")), .integer(profile.rows.reduce(0) { $0 + $1.respondents }), .text("100.0%")]
                 + (hasPopulation ? [.text("100.0%"), .text("")] : [])]
            blocks.append(.table(ResultTable(headers: headers, rows: rows),
                                 caption: t("\(Self.byLabel(profile.label.ja))の回答者", "Respondents by \(profile.label.text(in: .en).lowercased())"),
                                 shadedFrom: nil))
            anyDiffers = anyDiffers || differs
        }
        if anyDiffers {
            blocks.append(.note(t("差（ポイント）は表示した構成比どうしの差です（丸める前の値の差とは 0.1 ずれることがあります）。",
                                  "The difference (points) is that of the printed shares; it may differ by 0.1 from the difference before rounding.")))
        }
        return blocks
    }

    // MARK: Benchmarks

    func benchmarks() -> [ReportDocument.Block] {
        let compared = (headlineIDs + categories).compactMap { id in results.estimate(id, group: nil).flatMap { estimate in
            estimate.benchmark.map { (id, estimate, $0) }
        } }
        let others = otherBenchmarks()
        let items = instrument.items.compactMap { item -> (IndicatorID, IndicatorEstimate, BenchmarkComparison)? in
            let id = IndicatorID(item.id.rawValue)
            guard !headlineIDs.contains(id), let estimate = results.estimate(id, group: nil), let benchmark = estimate.benchmark else { return nil }
            return (id, estimate, benchmark)
        }
        guard !compared.isEmpty || !items.isEmpty || !others.isEmpty else { return [] }
        var blocks: [ReportDocument.Block] = [.heading(level: 2, text: t("全国・県との比較", "Against national and prefectural figures"), anchor: "benchmarks")]
        var sentences: [String] = []
        for (id, estimate, benchmark) in compared.filter({ headlineIDs.contains($0.0) }).prefix(2) {
            guard let mean = estimate.mean, benchmark.difference != nil else { continue }
            let significant = (benchmark.p ?? 1) < 0.05
            let shownDifference = Self.signed(Self.rounded(mean, 2) - Self.rounded(benchmark.mean, 2), 2)
            let interval = "\(Self.signed(benchmark.confidenceLow, 2))〜\(Self.signed(benchmark.confidenceHigh, 2))"
            sentences.append(t(
                "\(name(id))の平均 \(ReportText.number(mean, 2)) は、比較値 \(ReportText.number(benchmark.mean, 2))（\(benchmark.source)）より \(shownDifference)（差の 95% 信頼区間 \(interval)）で、" + (significant ? "統計的に有意な差です。" : "統計的に有意な差ではありません。"),
                "\(name(id)) averages \(ReportText.number(mean, 2)), \(shownDifference) against \(ReportText.number(benchmark.mean, 2)) (\(benchmark.source); 95% interval of the difference \(interval.replacingOccurrences(of: "〜", with: " to "))): " + (significant ? "a statistically significant difference." : "not a statistically significant difference.")))
        }
        if !sentences.isEmpty { blocks.append(.bullets(sentences)) }
        guard !compared.isEmpty || !items.isEmpty else { return blocks + others }
        let rows: [[ResultTable.Cell]] = (compared + items).map { id, estimate, benchmark in
            [.text(id.rawValue), .text(name(id)), meanCell(estimate), .number(benchmark.mean, decimals: 2),
             .text(Self.signed(estimate.mean.map { Self.rounded($0, 2) - Self.rounded(benchmark.mean, 2) }, 2)),
             .text(benchmark.confidenceLow.map { "\(Self.signed($0, 2))\(t("〜", " to "))\(Self.signed(benchmark.confidenceHigh, 2))" } ?? "—"),
             .text(benchmark.p.map { $0 < 0.001 ? "<0.001" : ReportText.number($0, 3) } ?? "—"),
             .text((benchmark.p ?? 1) < 0.05 ? "★" : "")]
        }
        let table = ResultTable(headers: ["", t("指標", "indicator"), t("本調査", "this survey"), t("比較値", "benchmark"),
                                          t("差", "difference"), t("差の 95% 信頼区間", "95% interval"), "p", t("有意", "significant")],
                                rows: rows)
        blocks.append(.table(table, caption: t("全体の平均と比較値（比較値は誤差のない定数として扱う）",
                                               "Whole-area means against the benchmarks (taken as fixed)"), shadedFrom: nil))
        let sources = Array(Set((compared + items).map { $0.2.source })).sorted()
        let count = (compared + items).count
        blocks.append(.note(t("比較値の出典: ", "Sources: ") + sources.joined(separator: t("／", "; "))
            + (count == 1
               ? t("。差は表示した値どうしの差、★ は p < 0.05。", ". The difference is that of the printed values; ★: p < 0.05.")
               : t("。差は表示した値どうしの差、★ は p < 0.05（比較を \(count) 件行っているため、偶然による有意も含みえます）。",
                   ". The difference is that of the printed values; ★: p < 0.05 (with \(count) comparisons, some may be chance)."))))
        return blocks + others
    }

    /// The benchmarks stored for other years than this report's (a prefecture's means of an earlier year): listed
    /// with their source and year beside this survey's mean, without a test (the years differ).
    func otherBenchmarks() -> [ReportDocument.Block] {
        let others = input.storedBenchmarks.filter { $0.period != results.period.rawValue }
        guard !others.isEmpty else { return [] }
        let order = Dictionary(instrument.indicatorIDs.map(\.rawValue).enumerated().map { ($0.element, $0.offset) }
                               + instrument.items.enumerated().map { ($0.element.id.rawValue, 1000 + $0.offset) },
                               uniquingKeysWith: { a, _ in a })
        let sorted = others.sorted { ($0.period, order[$0.indicator] ?? Int.max, $0.indicator) < ($1.period, order[$1.indicator] ?? Int.max, $1.indicator) }
        let rows: [[ResultTable.Cell]] = sorted.map { benchmark in
            let id = IndicatorID(benchmark.indicator)
            return [.text(benchmark.indicator), .text(name(id)), meanCell(results.estimate(id, group: nil)),
                    .number(benchmark.mean, decimals: 2), .text(benchmark.period)]
        }
        let table = ResultTable(headers: ["", t("指標", "indicator"), t("本調査（\(results.period)）", "this survey (\(results.period))"),
                                          t("比較値", "benchmark"), t("比較値の年", "benchmark year")], rows: rows)
        let sources = Array(Set(sorted.map { t("\($0.period) 年: \($0.source)", "\($0.period): \($0.source)") })).sorted()
        return [.paragraph(t("ほかの年の比較値も取り込まれています。年が違うため検定はせず、並べて示します。",
                             "Benchmarks of other years are stored too; as the years differ, they are shown side by side without a test.")),
                .table(table, caption: t("ほかの年の比較値", "Benchmarks of other years"), shadedFrom: nil),
                .note(t("出典: ", "Sources: ") + sources.joined(separator: t("／", "; ")))]
    }

    // MARK: 年代別・性別

    func breakdownSections() -> [ReportDocument.Block] {
        var blocks: [ReportDocument.Block] = []
        for breakdown in input.breakdowns {
            guard let specification = breakdown.breakdown, breakdown.groups.count >= 2 else { continue }
            let label = breakdownLabel(specification)
            let anchor = "by-" + String(blocks.count)
            // 年代 → 年代別; 性別 already reads "by sex".
            let headingJa = Self.byLabel(label.ja)
            blocks.append(.heading(level: 2, text: t(headingJa, "By \(label.text(in: .en).lowercased())"), anchor: anchor))
            var estimates: [IndicatorEstimate?] = []
            // The headline items, one row per group.
            let headlineRows: [[ResultTable.Cell]] = ([nil] + breakdown.groups.map { Optional($0) }).map { group in
                [.text(groupName(group)), .integer(breakdown.estimate(headlineIDs.first ?? IndicatorID(""), group: group)?.n)]
                    + headlineIDs.map { id in
                        let estimate = breakdown.estimate(id, group: group)
                        estimates.append(estimate)
                        return meanCell(estimate)
                    }
            }
            blocks.append(.table(ResultTable(headers: [label.text(in: language), "n"] + headlineIDs.map(name), rows: headlineRows),
                                 caption: t("総合指標の平均（\(Self.byLabel(label.ja))）", "Headline indicators by \(label.text(in: .en).lowercased())"),
                                 shadedFrom: nil))
            // The outcome with its intervals.
            if let outcome = instrument.outcome {
                blocks.append(.chart(intervalChart(outcome, in: breakdown, label: label, chartID: "\(anchor)-\(outcome.itemID.rawValue)")))
            }
            // The categories: rows, groups as columns (raw means, as cities print them).
            let categoryRows: [[ResultTable.Cell]] = categories.map { id in
                [.text(name(id)), meanCell(breakdown.estimate(id, group: nil))] + breakdown.groups.map { group in
                    let estimate = breakdown.estimate(id, group: group)
                    estimates.append(estimate)
                    return meanCell(estimate)
                }
            }
            blocks.append(.table(ResultTable(headers: [t("カテゴリー", "category"), t("全体", "all")] + breakdown.groups.map(groupName),
                                             rows: categoryRows),
                                 caption: t("カテゴリー別平均（\(Self.byLabel(label.ja))）", "Category means by \(label.text(in: .en).lowercased())"),
                                 shadedFrom: nil))
            blocks += marksNote(estimates)
        }
        return blocks
    }

    /// The label of a breakdown: the attribute's (年代), or the fields joined (年代 × 性別).
    /// The chart of a headline item's means with their 95% intervals, the whole area then each group of `results`
    /// (the dashed line: the whole area's mean); a withheld group shows its mark (秘匿※1), never a figure. Its table
    /// holds the numbers drawn.
    func intervalChart(_ headline: HeadlineItem, in results: IndicatorResults, label: LocalizedText, chartID: String) -> SVGChart {
        let id = IndicatorID(headline.itemID.rawValue)
        let scale = instrument.scale(of: instrument.items[instrument.itemIndex[headline.itemID]!])
        let places: [GroupName?] = [nil] + results.groups
        let values = places.map { results.estimate(id, group: $0) }
        let title = t("\(headline.name.ja)（\(Self.byLabel(label.ja))、95% 信頼区間）", "\(headline.name.text(in: .en)) by \(label.text(in: .en).lowercased()), with 95% intervals")
        let svg = ChartDrawing.whiskers(
            id: "chart-\(chartID)", title: title,
            description: t("点は平均、横線は 95% 信頼区間、破線は全体の平均。", "Dots are means, bars 95% intervals, the dashed line the whole area."),
            labels: places.map(groupName), values: values.map { ($0?.mean, $0?.confidenceLow, $0?.confidenceHigh) },
            domain: Self.zoomedDomain(values.flatMap { [$0?.confidenceLow, $0?.confidenceHigh] }.compactMap { $0 },
                                      scale: Double(scale.minimum)...Double(scale.maximum)),
            missingText: values.map(withheldText), reference: results.estimate(id, group: nil)?.mean,
            axisTitle: t("平均（\(scale.rangeText)）", "mean (\(scale.rangeText))"),
            referenceLabel: t("破線: 全体の平均", "dashed line: all respondents' mean"))
        let table = ResultTable(headers: [label.text(in: language), "n", t("平均", "mean"), t("下限", "low"), t("上限", "high")],
                                rows: zip(places, values).map { place, estimate in
                                    [.text(groupName(place)), .integer(estimate?.n), meanCell(estimate),
                                     valueCell(estimate, estimate?.confidenceLow, decimals: 2),
                                     valueCell(estimate, estimate?.confidenceHigh, decimals: 2)]
                                })
        return SVGChart(id: chartID, title: title, description: "", svg: svg, table: table)
    }

    /// A builder of `results` alone (no earlier period, KPIs or provenance): what a page's charts are drawn from.
    static func charting(_ results: IndicatorResults, instrument: Instrument, language: Language) -> ReportBuilder {
        ReportBuilder(input: ReportInput(
            instrument: instrument, instrumentSHA256: "", results: results, previous: nil, comparison: nil, comparisonNotes: [],
            provenance: [], comments: nil, language: language, toolVersion: ""))
    }

    /// The report's interval chart of every headline item across the groups of `results` (the instrument's group, or
    /// the breakdown it was computed by), each with the note on its marks (`*`, 秘匿※1, 秘匿※2) as the report words
    /// it: what a page of the server draws beside its tables.
    public static func intervalCharts(_ results: IndicatorResults, instrument: Instrument,
                                      language: Language) -> [(chart: SVGChart, note: String?)] {
        let builder = charting(results, instrument: instrument, language: language)
        let label = results.breakdown.map(builder.breakdownLabel) ?? instrument.respondent.group.label
        return instrument.headlines.map { headline in
            let chart = builder.intervalChart(headline, in: results, label: label, chartID: "intervals-\(headline.itemID.rawValue)")
            let estimates = ([nil] + results.groups).map { results.estimate(IndicatorID(headline.itemID.rawValue), group: $0) }
            let note = builder.marksNote(estimates).compactMap { block -> String? in
                if case let .note(text) = block { return text }
                return nil
            }.first
            return (chart, note)
        }
    }

    /// The report's radar charts of deviation scores by category for each group of `results` (the instrument's group,
    /// or the breakdown it was computed by: 50 is then the average of its groups), the survey's scores only, and what
    /// they show in a sentence; no chart where the report would draw none (fewer than 3 categories, fewer than 2 or
    /// more than 30 groups). A withheld value is drawn nowhere: its axis breaks the line. What a page draws.
    public static func radarCharts(_ results: IndicatorResults, instrument: Instrument,
                                   language: Language) -> (charts: [SVGChart], about: String) {
        let builder = charting(results, instrument: instrument, language: language)
        let label = results.breakdown.map(builder.breakdownLabel) ?? instrument.respondent.group.label
        return (builder.radarCharts(results, comparison: nil).map(\.chart), builder.radarAbout(label))
    }

    /// The report's importance × score chart of `results` (its table holds every category's numbers); nil where the
    /// report draws none (no outcome, fewer than 3 categories with both numbers).
    public static func driversChart(_ results: IndicatorResults, instrument: Instrument, language: Language) -> SVGChart? {
        charting(results, instrument: instrument, language: language).driversChart()
    }

    func breakdownLabel(_ breakdown: Breakdown) -> LocalizedText {
        let respondent = instrument.respondent
        let labels = breakdown.fields.map { name in
            respondent.field(named: name).map(respondent.label(of:)) ?? LocalizedText(ja: name)
        }
        return LocalizedText(ja: labels.map(\.ja).joined(separator: "×"),
                             en: labels.map { $0.text(in: .en) }.joined(separator: " × "))
    }

    // MARK: Appendix: 単純集計

    func tabulationAppendix() -> [ReportDocument.Block] {
        guard !input.tabulation.isEmpty else { return [] }
        var blocks: [ReportDocument.Block] = [
            .heading(level: 2, text: t("付録 単純集計", "Appendix: answers to every question"), anchor: "tabulation"),
            .paragraph(t("各設問の回答の分布（重み付けなし、回答者数と割合）。割合は無回答を除く回答者に対するもので、逆転項目も回答のまま集計しています。",
                         "The distribution of each question's answers (unweighted counts and shares); shares are of those who answered, and reverse-worded questions are counted as answered.")),
        ]
        let byItem = Dictionary(uniqueKeysWithValues: input.tabulation.map { ($0.item, $0) })
        // 1–5 questions as diverging bars, one chart per factor group (and one for the headline block).
        var sections: [(title: LocalizedText, items: [Item])] = []
        for group in instrument.factorGroups {
            let items = instrument.categories.filter { $0.factorGroup == group.id }.flatMap(\.itemIDs)
                .compactMap { id in instrument.items.first { $0.id == id } }
            if !items.isEmpty { sections.append((group.name, items)) }
        }
        let ungrouped = instrument.categories.filter { category in !instrument.factorGroups.contains { $0.id == category.factorGroup } }
            .flatMap(\.itemIDs).compactMap { id in instrument.items.first { $0.id == id } }
        if !ungrouped.isEmpty { sections.append((LocalizedText(ja: "カテゴリー", en: "Categories"), ungrouped)) }
        let headlineItems = instrument.headlines.compactMap { headline in instrument.items.first { $0.id == headline.itemID } }
        if !headlineItems.isEmpty { sections.append((LocalizedText(ja: "総合指標", en: "Headline questions"), headlineItems)) }
        for (index, section) in sections.enumerated() {
            // Questions are drawn together when they share a scale; each scale gets its chart or table.
            let scales = Array(Set(section.items.map(\.scaleID))).sorted()
            for scaleID in scales {
                let items = section.items.filter { $0.scaleID == scaleID }
                guard let scale = instrument.scales[scaleID] else { continue }
                let valueCount = scale.maximum - scale.minimum + 1
                let valueNames = (scale.minimum...scale.maximum).map { value in
                    scale.labels[value].map { "\(value) \($0.text(in: language))" } ?? String(value)
                }
                let tabulations = items.compactMap { byItem[$0.id] }
                let headers = [t("設問", "question"), t("内容", "wording"), t("回答者数", "answered")]
                    + (scale.minimum...scale.maximum).map(String.init) + [t("無回答", "no answer")]
                // Eleven answer columns leave no room on A4 for a question's wording: its short name stands there
                // (the wording is in the questionnaire appendix).
                let headlineNames = Dictionary(instrument.headlines.map { ($0.itemID, $0.name) }, uniquingKeysWith: { a, _ in a })
                let table = ResultTable(headers: headers, rows: tabulations.map { tabulation in
                    let item = instrument.items.first { $0.id == tabulation.item }!
                    let wording = valueCount > 7
                        ? (headlineNames[item.id]?.text(in: language) ?? Self.shortened(item.text.text(in: language), width: 24))
                        : item.text.text(in: language)
                    return [.text(item.id.rawValue + (item.isReversed ? t("（逆）", " (rev.)") : "")), .text(wording),
                            .integer(tabulation.answered)]
                        + tabulation.shares.map { .text(ReportText.percent($0)) } + [.integer(tabulation.missing)]
                })
                let title = t("単純集計（重み付けなし）: \(section.title.ja)（\(scale.rangeText)）", "Answers (unweighted): \(section.title.text(in: .en)) (\(scale.rangeText))")
                if valueCount <= 7 {
                    let svg = ChartDrawing.diverging(
                        id: "chart-tabulation-\(index)-\(scaleID)", title: title,
                        description: t("各設問の回答の割合。中央より左が低い回答、右が高い回答、中間の回答は中央をまたぐ。",
                                       "Each question's answer shares: lower answers left of the centre, higher ones right, the middle answer across it."),
                        labels: tabulations.map { tabulation in
                            let item = instrument.items.first { $0.id == tabulation.item }!
                            return item.id.rawValue + " " + Self.shortened(item.text.text(in: language), width: 34)
                        },
                        shares: tabulations.map(\.shares), legend: valueNames)
                    blocks.append(.chart(SVGChart(id: "tabulation-\(index)-\(scaleID)", title: title, description: "", svg: svg, table: table)))
                } else {
                    blocks.append(.table(table, caption: title, shadedFrom: nil))
                }
            }
        }
        return blocks
    }

    // MARK: Appendix: 調査票

    func questionnaireAppendix() -> [ReportDocument.Block] {
        var blocks: [ReportDocument.Block] = [
            .heading(level: 2, text: t("付録 調査票", "Appendix: the questionnaire"), anchor: "questionnaire"),
            .paragraph(t("設問の文言と回答の尺度（調査票 ID: \(instrument.id)、版: \(instrument.version)）。（逆）は逆転項目（点数は 最小 + 最大 − 回答）。",
                         "The questions' wording and answer scales (\(instrument.id), version \(instrument.version)); (rev.) marks reverse-scored questions (min + max − answer).")),
        ]
        func scaleText(_ item: Item) -> String {
            guard let scale = instrument.scales[item.scaleID] else { return item.scaleID }
            let ends = [scale.labels[scale.minimum], scale.labels[scale.maximum]].compactMap { $0?.text(in: language) }
            return scale.rangeText + (ends.count == 2 ? t("（\(ends[0])〜\(ends[1])）", " (\(ends[0]) to \(ends[1]))") : "")
        }
        var rows: [[ResultTable.Cell]] = instrument.headlines.compactMap { headline in
            instrument.items.first { $0.id == headline.itemID }.map { item in
                [.text(item.id.rawValue), .text(t("総合指標", "headline")), .text(item.text.text(in: language)), .text(scaleText(item))]
            }
        }
        for category in instrument.categories {
            for id in category.itemIDs {
                guard let item = instrument.items.first(where: { $0.id == id }) else { continue }
                rows.append([.text(item.id.rawValue + (item.isReversed ? t("（逆）", " (rev.)") : "")), .text(category.name.text(in: language)),
                             .text(item.text.text(in: language)), .text(scaleText(item))])
            }
        }
        blocks.append(.table(ResultTable(headers: [t("設問", "question"), t("カテゴリー", "category"), t("文言", "wording"), t("尺度", "scale")], rows: rows),
                             caption: t("調査票", "Questionnaire"), shadedFrom: nil))
        return blocks
    }

    // MARK: Formatting helpers

    /// 「年代」→「年代別」; 「性別」already means "by sex".
    static func byLabel(_ label: String) -> String { label.hasSuffix("別") ? label : label + "別" }

    /// `value` rounded half away from zero to `decimals`, as it is printed.
    static func rounded(_ value: Double, _ decimals: Int) -> Double {
        Double(ResultTable.fixed(value, decimals: decimals)) ?? value
    }

    /// `+0.12` / `−0.12` (a minus sign, not a hyphen).
    static func signed(_ value: Double?, _ decimals: Int) -> String {
        guard let value else { return "—" }
        let text = ResultTable.fixed(abs(value), decimals: decimals)
        return (value < 0 && Double(text) != 0 ? "−" : "+") + text
    }

    /// A text cut to `width` display columns with an ellipsis.
    static func shortened(_ text: String, width: Int) -> String {
        guard TextTable.displayWidth(text) > width else { return text }
        var result = ""
        for character in text {
            if TextTable.displayWidth(result + String(character)) > width - 1 { break }
            result.append(character)
        }
        return result + "…"
    }
}
