import WellBeingCore

/// Something a reader of the results should know, worded for the terminal or a report in either language.
public enum AnalysisNote: Sendable, Hashable, Encodable {
    /// Fewer than two groups have a non-withheld estimate, or they are all equal.
    case noDeviationScores(IndicatorID)
    /// The KPI has a value for one group only.
    case kpiInOneGroupOnly(KPIID, name: LocalizedText)
    /// The KPI has the same value in every group.
    case kpiWithoutVariation(KPIID, name: LocalizedText)
    /// `group` is withheld too for `indicators` indicators, so that `protecting`'s withheld values cannot be
    /// derived from the whole area's.
    case secondarySuppression(group: GroupName, protecting: GroupName, indicators: Int)
    /// Strata of the sample with a single respondent: they add nothing to the SEs, which are therefore
    /// somewhat too small (R stops with an error unless `survey.lonely.psu` says otherwise).
    case singleRespondentStrata([String])
    /// The small-area model found no variation between groups beyond sampling error for these indicators:
    /// every group gets the synthetic estimate (all equal without covariates).
    case smallAreaSynthetic([IndicatorID], covariates: Bool)
    /// Fisher scoring did not converge for these indicators (sae gives up there); Â comes from the fallback.
    case smallAreaFallback([IndicatorID])
    /// No model could be fitted (too few groups, or no sampling variance to work with).
    case smallAreaNotFitted([IndicatorID])
    /// Standardised by `by`, `partial` of `groups` groups lack respondents in some cells (`cells` the most
    /// frequent), so their means are standardised over the cells they have.
    case partialStandardization(by: String, partial: Int, groups: Int, cells: [String], coarser: String?)

    /// The note in `language`, naming indicators as `instrument` does.
    public func text(in language: Language, instrument: Instrument? = nil) -> String {
        switch self {
        case let .noDeviationScores(indicator):
            let name = instrument?.indicatorName(indicator, in: language) ?? indicator.rawValue
            return language == .ja
                ? "\(name): 秘匿されていない推定値が 2 区分未満か、すべて同じ値のため、偏差値を算出していません。"
                : "\(name): no deviation scores, since fewer than two groups have an estimate that is not withheld, or their estimates are all equal."
        case let .kpiInOneGroupOnly(kpi, name):
            return language == .ja
                ? "KPI「\(name.ja)」（\(kpi)）は 1 区分にしか値がないため、区分間で評価できず除外しました。"
                : "KPI \(kpi) (\(name.text(in: .en))) has a value for only one group, so it cannot be scored across groups; left out."
        case let .kpiWithoutVariation(kpi, name):
            return language == .ja
                ? "KPI「\(name.ja)」（\(kpi)）はすべての区分で同じ値のため、差を表さず除外しました。"
                : "KPI \(kpi) (\(name.text(in: .en))) has the same value in every group, so it says nothing about differences; left out."
        case let .secondarySuppression(group, protecting, count):
            return language == .ja
                ? "\(group) の推定値も \(count) 指標で秘匿しました。\(protecting) の秘匿値が全体の値からの差し引きで分からないようにするためです（二次秘匿）。"
                : "\(group) is withheld too for \(count) indicator(s), so that the withheld values of \(protecting) cannot be derived from the whole area's by subtraction (secondary suppression)."
        case let .partialStandardization(by, partial, groups, cells, coarser):
            let shown = cells.prefix(3)
            return language == .ja
                ? "\(by) による標準化: " + (partial == groups ? "\(groups) 区分すべてで" : "\(groups) 区分のうち \(partial) 区分は") + "一部のセル（\(shown.joined(separator: "、"))\(cells.count > 3 ? " など" : "")）に回答者がいないため、回答者のいるセルだけで標準化しています（R と同じ扱い）。" + (coarser.map { "--standardize \($0) とすると、より多くの区分を完全に標準化できます。" } ?? "")
                : "Standardised by \(by): " + (partial == groups ? "all \(groups) groups have" : "\(partial) of \(groups) groups have") + " no respondents in some cells (\(shown.joined(separator: ", "))\(cells.count > 3 ? ", …" : "")), so their means are standardised over the cells they have (as R does)." + (coarser.map { " --standardize \($0) standardises more groups fully." } ?? "")
        case let .smallAreaSynthetic(indicators, covariates):
            let names = indicators.map { instrument?.indicatorName($0, in: language) ?? $0.rawValue }
            return language == .ja
                ? "小地域推定: \(names.joined(separator: "、")) は、区分間の差が標本誤差の範囲内と推定された（区分間分散 0）ため、モデル推定値はすべて回帰による合成推定値です" + (covariates ? "。" : "（共変量がないため全区分で同じ値）。これらのモデル推定値から偏差値は算出できません。")
                : "Small-area estimates: for \(names.joined(separator: ", ")) the model finds no variation between groups beyond sampling error (variance 0), so every model estimate is the synthetic (regression) estimate" + (covariates ? "." : ", the same for every group without covariates; no deviation scores can be computed from them.")
        case let .smallAreaFallback(indicators):
            let names = indicators.map { instrument?.indicatorName($0, in: language) ?? $0.rawValue }
            return language == .ja
                ? "小地域推定: \(names.joined(separator: "、")) はフィッシャー・スコアリングが 100 回で収束しなかった（R の sae はここで推定を返しません）ため、区分間分散をスコア関数の根（根がなければ 0）としました。"
                : "Small-area estimates: Fisher scoring did not converge in 100 steps for \(names.joined(separator: ", ")) (R's sae returns nothing there); the between-group variance is the root of the score (0 where it has none)."
        case let .smallAreaNotFitted(indicators):
            let names = indicators.map { instrument?.indicatorName($0, in: language) ?? $0.rawValue }
            return language == .ja
                ? "小地域推定: \(names.joined(separator: "、")) はモデルを当てはめられませんでした（回答者 2 人以上の区分が共変量の数 + 1 以下、または標本分散が 0）。"
                : "Small-area estimates: no model could be fitted for \(names.joined(separator: ", ")) (no more groups with two or more respondents than coefficients, or a sampling variance of 0)."
        case let .singleRespondentStrata(strata):
            return language == .ja
                ? "層 \(strata.joined(separator: "、")) は回答者が 1 人のため、標準誤差に寄与しません（分散を推定できません）。標準誤差はその分やや小さめです。隣の層と合わせることを検討してください。"
                : "The stratum \(strata.joined(separator: ", ")) has a single respondent and adds nothing to the standard errors (its variance cannot be estimated), which are therefore somewhat too small; consider merging it with a neighbouring stratum."
        }
    }

    /// Encoded as its English text.
    public func encode(to encoder: Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(text(in: .en))
    }
}
