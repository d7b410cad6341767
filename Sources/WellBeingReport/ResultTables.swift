import Foundation
import WellBeingAnalysis
import WellBeingCore

/// The tables that `indicators`, `compare`, `drivers` and `trend` print: one layout for people (`table`),
/// and one with exactly the JSON fields for machines (`csv`).
public enum ResultTables {
    static func groupText(_ group: GroupName?, whole: String = "(all)") -> String { group?.rawValue ?? whole }

    // MARK: indicators

    /// The JSON fields of each estimate, one row each.
    /// With mean-only benchmarks, the JSON's `benchmark` object follows as `benchmark_…` columns.
    public static func indicatorsCSV(_ results: IndicatorResults) -> ResultTable {
        let benchmarked = results.estimates.contains { $0.benchmark != nil }
        let benchmarkHeaders = benchmarked
            ? ["benchmark_mean", "benchmark_diff", "benchmark_se", "benchmark_ci_low", "benchmark_ci_high", "benchmark_z",
               "benchmark_p", "benchmark_source"] : []
        let standardized = results.standardization != nil
        let standardizedHeaders = standardized ? ["partial", "dropped_cells", "lost_cells"] : []
        let modelled = results.smallAreaFits != nil
        let modelHeaders = modelled ? ["sae_estimate", "sae_mse", "sae_rmse", "sae_cv", "sae_shrinkage", "sae_psi", "sae_psi_source",
                                       "sae_withheld"] : []
        return ResultTable(headers: ["group", "indicator", "n", "mean", "se", "ci_low", "ci_high", "top2", "top2_se", "deviation",
                                     "suppressed", "unstable"] + standardizedHeaders + modelHeaders + benchmarkHeaders,
                           rows: results.estimates.map { e in
                               var row: [ResultTable.Cell] = [
                                   .text(e.group?.rawValue ?? ""), .text(e.indicator.rawValue), .integer(e.n), .number(e.mean, decimals: 3),
                                   .number(e.standardError, decimals: 3), .number(e.confidenceLow, decimals: 3),
                                   .number(e.confidenceHigh, decimals: 3), .number(e.topBoxShare, decimals: 3),
                                   .number(e.topBoxStandardError, decimals: 4),
                                   .number(e.deviation, decimals: 1), .flag(e.suppressed), .flag(e.unstable)]
                               if standardized {
                                   row += e.standardization.map { [.flag($0.partial), .text($0.droppedCells.joined(separator: "; ")),
                                                                  .text($0.lostCells.joined(separator: "; "))] }
                                       ?? [.text(""), .text(""), .text("")]
                               }
                               if modelled {
                                   let m = e.smallArea
                                   row += [.number(m?.estimate, decimals: 3), .number(m?.mse, decimals: 6), .number(m?.rmse, decimals: 4),
                                           .number(m?.cv, decimals: 4), .number(m?.shrinkage, decimals: 4),
                                           .number(m?.samplingVariance, decimals: 6), .text(m?.samplingVarianceSource ?? ""),
                                           m.map { .flag($0.withheld) } ?? .text("")]
                               }
                               if benchmarked {
                                   let b = e.benchmark
                                   row += [.number(b?.mean, decimals: 3), .number(b?.difference, decimals: 3),
                                           .number(b?.standardError, decimals: 3), .number(b?.confidenceLow, decimals: 3),
                                           .number(b?.confidenceHigh, decimals: 3), .number(b?.z, decimals: 2),
                                           .number(b?.p, decimals: 4), .text(b?.source ?? "")]
                               }
                               return row
                           })
    }

    /// Why an estimate is withheld or to be read with care, in words (empty when neither).
    public static func estimateNote(_ e: IndicatorEstimate, minimumN: Int, language: Language) -> String {
        let ja = language == .ja
        if e.suppressed {
            if e.n >= minimumN {
                return ja ? "秘匿（二次秘匿：他の区分の秘匿値を守るため）" : "withheld (secondary suppression, to protect another group's withheld value)"
            }
            return ja ? "秘匿（回答者 \(minimumN) 人未満）" : "withheld (fewer than \(minimumN) respondents)"
        }
        if e.mean == nil { return ja ? "回答なし" : "no answers" }
        return e.unstable ? (ja ? "参考値（回答者 30 人未満）" : "unstable (fewer than 30 respondents)") : ""
    }

