import Foundation
import WellBeingAnalysis
import WellBeingCore

/// The tables that `indicators`, `compare`, `drivers` and `trend` print: one layout for people (`table`),
/// and one with exactly the JSON fields for machines (`csv`).
public enum ResultTables {
    static func groupText(_ group: GroupName?, _ language: Language) -> String {
        group?.rawValue ?? Message(.wholeArea).text(in: language)
    }

    /// Catalogue texts in `language`.
    static func headers(_ keys: [MessageKey], _ language: Language) -> [String] { keys.map { Message($0).text(in: language) } }

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
        let modelHeaders = modelled ? ["sae_estimate", "sae_mse", "sae_rmse", "sae_cv", "sae_shrinkage", "sae_psi", "sae_synthetic",
                                       "sae_withheld"] : []
        return ResultTable(headers: ["group", "indicator", "n", "mean", "se", "ci_low", "ci_high", "top2", "top2_se", "deviation",
                                     "suppressed", "suppression", "unstable"] + standardizedHeaders + modelHeaders + benchmarkHeaders,
                           rows: results.estimates.map { e in
                               var row: [ResultTable.Cell] = [
                                   .text(e.group?.rawValue ?? ""), .text(e.indicator.rawValue), .integer(e.n), .number(e.mean, decimals: 3),
                                   .number(e.standardError, decimals: 3), .number(e.confidenceLow, decimals: 3),
                                   .number(e.confidenceHigh, decimals: 3), .number(e.topBoxShare, decimals: 3),
                                   .number(e.topBoxStandardError, decimals: 4),
                                   .number(e.deviation, decimals: 1), .flag(e.suppressed),
                                   .text(e.withheld?.rawValue ?? ""), .flag(e.unstable)]
                               if standardized {
                                   row += e.standardization.map { [.flag($0.partial), .text($0.droppedCells.joined(separator: "; ")),
                                                                  .text($0.lostCells.joined(separator: "; "))] }
                                       ?? [.text(""), .text(""), .text("")]
                               }
                               if modelled {
                                   let m = e.smallArea
                                   row += [.number(m?.estimate, decimals: 3), .number(m?.mse, decimals: 6), .number(m?.rmse, decimals: 4),
                                           .number(m?.cv, decimals: 4), .number(m?.shrinkage, decimals: 4),
                                           .number(m?.samplingVariance, decimals: 6), m.map { .flag($0.synthetic) } ?? .text(""),
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
        switch e.withheld {
        case .protectsAnother: return Message(.noteWithheldSecondary).text(in: language)
        case .fewRespondents: return Message(.noteWithheldFew, ["minN": "\(minimumN)"]).text(in: language)
        case nil: break
        }
        if e.mean == nil { return Message(.noteNoAnswers).text(in: language) }
        return e.unstable ? Message(.noteUnstable).text(in: language) : ""
    }

    /// Estimates for a terminal: names, rounded figures, the interval in one column, and a note.
    public static func indicatorsText(_ results: IndicatorResults, instrument: Instrument, language: Language) -> ResultTable {
        let benchmarked = results.estimates.contains { $0.benchmark != nil }
        var table = ResultTable(headers: headers([.colGroup, .colIndicator, .colName, .colN, .colMean, .colSE, .colCI, .colTop2,
                                                  .colDeviation, .colNote], language),
                    rows: results.estimates.map { e in
                        let interval = e.confidenceLow.flatMap { low in
                            e.confidenceHigh.map { "\(ResultTable.fixed(low, decimals: 2))–\(ResultTable.fixed($0, decimals: 2))" }
                        } ?? "—"
                        var notes: [String] = []
                        if e.withheld == .protectsAnother {
                            notes.append(Message(.noteWithheldSecondary).text(in: language))
                        } else if e.suppressed {
                            notes.append(Message(.withheldBelow, ["minN": "\(results.minimumN)"]).text(in: language))
                        } else if e.unstable {
                            notes.append(Message(.unstableBelow).text(in: language))
                        }
                        if let detail = e.standardization, detail.partial, !e.suppressed {
                            notes.append(Message(.partlyStandardized, ["count": "\(detail.droppedCells.count)"]).text(in: language))
                        }
                        let note = notes.joined(separator: "; ")
                        return [.text(groupText(e.group, language)), .text(e.indicator.rawValue),
                                .text(instrument.indicatorName(e.indicator, in: language)), .integer(e.n),
                                .number(e.mean, decimals: 2), .number(e.standardError, decimals: 3), .text(interval),
                                .number(e.topBoxShare.map { $0 * 100 }, decimals: 1), .number(e.deviation, decimals: 1),
                                .text(note)]
                    })
        if results.smallAreaFits != nil {
            // "model (RMSE)": the small-area estimate beside the direct one, withheld above a CV of 30 %.
            table.headers.insert(Message(.colModel).text(in: language), at: 9)
            for (index, e) in results.estimates.enumerated() {
                var text = ""
                if let m = e.smallArea {
                    text = m.withheld ? Message(.modelWithheld, ["cv": ResultTable.fixed(m.cv * 100, decimals: 0)]).text(in: language)
                        : "\(ResultTable.fixed(m.estimate, decimals: 2)) (\(ResultTable.fixed(m.rmse, decimals: 3)))"
                    if m.synthetic { text += Message(.modelSyntheticMark).text(in: language) }
                }
                table.rows[index].insert(.text(text), at: 9)
            }
        }
        if benchmarked {
            // "vs benchmark": the difference and its p, beside the benchmark's mean.
            table.headers.insert(Message(.colBenchmark).text(in: language), at: 9)
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
        ResultTable(headers: headers([.colGroup, .colIndicator, .colName, .colSubjective, .colObjective, .colGap, .colGapSE,
                                      .colKPIs], language) + [""],
                    rows: rows.map { row in
                        [.text(row.group.rawValue), .text(row.indicator.rawValue),
                         .text(instrument.indicatorName(row.indicator, in: language)), .number(row.subjective, decimals: 1),
                         .number(row.objective, decimals: 1), .number(row.gap, decimals: 1), .number(row.gapStandardError, decimals: 2),
                         .integer(row.kpis), .text(row.flagged ? Message(.flaggedGap).text(in: language) : "")]
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
        return ResultTable(headers: headers([.colIndicator, .colName, .colN, .colR, .colMean, .colQuadrant], language),
                           rows: sorted.map { row in
                               [.text(row.indicator.rawValue), .text(instrument.indicatorName(row.indicator, in: language)),
                                .integer(row.n), .number(row.r, decimals: 3), .number(row.mean, decimals: 2),
                                .text(row.quadrant.map { quadrantName($0, language) } ?? "—")]
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
        ResultTable(headers: headers([.colGroup, .colIndicator, .colName, .colFrom, .colTo, .colDiff, .colSE, .colP, .colQ],
                                     language) + [""],
                    rows: rows.map { row in
                        [.text(groupText(row.group, language)), .text(row.indicator.rawValue),
                         .text(instrument.indicatorName(row.indicator, in: language)), .number(row.fromMean, decimals: 2),
                         .number(row.toMean, decimals: 2), .number(row.difference, decimals: 3),
                         .number(row.standardError, decimals: 3), .number(row.p, decimals: 3), .number(row.q, decimals: 3),
                         .text(row.significant == true ? Message(.significantAdjusted).text(in: language)
                               : (row.significantUnadjusted == true ? Message(.onlyUnadjusted).text(in: language) : ""))]
                    })
    }

    static func quadrantName(_ quadrant: DriverRow.Quadrant, _ language: Language) -> String {
        switch quadrant {
        case .priority: return Message(.quadrantPriority).text(in: language)
        case .strength: return Message(.quadrantStrength).text(in: language)
        case .maintain: return Message(.quadrantMaintain).text(in: language)
        case .monitor: return Message(.quadrantMonitor).text(in: language)
        }
    }
}
