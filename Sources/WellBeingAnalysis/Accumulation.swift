import Foundation
import WellBeingCore

/// The sufficient statistics of one pass over the answers, from which every estimate follows.
///
/// For each indicator, group and joint calibration cell it keeps seven sums over the respondents who
/// answered, with y centred on the scale's midpoint: n, Σy, Σw, Σwy, Σw², Σw²y, Σw²y²; then three over the
/// top-box indicator t (1 when y reaches the top box): Σt, Σwt, Σw²t (t² = t). Means, fixed-weight variances
/// and the calibration-adjusted (raked) variances, of y and of t, are exact functions of these sums.
struct Accumulation {
    /// Where each sum sits among a cell's `stride` sums.
    enum Slot {
        static let count = 0, sumY = 1, sumW = 2, sumWY = 3, sumW2 = 4, sumW2Y = 5, sumW2Y2 = 6
        static let topCount = 7, topW = 8, topW2 = 9
        /// The top-box indicator t's sums in the places of y's first seven (t² = t): the same estimator reads them.
        static let topBox = [count, topCount, sumW, topW, sumW2, topW2, topW2]
        /// y's first seven, in that order.
        static let value = [count, sumY, sumW, sumWY, sumW2, sumW2Y, sumW2Y2]
    }
    static let stride = 10
    private let groupCount: Int
    let cellCount: Int
    /// [indicator][group][cell][stride], the sums of `Slot`.
    private var sums: [Double]
    /// [indicator][group][2]: Σw over top-box answers, count of top-box answers.
    private var topBox: [Double]
    /// Domain-independent per-cell totals over every respondent: count, Σw, Σw².
    private(set) var cellCounts: [Double]
    private(set) var cellWeights: [Double]
    private(set) var cellSquaredWeights: [Double]
    /// Per indicator from `alphaOffsets` (complete cases, unweighted): count, per item Σx, Σx², then Σtotal, Σtotal².
    private var alpha: [Double]
    private let alphaOffsets: [Int]
    /// Per indicator, 7 sums with the outcome: count, Σw, Σwx, Σwy, Σwx², Σwy², Σwxy.
    private var driver: [Double]
    /// [item][group][3]: count answered, Σw, Σw over top-box scores.
    private var items: [Double]
    private let itemIDs: [ItemID]
    /// Each indicator's scale midpoint, subtracted from y in the sums.
    let centres: [Double]
    /// Each stratum's factor in a variance (`Strata.varianceFactors`).
    let varianceFactors: [Double]

    /// The sums of every array, for merging the partial passes.
    private struct Partial {
        var sums: [Double], topBox: [Double], cellCounts: [Double], cellWeights: [Double], cellSquaredWeights: [Double]
        var alpha: [Double], driver: [Double], items: [Double]
    }

    /// - Parameter estimatesOnly: keep only the sums of the estimates (means, SEs, top-box shares); item shares,
    ///   α and driver correlations are left at zero, which makes the pass about twice as fast.
    init(matrix: ResponseMatrix, layout: IndicatorLayout, weights: [Double], cells: CalibrationCells,
         estimatesOnly: Bool = false) {
        groupCount = matrix.groups.count
        cellCount = cells.cellCount
        itemIDs = matrix.instrument.items.map(\.id)
        centres = layout.indicators.map(\.center)
        varianceFactors = cells.strata.varianceFactors
        var offsets: [Int] = []
        var alphaSize = 0
        for indicator in layout.indicators {
            offsets.append(alphaSize)
            alphaSize += 3 + 2 * indicator.items.count
        }
        alphaOffsets = offsets
        // Two passes over halves of the respondents, one per core, then their sums added.
        let count = matrix.respondentCount
        let parts = count >= 20_000 ? 2 : 1
        let boundaries = (0...parts).map { $0 * count / parts }
        let results = UnsafeMutableBufferPointer<Partial?>.allocate(capacity: parts)
        results.initialize(repeating: nil)
        defer { results.deallocate() }
        let sizes = (groupCount: groupCount, cellCount: cellCount, alphaSize: alphaSize)
        let sendableResults = UncheckedPointer(results)
        let offsetsCopy = offsets
        DispatchQueue.concurrentPerform(iterations: parts) { part in
            sendableResults.buffer[part] = Self.pass(rows: boundaries[part]..<boundaries[part + 1], matrix: matrix, layout: layout,
                                                      weights: weights, cells: cells, sizes: sizes, alphaOffsets: offsetsCopy,
                                                      estimatesOnly: estimatesOnly)
        }
        var total = results[0]!
        for part in 1..<parts {
            let other = results[part]!
            Self.add(&total.sums, other.sums)
            Self.add(&total.topBox, other.topBox)
            Self.add(&total.cellCounts, other.cellCounts)
            Self.add(&total.cellWeights, other.cellWeights)
            Self.add(&total.cellSquaredWeights, other.cellSquaredWeights)
            Self.add(&total.alpha, other.alpha)
            Self.add(&total.driver, other.driver)
            Self.add(&total.items, other.items)
        }
        sums = total.sums
        topBox = total.topBox
        cellCounts = total.cellCounts
        cellWeights = total.cellWeights
        cellSquaredWeights = total.cellSquaredWeights
        alpha = total.alpha
        driver = total.driver
        items = total.items
    }

