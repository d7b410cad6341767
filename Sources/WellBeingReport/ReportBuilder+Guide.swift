import Foundation
import WellBeingAnalysis
import WellBeingCore

/// The parts every city report has beside the figures: the survey's particulars (from the instrument's
/// `report:` block), how to read the report, and the plain means by group.
extension ReportBuilder {
    // MARK: 調査の概要（report: block）

    /// The lines of the survey overview that the `report:` block gives: purpose, population, sampling, method,
    /// fieldwork, publisher and contact, each only when given.
    func aboutLines() -> [String] {
        guard let about = instrument.about else { return answeredDaysLine().map { [$0] } ?? [] }
        var lines: [String] = []
        func add(_ ja: String, _ en: String, _ text: LocalizedText?) {
            if let text { lines.append(t("\(ja): ", "\(en): ") + text.text(in: language)) }
        }
        add("調査の目的", "Purpose", about.purpose)
        add("調査対象", "Population", about.population)
        add("抽出方法", "Sampling", about.sampling)
        add("調査方法", "Method", about.method)
        if about.fieldworkFrom != nil || about.fieldworkTo != nil {
            lines.append(t("調査期間: ", "Fieldwork: ") + fieldworkText(from: about.fieldworkFrom, to: about.fieldworkTo))
        } else if let line = answeredDaysLine() {
            lines.append(line)
        }
        add("発行", "Published by", about.publisher)
        add("問い合わせ先", "Contact", about.contact)
        return lines
    }

    /// The fieldwork dates as the answers' timestamps give them, said so; nil without timestamps.
    func answeredDaysLine() -> String? {
        input.answeredDays.map { days in
            t("調査期間: ", "Fieldwork: ") + fieldworkText(from: days.first, to: days.last)
                + t("（回答の日時による）", " (as the answers' timestamps give it)")
        }
    }

    /// `2025年9月1日〜9月30日` / `1 September to 30 September 2025`.
    func fieldworkText(from: String?, to: String?) -> String {
        func parts(_ date: String?) -> (year: Int, month: Int, day: Int)? {
            guard let numbers = date?.split(separator: "-").compactMap({ Int($0) }), numbers.count == 3 else { return nil }
            return (numbers[0], numbers[1], numbers[2])
        }
        let months = ["January", "February", "March", "April", "May", "June", "July", "August", "September", "October",
                      "November", "December"]
        func ja(_ date: (year: Int, month: Int, day: Int), withYear: Bool) -> String {
            (withYear ? "\(date.year)年" : "") + "\(date.month)月\(date.day)日"
        }
        func en(_ date: (year: Int, month: Int, day: Int), withYear: Bool) -> String {
            "\(date.day) \(months[date.month - 1])" + (withYear ? " \(date.year)" : "")
        }
        switch (parts(from), parts(to)) {
        case let (first?, last?):
            let sameYear = first.year == last.year
            return t("\(ja(first, withYear: true))〜\(ja(last, withYear: !sameYear))",
                     "\(en(first, withYear: !sameYear)) to \(en(last, withYear: true))")
        case let (first?, nil): return t("\(ja(first, withYear: true))から", "from \(en(first, withYear: true))")
        case let (nil, last?): return t("\(ja(last, withYear: true))まで", "until \(en(last, withYear: true))")
        default: return "—"
        }
    }

    // MARK: この報告書の見方