    /// Estimates for a terminal: names, rounded figures, the interval in one column, and a note.
    public static func indicatorsText(_ results: IndicatorResults, instrument: Instrument, language: Language) -> ResultTable {
        let benchmarked = results.estimates.contains { $0.benchmark != nil }
        var table = ResultTable(headers: ["group", "indicator", "name", "n", "mean", "se", "95% CI", "top2 %", "dev", "note"],
                    rows: results.estimates.map { e in
                        let interval = e.confidenceLow.flatMap { low in
                            e.confidenceHigh.map { "\(ResultTable.fixed(low, decimals: 2))–\(ResultTable.fixed($0, decimals: 2))" }
                        } ?? "—"
                        var notes: [String] = []
                        if e.suppressed { notes.append("withheld (n < \(results.minimumN))") } else if e.unstable { notes.append("unstable (n < 30)") }
                        if let detail = e.standardization, detail.partial, !e.suppressed {
                            notes.append("partly standardised (\(detail.droppedCells.count) cell\(detail.droppedCells.count == 1 ? "" : "s") missing)")
                        }
                        let note = notes.joined(separator: "; ")
                        return [.text(groupText(e.group)), .text(e.indicator.rawValue),
                                .text(instrument.indicatorName(e.indicator, in: language)), .integer(e.n),
                                .number(e.mean, decimals: 2), .number(e.standardError, decimals: 3), .text(interval),
                                .number(e.topBoxShare.map { $0 * 100 }, decimals: 1), .number(e.deviation, decimals: 1),
                                .text(note)]
                    })
        if results.smallAreaFits != nil {
            // "model (RMSE)": the small-area estimate beside the direct one, withheld above a CV of 30 %.
            table.headers.insert("model (RMSE)", at: 9)
            for (index, e) in results.estimates.enumerated() {
                var text = ""
                if let m = e.smallArea {
                    text = m.withheld ? "withheld (CV \(ResultTable.fixed(m.cv * 100, decimals: 0))%)"
                        : "\(ResultTable.fixed(m.estimate, decimals: 2)) (\(ResultTable.fixed(m.rmse, decimals: 3)))"
                }
                table.rows[index].insert(.text(text), at: 9)
            }
        }
        if benchmarked {
            // "vs benchmark": the difference and its p, beside the benchmark's mean.
            table.headers.insert("vs benchmark", at: 9)
            for (index, e) in results.estimates.enumerated() {
                var text = ""
                if let b = e.benchmark {
                    text = "\(ResultTable.fixed(b.mean, decimals: 2))"
                    if let difference = b.difference {
                        text += ": " + (difference >= 0 ? "+" : "−") + ResultTable.fixed(abs(difference), decimals: 2)
                        if let p = b.p { text += p < 0.001 ? " (p<0.001)" : " (p=\(ResultTable.fixed(p, decimals: 3)))" }
                    }
                }
                table.rows[index].insert(.text(text), at: 9)
            }
        }
        return table
    }

    // MARK: compare

    public static func compareCSV(_ rows: [ComparisonRow]) -> ResultTable {
        ResultTable(headers: ["group", "indicator", "subjective", "objective", "gap", "gap_se", "flagged", "kpis"],
                    rows: rows.map { row in
                        [.text(row.group.rawValue), .text(row.indicator.rawValue), .number(row.subjective, decimals: 1),
                         .number(row.objective, decimals: 1), .number(row.gap, decimals: 1), .number(row.gapStandardError, decimals: 2),
                         .flag(row.flagged), .integer(row.kpis)]
                    })
    }

    public static func compareText(_ rows: [ComparisonRow], instrument: Instrument, language: Language) -> ResultTable {
        ResultTable(headers: ["group", "indicator", "name", "subjective", "objective", "gap", "gap SE", "KPIs", ""],
                    rows: rows.map { row in
                        [.text(row.group.rawValue), .text(row.indicator.rawValue),
                         .text(instrument.indicatorName(row.indicator, in: language)), .number(row.subjective, decimals: 1),
                         .number(row.objective, decimals: 1), .number(row.gap, decimals: 1), .number(row.gapStandardError, decimals: 2),
                         .integer(row.kpis), .text(row.flagged ? "⚑ gap ≥ 10 and > 1.96·SE" : "")]
                    })
    }

    // MARK: drivers

    public static func driversCSV(_ rows: [DriverRow]) -> ResultTable {
        ResultTable(headers: ["indicator", "n", "r", "mean", "quadrant"],
                    rows: rows.map { row in
                        [.text(row.indicator.rawValue), .integer(row.n), .number(row.r, decimals: 3),
                         .number(row.mean, decimals: 3), .text(row.quadrant?.rawValue ?? "")]
                    })
    }

    public static func driversText(_ rows: [DriverRow], instrument: Instrument, language: Language) -> ResultTable {
        let sorted = rows.sorted { ($0.r ?? -2) > ($1.r ?? -2) }
        return ResultTable(headers: ["indicator", "name", "n", "r", "mean", "quadrant"],
                           rows: sorted.map { row in
                               [.text(row.indicator.rawValue), .text(instrument.indicatorName(row.indicator, in: language)),
                                .integer(row.n), .number(row.r, decimals: 3), .number(row.mean, decimals: 2),
                                .text(row.quadrant?.rawValue ?? "—")]
                           })
    }

    // MARK: trend

    public static func trendCSV(_ rows: [TrendRow]) -> ResultTable {
        ResultTable(headers: ["group", "indicator", "diff", "se", "z", "p", "q", "significant", "significant_unadjusted"],
                    rows: rows.map { row in
                        [.text(row.group?.rawValue ?? ""), .text(row.indicator.rawValue), .number(row.difference, decimals: 3),
                         .number(row.standardError, decimals: 3), .number(row.z, decimals: 3), .number(row.p, decimals: 4),
                         .number(row.q, decimals: 4), .flag(row.significant), .flag(row.significantUnadjusted)]
                    })
    }

    public static func trendText(_ rows: [TrendRow], instrument: Instrument, language: Language) -> ResultTable {
        ResultTable(headers: ["group", "indicator", "name", "from", "to", "diff", "se", "p", "q", ""],
                    rows: rows.map { row in
                        [.text(groupText(row.group)), .text(row.indicator.rawValue),
                         .text(instrument.indicatorName(row.indicator, in: language)), .number(row.fromMean, decimals: 2),
                         .number(row.toMean, decimals: 2), .number(row.difference, decimals: 3),
                         .number(row.standardError, decimals: 3), .number(row.p, decimals: 3), .number(row.q, decimals: 3),
                         .text(row.significant == true ? "significant (q < 0.05)"
                               : (row.significantUnadjusted == true ? "only unadjusted" : ""))]
                    })
    }
}