    private static func add(_ target: inout [Double], _ source: [Double]) {
        for index in target.indices { target[index] += source[index] }
    }

    /// One pass over `rows`, with every loop over plain arrays.
    private static func pass(rows: Range<Int>, matrix: ResponseMatrix, layout: IndicatorLayout, weights: [Double],
                             cells: CalibrationCells, sizes: (groupCount: Int, cellCount: Int, alphaSize: Int),
                             alphaOffsets: [Int], estimatesOnly: Bool) -> Partial {
        let (groupCount, cellCount, alphaSize) = sizes
        let indicatorCount = layout.indicators.count
        let instrument = matrix.instrument
        let itemCount = layout.itemCount
        var sums = [Double](repeating: 0, count: indicatorCount * groupCount * cellCount * Self.stride)
        var topBox = [Double](repeating: 0, count: indicatorCount * groupCount * 2)
        var cellCounts = [Double](repeating: 0, count: cellCount)
        var cellWeights = [Double](repeating: 0, count: cellCount)
        var cellSquaredWeights = [Double](repeating: 0, count: cellCount)
        var alpha = [Double](repeating: 0, count: alphaSize)
        var driver = [Double](repeating: 0, count: indicatorCount * 7)
        var itemSums = [Double](repeating: 0, count: itemCount * groupCount * 3)

        // Flat descriptions of items and indicators.
        let itemReversed = instrument.items.map(\.isReversed)
        let itemTop = instrument.items.map { instrument.scale(of: $0).topBoxFrom }
        let itemSum = instrument.items.map { Double(instrument.scale(of: $0).minimum + instrument.scale(of: $0).maximum) }
        var indicatorStart: [Int] = [], indicatorItems: [Int] = [], indicatorReversed: [Bool] = []
        for indicator in layout.indicators {
            indicatorStart.append(indicatorItems.count)
            for (position, reversed) in indicator.items {
                indicatorItems.append(position)
                indicatorReversed.append(reversed)
            }
        }
        indicatorStart.append(indicatorItems.count)
        let minPlusMax = layout.indicators.map { $0.minimum + $0.maximum }
        let centre = layout.indicators.map(\.center)
        let topFrom = layout.indicators.map(\.topBoxFrom)
        let outcome = layout.outcome ?? -1
        var scores = [Double](repeating: .nan, count: indicatorCount)

        matrix.answers.withUnsafeBufferPointer { answers in
        sums.withUnsafeMutableBufferPointer { sums in
        topBox.withUnsafeMutableBufferPointer { topBox in
        itemSums.withUnsafeMutableBufferPointer { itemSums in
        alpha.withUnsafeMutableBufferPointer { alpha in
        driver.withUnsafeMutableBufferPointer { driver in
        scores.withUnsafeMutableBufferPointer { scores in
        matrix.groupCodes.withUnsafeBufferPointer { groupCodes in
        cells.cellOfRespondent.withUnsafeBufferPointer { cellOfRespondent in
        weights.withUnsafeBufferPointer { weights in
            for row in rows {
                let w = weights[row]
                let w2 = w * w
                let group = Int(groupCodes[row])
                let cell = Int(cellOfRespondent[row])
                cellCounts[cell] += 1
                cellWeights[cell] += w
                cellSquaredWeights[cell] += w2
                let base = row * itemCount
                for item in 0..<itemCount where !estimatesOnly {
                    let code = answers[base + item]
                    if code == 0 { continue }
                    var score = Double(code) - 1
                    if itemReversed[item] { score = itemSum[item] - score }
                    let slot = (item * groupCount + group) * 3
                    itemSums[slot] += 1
                    itemSums[slot + 1] += w
                    if score >= itemTop[item] { itemSums[slot + 2] += w }
                }
                for position in 0..<indicatorCount {
                    var total = 0.0
                    var answered = 0
                    let first = indicatorStart[position], last = indicatorStart[position + 1]
                    for index in first..<last {
                        let code = answers[base + indicatorItems[index]]
                        if code == 0 { continue }
                        let value = Double(code) - 1
                        total += indicatorReversed[index] ? minPlusMax[position] - value : value
                        answered += 1
                    }
                    if answered == 0 {
                        scores[position] = .nan
                        continue
                    }
                    let y = total / Double(answered)
                    scores[position] = y
                    let centred = y - centre[position]
                    let slot = ((position * groupCount + group) * cellCount + cell) * Self.stride
                    sums[slot + Slot.count] += 1
                    sums[slot + Slot.sumY] += centred
                    sums[slot + Slot.sumW] += w
                    sums[slot + Slot.sumWY] += w * centred
                    sums[slot + Slot.sumW2] += w2
                    sums[slot + Slot.sumW2Y] += w2 * centred
                    sums[slot + Slot.sumW2Y2] += w2 * centred * centred
                    if y >= topFrom[position] {
                        let topSlot = (position * groupCount + group) * 2
                        topBox[topSlot] += w
                        topBox[topSlot + 1] += 1
                        sums[slot + Slot.topCount] += 1
                        sums[slot + Slot.topW] += w
                        sums[slot + Slot.topW2] += w2
                    }
                    let itemsHere = last - first
                    if !estimatesOnly && answered == itemsHere && itemsHere >= 2 {
                        let offset = alphaOffsets[position]
                        alpha[offset] += 1
                        var sum = 0.0
                        for index in first..<last {
                            let value = Double(answers[base + indicatorItems[index]]) - 1
                            let scored = (indicatorReversed[index] ? minPlusMax[position] - value : value) - centre[position]
                            let local = index - first
                            alpha[offset + 1 + 2 * local] += scored
                            alpha[offset + 2 + 2 * local] += scored * scored
                            sum += scored
                        }
                        alpha[offset + 1 + 2 * itemsHere] += sum
                        alpha[offset + 2 + 2 * itemsHere] += sum * sum
                    }
                }
                if !estimatesOnly && outcome >= 0 && !scores[outcome].isNaN {
                    let y = scores[outcome] - centre[outcome]
                    for position in 0..<indicatorCount where position != outcome && !scores[position].isNaN {
                        let x = scores[position] - centre[position]
                        let slot = position * 7
                        driver[slot] += 1
                        driver[slot + 1] += w
                        driver[slot + 2] += w * x
                        driver[slot + 3] += w * y
                        driver[slot + 4] += w * x * x
                        driver[slot + 5] += w * y * y
                        driver[slot + 6] += w * x * y
                    }
                }
            }
        }}}}}}}}}}
        return Partial(sums: sums, topBox: topBox, cellCounts: cellCounts, cellWeights: cellWeights,
                       cellSquaredWeights: cellSquaredWeights, alpha: alpha, driver: driver, items: itemSums)
    }