    /// A short guide: which figures are weighted, what n, the intervals, the deviation scores, the marks and
    /// "significant" mean here.
    func readingGuide() -> [ReportDocument.Block] {
        let group = groupLabel
        var lines: [String] = []
        switch results.weighting {
        case .none:
            lines.append(t("重み付け: この報告書の数値はすべて重み付けなし（回答そのままの集計）です。",
                           "Weighting: every figure in this report is unweighted (the answers as they are)."))
        default:
            let how = results.weighting == .raked
                ? t("回答者の性別・年代・\(group.ja)の構成を人口の構成に合わせる重み付け（レイキング）", "weights that match the respondents' make-up to the population's (raking)")
                : t("抽出の確率に応じた重み（設計ウェイト）", "weights for each respondent's chance of being drawn (design weights)")
            lines.append(t("重み付け: 平均・割合・偏差値・信頼区間は、\(how)をした値です。回答者属性と付録の単純集計は重み付けなしの実数です。",
                           "Weighting: means, shares, deviation scores and intervals use \(how). Who answered and the appendix of answers are unweighted counts."))
        }
        lines.append(t("n: その値のもとになった回答者の数（重み付けなし）。n が小さいほど値は不確かです。",
                       "n: the number of respondents behind a figure (unweighted); the smaller n, the less certain the figure."))
        lines.append(t("95% 信頼区間: 調査の誤差を考えたときに、本当の値がおよそ入る範囲です。2 つの値の区間が大きく重なるときは、差があるとは言えません。",
                       "95% interval: the range in which the true value most likely lies, given the survey's error. Where two intervals overlap widely, the figures cannot be told apart."))
        lines.append(t("偏差値: \(group.ja)どうしを比べた値で、50 が\(group.ja)の平均、10 の差が標準偏差 1 つ分です。順位や良し悪しの評価ではありません。平均点そのものは「\(Self.byLabel(group.ja))の平均」の表にあります。",
                       "Deviation score: a comparison among the \(group.text(in: .en).lowercased()) groups; 50 is their average and 10 one standard deviation. It is not a ranking. The plain means are in the table of means by \(group.text(in: .en).lowercased())."))
        lines.append(t.withheldLegend(.fewRespondents, minimumN: results.minimumN, groupLabel: group)
                     + t(" ", " ") + t.withheldLegend(.protectsAnother, minimumN: results.minimumN, groupLabel: group)
                     + (results.smallAreaFits == nil ? "" : t(" ", " ") + t.withheldModelLegend)
                     + t(" * は回答者 30 人未満の参考値です。", " * marks figures from fewer than 30 respondents."))
        // What "significant" means in each comparison this report makes.
        var tests: [String] = []
        if input.previous != nil {
            tests.append(t("前回調査との比較は多くの比較をまとめて調整し q < 0.05", "changes since the previous survey are adjusted for the many comparisons (q < 0.05)"))
        }
        if results.estimates.contains(where: { $0.benchmark != nil }) {
            tests.append(t("全国・県との比較は p < 0.05", "comparisons with national and prefectural figures use p < 0.05"))
        }
        if input.comparison != nil {
            tests.append(t("主観と客観の比較は差が 10 以上かつ 1.96 × 標準誤差を超えるもの", "subjective versus objective gaps count when 10 or more and beyond 1.96 × SE"))
        }
        if !tests.isEmpty {
            lines.append(t("「有意」: 偶然の誤差だけでは説明しにくい差のことです（\(tests.joined(separator: "、"))）。有意でないことは、差がないことの証明ではありません。",
                           "\"Significant\": a difference that chance error alone is unlikely to explain (\(tests.joined(separator: "; "))). Not significant does not prove there is no difference."))
        }
        return [.heading(level: 2, text: t("この報告書の見方", "How to read this report"), anchor: "reading-guide"), .bullets(lines)]
    }

    // MARK: 地区別の平均

    /// The plain (weighted) means of every category and headline question by group, as cities print them beside
    /// the deviation scores.
    func groupMeans() -> [ReportDocument.Block] {
        guard results.groups.count >= 2 else { return [] }
        let indicators = categories + headlineIDs
        var shown: [IndicatorEstimate?] = []
        let rows: [[ResultTable.Cell]] = indicators.map { id in
            [.text(name(id)), .text(scaleText(of: id)), meanCell(results.estimate(id, group: nil))] + results.groups.map { group in
                let estimate = results.estimate(id, group: group)
                shown.append(estimate)
                return meanCell(estimate)
            }
        }
        let caption = t("\(Self.byLabel(groupLabel.ja))の平均（重み付き）", "Means by \(groupLabel.text(in: .en).lowercased()) (weighted)")
        let table = ResultTable(headers: [t("指標", "indicator"), t("尺度", "scale"), t("全体", "all")] + results.groups.map(groupName), rows: rows)
        return [.heading(level: 3, text: caption, anchor: "group-means"),
                .paragraph(t("偏差値のもとになった平均点です（カテゴリーは設問の平均、尺度はその回答の範囲）。",
                             "The means behind the deviation scores (a category is the mean of its questions, on the scale shown).")),
                .table(table, caption: caption, shadedFrom: nil)] + marksNote(shown)
    }
}
