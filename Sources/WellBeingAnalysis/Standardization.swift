import Foundation
import WellBeingCore

/// Direct standardisation of group means (DESIGN §14): each group's mean re-weighted to the whole area's
/// structure by some respondent fields (`年代*性別`), so that district differences are no longer differences
/// in age and sex. As R `svystandardize(design, by = ~年代 + 性別, over = ~group, population = <area totals>,
/// excluding.missing = ~y)` then `svyby(~y, ~group, ..., svymean, na.rm = TRUE)`.
struct Standardization: Sendable {
    /// The fields standardised over.
    var by: Breakdown
    /// Each respondent's standardisation cell (a value of `by`, or a combination of values).
    var cellOfRespondent: [Int32]
    /// The cells' names (`30代 × 女性`).
    var names: [String]
    /// π_a: each cell's share of the whole area's people in the population table.
    var shares: [Double]

    /// The cells of `matrix` by `by`, with their shares of the population table.
    ///
    /// - Throws: `usage` without a population table; `badData` when it lacks one of the fields, or has no
    ///   people in a cell that has respondents.
    init(matrix: ResponseMatrix, by: Breakdown, population: PopulationTable?) throws {
        let survey = "\(matrix.instrument.id) \(matrix.period)"
        guard let population else {
            throw WellBeingError(.usage, Message(.standardizeNeedsPopulation, ["by": by.specification]))
        }
        let regrouped: ResponseMatrix
        do {
            regrouped = try matrix.regrouped(by: by)
        } catch let error as WellBeingError where error.message.key == .byUnknownField {
            throw WellBeingError(.usage, Message(.standardizeUnknownField, error.message.arguments))
        }
        var names = regrouped.groups.map(\.rawValue)
        let fields = matrix.instrument.respondent
        var positions: [Int] = []
        for field in by.fields {
            let wanted = fields.field(named: field)
            guard let position = population.fields.firstIndex(where: { fields.field(named: $0) == wanted }) else {
                throw WellBeingError(.badData, Message(.standardizeFieldMissing, [
                    "survey": survey, "by": by.specification, "field": field, "fields": population.fields.joined(separator: ", ")]))
            }
            positions.append(position)
        }
        var totals: [String: Double] = [:]
        for cell in population.cells {
            let key = positions.map { cell.values[$0].isEmpty ? Breakdown.noAnswer : cell.values[$0] }.joined(separator: Breakdown.separator)
            totals[key, default: 0] += cell.count
        }
        var counts = [Int](repeating: 0, count: names.count)
        for code in regrouped.groupCodes { counts[Int(code)] += 1 }
        let missing = names.indices.filter { counts[$0] > 0 && (totals[names[$0]] ?? 0) <= 0 }.map { names[$0] }
        if !missing.isEmpty {
            throw WellBeingError(.badData, Message(.standardizeNoPeople, [
                "survey": survey, "by": by.specification, "cells": missing.joined(separator: ", ")]))
        }
        // Cells with people but no respondent in the whole period still count in the shares: every group lacks them.
        for (key, _) in totals.sorted(by: { $0.key < $1.key }) where !names.contains(key) { names.append(key) }
        let whole = totals.values.reduce(0, +)
        self.by = by
        cellOfRespondent = regrouped.groupCodes
        self.names = names
        shares = names.map { (totals[$0] ?? 0) / whole }
    }

    var count: Int { names.count }

    /// The joint-cell refinement by group × standardisation cell, so that each joint cell lies in one of them.
    func refinement(groupCodes: [Int32], groupCount: Int) -> CalibrationCells.CellRefinement {
        CalibrationCells.CellRefinement(
            codeOfRespondent: zip(groupCodes, cellOfRespondent).map { Int32(Int($0) * count + Int($1)) },
            count: count * groupCount)
    }
}