    /// The estimate of indicator `indicator` in group `group` (nil: the whole area).
    func estimate(indicator: Int, id: IndicatorID, group: Int?, cells: CalibrationCells,
                  options: AnalysisOptions, groups: [GroupName]) -> IndicatorEstimate {
        // Per-cell sums of the domain.
        var cell = [[Double]](repeating: [Double](repeating: 0, count: Self.stride), count: cellCount)
        let domainGroups = group.map { [$0] } ?? Array(0..<groupCount)
        var top = 0.0
        for g in domainGroups {
            for k in 0..<cellCount {
                let slot = ((indicator * groupCount + g) * cellCount + k) * Self.stride
                for s in 0..<Self.stride { cell[k][s] += sums[slot + s] }
            }
            top += topBox[(indicator * groupCount + g) * 2]
        }
        return estimate(indicator: indicator, id: id, domain: group.map { groups[$0] }, cell: cell, top: top, cells: cells, options: options)
    }

    /// The sums of one group over every joint cell.
    func groupSums(indicator: Int, group: Int) -> [Double] {
        var total = [Double](repeating: 0, count: Self.stride)
        let start = (indicator * groupCount + group) * cellCount * Self.stride
        for k in 0..<cellCount { for s in 0..<Self.stride { total[s] += sums[start + k * Self.stride + s] } }
        return total
    }

