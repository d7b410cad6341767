import Foundation
import WellBeingAnalysis
import WellBeingCore

extension ReportBuilder {
    /// 地区別の地図: a choropleth of each headline indicator (and of each indicator asked for with `--maps`),
    /// with a ranked dot-and-interval chart beside it and the numbers in a table; only when boundaries are stored.
    func maps() -> [ReportDocument.Block] {
        guard let boundaries = input.boundaries, !boundaries.areas.isEmpty, results.breakdown == nil else { return [] }
        var indicators: [IndicatorID] = []
        for id in headlineIDs + input.mapIndicators where !indicators.contains(id) && results.estimate(id, group: nil) != nil {
            indicators.append(id)
        }
        guard !indicators.isEmpty else { return [] }
        let credit = boundaries.credit.isEmpty ? t("境界: 取り込まれた地区境界", "Boundaries: as imported") : boundaries.credit
        var blocks: [ReportDocument.Block] = [
            .heading(level: 2, text: t("\(Self.byLabel(groupLabel.ja))の地図", "Maps by \(groupLabel.text(in: .en).lowercased())"), anchor: "maps"),
            .paragraph(t("色の区切りは回答尺度ごとに固定（尺度の幅の 50・55・60・65・70 % の位置）で、年度をまたいで比べられます。斜線は回答者 30 人未満の参考値、灰色は秘匿です。右の図は平均の高い順に 95% 信頼区間とともに並べたものです（※ は参考値）。",
                         "Colour classes are fixed per answer scale (at 50, 55, 60, 65 and 70 % of its range), so years compare. Hatching marks estimates from fewer than 30 respondents; grey ones are withheld. Beside each map, the districts ranked by mean with 95% intervals (※ marks unstable estimates).")),
        ]
        let layout = ChoroplethMap.Layout(boundaries: boundaries, name: { self.groupName($0) })
        for (index, id) in indicators.enumerated() {
            blocks += mapBlock(id, index: index, boundaries: boundaries, layout: layout, credit: credit)
        }
        return blocks
    }

    /// The answer scale of an indicator (a category's first question, or the question itself).
    func answerScale(of indicator: IndicatorID) -> AnswerScale? {
        let itemID = instrument.categories.first { $0.id == indicator }?.itemIDs.first ?? ItemID(indicator.rawValue)
        return instrument.items.first { $0.id == itemID }.map(instrument.scale(of:))
    }

    /// Why an estimate is withheld, in the report's language (never any of its figures).
    func withheldReason(_ estimate: IndicatorEstimate) -> String {
        ResultTables.estimateNote(estimate, minimumN: results.minimumN, language: language)
    }

    private func mapBlock(_ id: IndicatorID, index: Int, boundaries: DistrictBoundaries, layout: ChoroplethMap.Layout,
                          credit: String) -> [ReportDocument.Block] {
        let scale = answerScale(of: id)
        let breaks = ChoroplethMap.breaks(minimum: scale?.minimum ?? 0, maximum: scale?.maximum ?? 10)
        let districts = boundaries.districts
        var shades: [GroupName: ChoroplethMap.Shade] = [:]
        for district in districts {
            shades[district] = ChoroplethMap.shade(of: results.estimate(id, group: district), breaks: breaks, withheldReason: withheldReason)
        }
        let scaleText = scale?.rangeText ?? ""
        let title = t("\(name(id))（\(Self.byLabel(groupLabel.ja))の平均、\(scaleText)）", "\(name(id)): mean by \(groupLabel.text(in: .en).lowercased()) (\(scaleText))")
        let mapSVG = ChoroplethMap.svg(
            id: "map-\(index)", indicator: id, title: title,
            description: t("地区ごとの平均を色の濃さで示した地図。濃いほど高い。斜線は参考値、灰色は秘匿。",
                           "Each district shaded by its mean, darker is higher; hatched: unstable; grey: withheld."),
            layout: layout, shades: shades, breaks: breaks,
            wording: ChoroplethMap.Wording(legendTitle: t("平均（\(scaleText)）", "mean (\(scaleText))"),
                                           unstable: t("参考値（30 人未満）", "unstable (n < 30)"),
                                           withheld: t("秘匿", "withheld"), noAnswers: Message(.noteNoAnswers).text(in: language),
                                           credit: credit))
        // Ranked by mean, highest first; withheld districts after them (no figures), districts nobody answered in left out.
        let estimates = districts.compactMap { district in results.estimate(id, group: district).map { (district, $0) } }
        let ranked = estimates.filter { $0.1.mean != nil }.sorted { ($0.1.mean!, $1.0.rawValue) > ($1.1.mean!, $0.0.rawValue) }
            + estimates.filter { $0.1.suppressed }
        let rankedTitle = t("\(name(id))の順位（95% 信頼区間）", "\(name(id)) ranked (95% intervals)")
        let domain = Self.zoomedDomain(ranked.flatMap { [$0.1.confidenceLow, $0.1.confidenceHigh] }.compactMap { $0 },
                                       scale: Double(scale?.minimum ?? 0)...Double(scale?.maximum ?? 10))
        let rankedSVG = ChartDrawing.whiskers(
            id: "map-\(index)-ranked", title: rankedTitle,
            description: t("点は平均、横線は 95% 信頼区間、縦の破線は全体の平均。※ は参考値。", "Dots are means, bars 95% intervals, the dashed line the whole area's mean. ※ marks unstable estimates."),
            labels: ranked.map { groupName($0.0) + ($0.1.unstable && !$0.1.suppressed ? " ※" : "") },
            values: ranked.map { ($0.1.mean, $0.1.confidenceLow, $0.1.confidenceHigh) }, domain: domain,
            missingText: ranked.map { withheldText($0.1) }, reference: results.estimate(id, group: nil)?.mean,
            axisTitle: t("平均（\(scaleText)）", "mean (\(scaleText))"), referenceLabel: t("破線: 全体の平均", "dashed: whole-area mean"))
        var table = ResultTable(
            headers: [instrument.respondent.group.label.text(in: language), "n", t("平均", "mean"), t("下限", "low"), t("上限", "high"),
                      t("色の区分", "class"), t("注", "note")],
            rows: districts.map { district in
                let estimate = results.estimate(id, group: district)
                switch shades[district] ?? .noAnswers {
                case let .value(_, classIndex, unstable):
                    return [.text(groupName(district)), .integer(estimate?.n), meanCell(estimate),
                            valueCell(estimate, estimate?.confidenceLow, decimals: 2), valueCell(estimate, estimate?.confidenceHigh, decimals: 2),
                            .text(ChoroplethMap.classLabel(classIndex, breaks: breaks)), .text(unstable ? t("参考値（30 人未満）", "unstable (n < 30)") : "")]
                case let .withheld(reason):
                    return [.text(groupName(district)), .integer(estimate?.n), meanCell(estimate), .text(""), .text(""), .text(""), .text(reason)]
                case .noAnswers:
                    return [.text(groupName(district)), .integer(estimate?.n ?? 0), .text("—"), .text(""), .text(""), .text(""),
                            .text(Message(.noteNoAnswers).text(in: language))]
                }
            })
        // A class (6.00–6.50) stays on one line.
        table.cellClasses = Dictionary(uniqueKeysWithValues: table.rows.indices.map { ([$0, 5], "nowrap") })
        return [.chartGrid([SVGChart(id: "map-\(index)", title: title, description: "", svg: mapSVG, table: table),
                            SVGChart(id: "map-\(index)-ranked", title: rankedTitle, description: "", svg: rankedSVG, table: table)],
                           table: table, caption: title)]
            + marksNote(estimates.map { $0.1 })
    }
}