/// What standardisation did to one group's estimate.
public struct StandardizationDetail: Sendable, Hashable {
    /// Cells with people in the area but no respondent who answered in the group: left out as R leaves them
    /// out, so the group is only partly standardised.
    public var droppedCells: [String]
    /// Of those, the cells where the group has respondents who all skipped the question (R's variance is wrong
    /// there; this tool keeps them out of the post-stratification step, DESIGN §14).
    public var lostCells: [String]
    public var partial: Bool { !droppedCells.isEmpty }
}

extension Accumulation {
    /// The standardised estimates of `indicator` in every group, in group order (DESIGN §14): mean
    /// Σ_a π_a ȳ_{a,d} / Σ_{a∈A_d} π_a over the cells A_d where the group has respondents who answered, and R's
    /// linearised SE: x_i = w*_i(y_i − ȳ*)/W* in the group, calibration residuals of the raking, the
    /// post-stratification step of the standardisation (x_i − m_c·psw_i), then the stratified sum; the same for
    /// the top-box share. What every group shares (the per-cell sums, each standardisation cell's totals and
    /// factor) is computed once.
    ///
    /// The joint cells must be refined by group × standardisation cell (`Standardization.refinement`).
    func standardizedEstimates(indicator: Int, id: IndicatorID, groups: [GroupName], cells: CalibrationCells,
                               standard: Standardization, options: AnalysisOptions) -> [IndicatorEstimate] {
        let perCell = domainSums(indicator: indicator)
        let cellsPerGroup = standard.count
        let groupOfCell = cells.refinementOfCell.map { $0 / cellsPerGroup }
        let cellOfCell = cells.refinementOfCell.map { $0 % cellsPerGroup }
        // Per (group, standardisation cell) c: the sums of its joint cells, and all its respondents.
        var cellTotals = [[Double]](repeating: [Double](repeating: 0, count: Self.stride), count: groups.count * cellsPerGroup)
        var everyone = [Double](repeating: 0, count: cellTotals.count)
        for k in 0..<cellCount {
            let c = groupOfCell[k] * cellsPerGroup + cellOfCell[k]
            for slot in 0..<Self.stride { cellTotals[c][slot] += perCell[k][slot] }
            everyone[c] += cellCounts[k]
        }
        let answered = cellTotals.map { $0[Slot.count] }, weight = cellTotals.map { $0[Slot.sumW] }
        // g_c = π_a·W_d/Ŵ_c: the factor taking a cell's weights to its standardised weights, for every group.
        var groupWeight = [Double](repeating: 0, count: groups.count)
        for c in weight.indices { groupWeight[c / cellsPerGroup] += weight[c] }
        let factor = weight.indices.map { c in
            weight[c] > 0 ? standard.shares[c % cellsPerGroup] * groupWeight[c / cellsPerGroup] / weight[c] : 0
        }
        return groups.indices.map { group in
            let n = Int((0..<cellsPerGroup).reduce(0.0) { $0 + answered[group * cellsPerGroup + $1] })
            var estimate = IndicatorEstimate(
                group: groups[group], indicator: id, n: n, mean: nil, standardError: nil, confidenceLow: nil,
                confidenceHigh: nil, topBoxShare: nil, deviation: nil, withheld: n < options.minimumN ? .fewRespondents : nil,
                unstable: n < AnalysisOptions.unstableBelow, sumOfWeights: 0)
            let dropped = (0..<cellsPerGroup).filter { standard.shares[$0] > 0 && answered[group * cellsPerGroup + $0] == 0 }
            estimate.standardization = StandardizationDetail(
                droppedCells: dropped.map { standard.names[$0] },
                lostCells: dropped.filter { everyone[group * cellsPerGroup + $0] > 0 }.map { standard.names[$0] })
            guard n > 0, !estimate.suppressed else { return estimate }
            func estimateOf(_ slots: [Int]) -> (mean: Double, se: Double?) {
                // The standardised mean (centred) and total weight of the group.
                var shareSum = 0.0, weighted = 0.0
                for a in 0..<cellsPerGroup where answered[group * cellsPerGroup + a] > 0 {
                    let c = group * cellsPerGroup + a
                    shareSum += standard.shares[a]
                    weighted += standard.shares[a] * cellTotals[c][slots[3]] / weight[c]
                }
                let mean = weighted / shareSum
                let total = groupWeight[group] * shareSum
                // u_i = x_i/w_i = g_c(y_i − ȳ*)/W* in the group, by joint cell: Σu, Σwu, Σw²u, Σw²u².
                var sumU = [Double](repeating: 0, count: cellCount), sumWU = sumU, sumW2U = sumU, sumW2U2 = sumU
                for k in 0..<cellCount where groupOfCell[k] == group {
                    let g = factor[group * cellsPerGroup + cellOfCell[k]]
                    let s = perCell[k]
                    let (n, y, w, wy, w2, w2y, w2y2) = (s[slots[0]], s[slots[1]], s[slots[2]], s[slots[3]], s[slots[4]], s[slots[5]], s[slots[6]])
                    sumU[k] = g * (y - mean * n) / total
                    sumWU[k] = g * (wy - mean * w) / total
                    sumW2U[k] = g * (w2y - mean * w2) / total
                    sumW2U2[k] = g * g * (w2y2 - 2 * mean * w2y + mean * mean * w2) / (total * total)
                }
                let fitted = cells.isCalibrated
                    ? cells.calibrationFit(cellSums: sumU, cellCounts: cellCounts) : [Double](repeating: 0, count: cellCount)
                // The post-stratification step: m_c = Σ_{i∈c, answered} x_i / (g_c·Ŵ_c), over every group's cells.
                var step = [Double](repeating: 0, count: weight.count)
                for k in 0..<cellCount {
                    let c = groupOfCell[k] * cellsPerGroup + cellOfCell[k]
                    guard weight[c] > 0 else { continue }
                    step[c] += (sumWU[k] - fitted[k] * perCell[k][Slot.sumW]) / (factor[c] * weight[c])
                }
                var sumX = [Double](repeating: 0, count: cells.strata.count), sumX2 = sumX
                for k in 0..<cellCount {
                    let c = groupOfCell[k] * cellsPerGroup + cellOfCell[k]
                    let f = fitted[k], m = step[c]
                    let e = f + m * factor[c]
                    let s = perCell[k]
                    let h = cells.stratumOfCell[k]
                    // Respondents who answered: x = w(u − f − m·g).
                    sumX[h] += sumWU[k] - e * s[Slot.sumW]
                    sumX2[h] += sumW2U2[k] - 2 * e * sumW2U[k] + e * e * s[Slot.sumW2]
                    // The others: x = −w·f − m (their standardised and raked weights are both 0, so psw = 1), or −w·f in
                    // a cell where nobody answered (kept out of the step: what R means to compute).
                    let others = cellCounts[k] - s[Slot.count], otherW = cellWeights[k] - s[Slot.sumW], otherW2 = cellSquaredWeights[k] - s[Slot.sumW2]
                    let mo = weight[c] > 0 ? m : 0
                    sumX[h] += -f * otherW - mo * others
                    sumX2[h] += f * f * otherW2 + 2 * f * mo * otherW + mo * mo * others
                }
                var variance = 0.0
                for h in 0..<cells.strata.count where varianceFactors[h] > 0 {
                    variance += varianceFactors[h] * (sumX2[h] - sumX[h] * sumX[h] / Double(cells.strata.respondents[h]))
                }
                return (mean, varianceFactors.contains { $0 > 0 } ? max(0, variance).squareRoot() : nil)
            }
            let value = estimateOf(Slot.value)
            estimate.mean = value.mean + centres[indicator]
            estimate.sumOfWeights = groupWeight[group]
            if let se = value.se {
                estimate.standardError = se
                estimate.confidenceLow = estimate.mean! - AnalysisOptions.z975 * se
                estimate.confidenceHigh = estimate.mean! + AnalysisOptions.z975 * se
            }
            let top = estimateOf(Slot.topBox)
            estimate.topBoxShare = top.mean
            estimate.topBoxStandardError = top.se
            return estimate
        }
    }
}