    /// The sums of `indicator` per joint cell, over every group: [cell][stride].
    func domainSums(indicator: Int) -> [[Double]] {
        var cell = [[Double]](repeating: [Double](repeating: 0, count: Self.stride), count: cellCount)
        for g in 0..<groupCount {
            for k in 0..<cellCount {
                let slot = ((indicator * groupCount + g) * cellCount + k) * Self.stride
                for s in 0..<Self.stride { cell[k][s] += sums[slot + s] }
            }
        }
        return cell
    }

    /// The estimate of indicator `indicator` over the respondents of the joint calibration cells in `cellMask`
    /// (every group): a domain that the cells determine, such as an age band when raking to age × sex. The
    /// per-cell sums are exactly those a pass over that domain's respondents would give.
    func estimate(indicator: Int, id: IndicatorID, domain: GroupName, cellMask: [Bool], cells: CalibrationCells,
                  options: AnalysisOptions) -> IndicatorEstimate {
        var cell = domainSums(indicator: indicator)
        for k in 0..<cellCount where !cellMask[k] { cell[k] = [Double](repeating: 0, count: Self.stride) }
        let top = cell.reduce(0) { $0 + $1[Slot.topW] }
        return estimate(indicator: indicator, id: id, domain: domain, cell: cell, top: top, cells: cells,
                        options: options)
    }

    /// The estimate from a domain's per-cell sums and its weighted top-box total.
    private func estimate(indicator: Int, id: IndicatorID, domain: GroupName?, cell: [[Double]], top: Double, cells: CalibrationCells, options: AnalysisOptions) -> IndicatorEstimate {
        var total = [Double](repeating: 0, count: Self.stride)
        for k in 0..<cellCount { for s in 0..<Self.stride { total[s] += cell[k][s] } }
        let n = Int(total[Slot.count])
        var estimate = IndicatorEstimate(
            group: domain, indicator: id, n: n, mean: nil, standardError: nil, confidenceLow: nil,
            confidenceHigh: nil, topBoxShare: nil, deviation: nil, withheld: n < options.minimumN ? .fewRespondents : nil,
            unstable: n < AnalysisOptions.unstableBelow, sumOfWeights: total[Slot.sumW])
        let weightSum = total[Slot.sumW]
        guard n > 0, weightSum > 0, !estimate.suppressed else { return estimate }
        let centre = centres[indicator]
        let meanCentred = total[Slot.sumWY] / weightSum
        estimate.mean = meanCentred + centre
        estimate.topBoxShare = top / weightSum
        // No variance can be estimated when no stratum has two respondents.
        guard varianceFactors.contains(where: { $0 > 0 }) else { return estimate }
        let se = standardError(cell, total: total, meanCentred: meanCentred, weightSum: weightSum, cells: cells)
        estimate.standardError = se
        estimate.confidenceLow = estimate.mean! - AnalysisOptions.z975 * se
        estimate.confidenceHigh = estimate.mean! + AnalysisOptions.z975 * se
        // The top-box share is the mean of t ∈ {0, 1}: the same estimator over its sums (as R svymean on t).
        let topCells = cell.map { sums in Slot.topBox.map { sums[$0] } }
        let topTotal = Slot.topBox.map { total[$0] }
        estimate.topBoxStandardError = standardError(topCells, total: topTotal, meanCentred: total[Slot.topW] / weightSum,
                                                     weightSum: weightSum, cells: cells)
        return estimate
    }

    /// The SE of a weighted mean from per-cell sums [n, Σy, Σw, Σwy, Σw², Σw²y, Σw²y²] of the domain's
    /// respondents (y centred), as R `survey` linearises it: x_i = w_i(y_i − ȳ)/W in the domain, 0 elsewhere;
    /// when raked, x_i − w_i·c_k with c_k the cell's fitted value of the projection of x/w on the margins
    /// (calibration residuals); then Σ_h (1 − n_h/N_h)·n_h/(n_h − 1)·Σ_{i∈h}(x_i − x̄_h)² over the strata,
    /// whose n_h count every respondent of the period.
    private func standardError(_ cell: [[Double]], total: [Double], meanCentred: Double, weightSum: Double, cells: CalibrationCells) -> Double {
        var fitted = [Double](repeating: 0, count: cellCount)
        if cells.isCalibrated {
            var cellSums = [Double](repeating: 0, count: cellCount)
            for k in 0..<cellCount { cellSums[k] = (cell[k][Slot.sumY] - meanCentred * cell[k][Slot.count]) / weightSum }
            fitted = cells.calibrationFit(cellSums: cellSums, cellCounts: cellCounts)
        }
        var sumX = [Double](repeating: 0, count: cells.strata.count)
        var sumX2 = sumX
        for k in 0..<cellCount {
            let sumWU = (cell[k][Slot.sumWY] - meanCentred * cell[k][Slot.sumW]) / weightSum
            let sumW2U = (cell[k][Slot.sumW2Y] - meanCentred * cell[k][Slot.sumW2]) / weightSum
            let sumW2U2 = (cell[k][Slot.sumW2Y2] - 2 * meanCentred * cell[k][Slot.sumW2Y] + meanCentred * meanCentred * cell[k][Slot.sumW2])
                / (weightSum * weightSum)
            let c = fitted[k]
            let stratum = cells.stratumOfCell[k]
            sumX[stratum] += sumWU - c * cellWeights[k]
            sumX2[stratum] += sumW2U2 - 2 * c * sumW2U + c * c * cellSquaredWeights[k]
        }
        var variance = 0.0
        for stratum in 0..<cells.strata.count where varianceFactors[stratum] > 0 {
            let n = Double(cells.strata.respondents[stratum])
            variance += varianceFactors[stratum] * (sumX2[stratum] - sumX[stratum] * sumX[stratum] / n)
        }
        return max(0, variance).squareRoot()
    }

    /// Cronbach's α per category with at least two items.
    func reliability(layout: IndicatorLayout) -> [Reliability] {
        layout.indicators.enumerated().compactMap { position, indicator in
            guard indicator.isCategory, indicator.items.count >= 2 else { return nil }
            let values = Array(alpha[alphaOffsets[position]..<(alphaOffsets[position] + 3 + 2 * indicator.items.count)])
            let n = values[0]
            let k = Double(indicator.items.count)
            var itemVariances = 0.0
            for offset in 0..<indicator.items.count {
                itemVariances += Self.sampleVariance(n: n, sum: values[1 + 2 * offset], squares: values[2 + 2 * offset])
            }
            let totalVariance = Self.sampleVariance(n: n, sum: values[1 + 2 * indicator.items.count],
                                                    squares: values[2 + 2 * indicator.items.count])
            let value: Double? = n >= 2 && totalVariance > 0 ? k / (k - 1) * (1 - itemVariances / totalVariance) : nil
            return Reliability(indicator: indicator.id, items: indicator.items.count, n: Int(n), alpha: value)
        }
    }

    /// The weighted correlation of each category with the outcome.
    func drivers(layout: IndicatorLayout) -> [DriverCorrelation] {
        guard let outcome = layout.outcome else { return [] }
        return layout.indicators.enumerated().compactMap { position, indicator in
            guard indicator.isCategory, position != outcome else { return nil }
            let d = Array(driver[(position * 7)..<(position * 7 + 7)])
            let n = Int(d[0])
            guard d[1] > 0, n >= 3 else { return DriverCorrelation(indicator: indicator.id, n: n, r: nil) }
            let meanX = d[2] / d[1], meanY = d[3] / d[1]
            let varianceX = d[4] / d[1] - meanX * meanX
            let varianceY = d[5] / d[1] - meanY * meanY
            let covariance = d[6] / d[1] - meanX * meanY
            guard varianceX > 0, varianceY > 0 else { return DriverCorrelation(indicator: indicator.id, n: n, r: nil) }
            return DriverCorrelation(indicator: indicator.id, n: n, r: covariance / (varianceX * varianceY).squareRoot())
        }
    }

    /// Each item's top-box share, whole area then by group.
    func itemShares(groups: [GroupName]) -> [ItemShare] {
        var shares: [ItemShare] = []
        for (item, id) in itemIDs.enumerated() {
            for domain in [nil] + Array(0..<groupCount) {
                var count = 0.0, weight = 0.0, top = 0.0
                for g in domain.map({ [$0] }) ?? Array(0..<groupCount) {
                    let slot = (item * groupCount + g) * 3
                    count += items[slot]
                    weight += items[slot + 1]
                    top += items[slot + 2]
                }
                shares.append(ItemShare(group: domain.map { groups[$0] }, item: id, n: Int(count),
                                        share: weight > 0 ? top / weight : nil))
            }
        }
        return shares
    }

    private static func sampleVariance(n: Double, sum: Double, squares: Double) -> Double {
        guard n >= 2 else { return 0 }
        return (squares - sum * sum / n) / (n - 1)
    }
}

/// A buffer pointer handed to the concurrent passes, each writing only its own slot.
struct UncheckedPointer<Element>: @unchecked Sendable {
    let buffer: UnsafeMutableBufferPointer<Element>
    init(_ buffer: UnsafeMutableBufferPointer<Element>) { self.buffer = buffer }
}
