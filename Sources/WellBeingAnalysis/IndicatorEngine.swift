import Foundation
import WellBeingCore

/// Choices for computing indicators.
public struct AnalysisOptions: Sendable {
    /// nil: raked when margins exist, else design weights when the instrument has them, else none.
    public var weighting: Weighting?
    /// Estimates from fewer respondents are withheld.
    public var minimumN: Int
    /// Which single questions (items of categories) get estimates of their own: those with a benchmark
    /// (the default), or all of them (`--items`).
    public var itemEstimates: ItemEstimates = .benchmarked
    /// Estimates by these respondent fields instead of the instrument's group (`--by`); the weights are
    /// computed as always (raking to the group's margins included), only the domains change.
    public var breakdown: Breakdown?
    /// Withhold further cells so that no withheld value can be derived by subtraction from any table of the
    /// period (see `Disclosure`); off only for analyses that are not published.
    public var secondarySuppression = true
    /// Fay–Herriot small-area estimates for every group (`--small-area fh`, DESIGN §13); nil: none.
    public var smallArea: SmallAreaOptions?
    /// Standardise the group means to the whole area's structure by these respondent fields (`--standardize
    /// '年代*性別'`, DESIGN §14); the whole-area row stays as it is.
    public var standardization: Breakdown?
    /// Only the estimates: reliability, drivers and item shares (which do not depend on the groups) are left
    /// empty, and the pass over the answers is about twice as fast. For a report's breakdown sections.
    public var estimatesOnly = false

    /// Which items of categories are estimated on their own, besides the categories and headline items.
    public enum ItemEstimates: Sendable { case benchmarked, all }
    /// The normal quantile for 95 % confidence intervals, qnorm(0.975).
    public static let z975 = 1.959963984540054
    /// Below this many respondents an estimate is marked unstable.
    public static let unstableBelow = 30

    public init(weighting: Weighting? = nil, minimumN: Int = 10, itemEstimates: ItemEstimates = .benchmarked,
                breakdown: Breakdown? = nil) {
        self.weighting = weighting
        self.minimumN = minimumN
        self.itemEstimates = itemEstimates
        self.breakdown = breakdown
    }
}

/// Computes every indicator of one survey and period in one pass over the answers: weighted means with
/// standard errors as R's `survey` computes them (fixed weights, or raked with calibration residuals),
/// confidence intervals, top-box shares, deviation scores, Cronbach's α and driver correlations.
public struct IndicatorEngine: Sendable {
    public var matrix: ResponseMatrix
    public var population: PopulationTable?
    /// Reference figures by indicator id; when present they are the basis of that indicator's deviation scores.
    public var references: [String: ReferenceFigure]
    public var options: AnalysisOptions

    public init(matrix: ResponseMatrix, population: PopulationTable?, references: [String: ReferenceFigure] = [:],
                options: AnalysisOptions = AnalysisOptions()) {
        self.matrix = matrix
        self.population = population
        self.references = references
        self.options = options
    }

    /// The weighting that will be used, the weights, and the raking sweeps.
    public func resolveWeights() throws -> (weighting: Weighting, weights: [Double], sweeps: Int) {
        let resolved = try resolvedWeights()
        return (resolved.weighting, resolved.weights, resolved.sweeps)
    }

    /// Resolves the weighting (rakes, when raked) without computing estimates: the weights, the joint cells
    /// (refined by group × standardisation cell when standardising) and the standardisation's cells.
    public func resolvedWeights() throws -> ResolvedWeights {
        let count = matrix.respondentCount
        guard count > 0 else {
            throw WellBeingError(.usage, Message(.noResponsesOf, ["survey": matrix.instrument.id.rawValue, "period": matrix.period.rawValue]))
        }
        let design = matrix.instrument.design
        let weighting = options.weighting ?? Weighting.automatic(
            hasPopulation: population != nil,
            hasDesignWeights: matrix.designWeights != nil || (design != nil && population != nil))
        // The strata count only for a weighted analysis: --weights none is the simple random sample it says.
        let strata = try weighting == .none ? nil : design.map { try Strata(matrix: matrix, design: $0, population: population) }
        let designWeights = matrix.designWeights ?? strata?.designWeights
        var standard: Standardization?
        if let by = options.standardization {
            if options.breakdown != nil {
                throw WellBeingError(.usage, Message(.standardizeWithBy))
            }
            standard = try Standardization(matrix: matrix, by: by, population: population)
        }
        let refinement = standard?.refinement(groupCodes: matrix.groupCodes, groupCount: matrix.groups.count)
        let unraked = CalibrationCells.unraked(strata: strata ?? .simpleRandomSample(count: count), refinement: refinement)
        switch weighting {
        case .none:
            return ResolvedWeights(weighting: .none, weights: Array(repeating: 1, count: count), cells: unraked, sweeps: 0,
                                   standardization: standard)
        case .design:
            guard let weights = designWeights else {
                throw WellBeingError(.usage, design == nil
                    ? Message(.noDesignWeights, ["survey": matrix.instrument.id.rawValue])
                    : Message(.designWeightsNeedPopulation, ["survey": matrix.instrument.id.rawValue, "period": matrix.period.rawValue]))
            }
            guard weights.contains(where: { $0 > 0 }) else {
                throw WellBeingError(.badData, Message(.designWeightsZero, ["survey": matrix.instrument.id.rawValue, "period": matrix.period.rawValue]))
            }
            return ResolvedWeights(weighting: .design, weights: weights, cells: unraked, sweeps: 0, standardization: standard)
        case .raked:
            guard let population else {
                throw WellBeingError(.usage, Message(matrix.designWeights == nil ? .noMargins : .noMarginsDesign,
                                                     ["survey": matrix.instrument.id.rawValue, "period": matrix.period.rawValue]))
            }
            let cells = try CalibrationCells(matrix: matrix, population: population, strata: unraked.strata,
                                             refinement: refinement)
            let base = designWeights ?? Array(repeating: 1, count: count)
            let (weights, sweeps) = try cells.rake(baseWeights: base)
            return ResolvedWeights(weighting: .raked, weights: weights, cells: cells, sweeps: sweeps, standardization: standard)
        }
    }

    /// The weights of a period, resolved once (raking included) and reused for other breakdowns of it.
    public struct ResolvedWeights: Sendable {
        let weighting: Weighting
        let weights: [Double]
        let cells: CalibrationCells
        let sweeps: Int
        let standardization: Standardization?
    }


    /// Computes every estimate: the weighted means with SEs and intervals, top-box shares, deviation scores,
    /// secondary suppression, benchmarks, α and driver correlations, by the instrument's groups or by
    /// `options.breakdown`.
    ///
    /// - Parameter resolved: the period's weights from an earlier run, so that a breakdown does not rake again.
    public func run(reusing resolved: ResolvedWeights? = nil) throws -> IndicatorResults {
        try run(reusing: resolved, breakdowns: []).main
    }

    /// The estimates by the instrument's groups (or `options.breakdown`), and by each of `breakdowns`, with one
    /// set of weights. A breakdown that the joint calibration cells determine (an age band when raking to age ×
    /// sex) is summed from the main pass's per-cell sums, with no further pass over the answers; any other gets
    /// a pass of its own (estimates only: its reliability, drivers and item shares are left empty).
    public func run(reusing resolved: ResolvedWeights? = nil,
                    breakdowns: [Breakdown]) throws -> (main: IndicatorResults, breakdowns: [IndicatorResults]) {
        try run(reusing: resolved, breakdowns: breakdowns, lattice: nil)
    }

    /// - Parameter known: the period's disclosure lattice from an earlier run (it depends on the answers only).
    private func run(reusing resolved: ResolvedWeights?, breakdowns: [Breakdown],
                     lattice known: DisclosureLattice?) throws -> (main: IndicatorResults, breakdowns: [IndicatorResults]) {
        let resolved = try resolved ?? resolvedWeights()
        let layout = self.layout()
        // Every table of the period is protected together, so that no two published tables give a withheld cell away.
        let lattice = options.secondarySuppression
            ? known ?? DisclosureLattice(matrix: matrix, layout: layout, minimumN: options.minimumN) : nil
        // The domains: the instrument's groups, or the breakdown's (the weights stay those of the whole design).
        let domains = try options.breakdown.map { try matrix.regrouped(by: $0) } ?? matrix
        let sums = Accumulation(matrix: domains, layout: layout, weights: resolved.weights, cells: resolved.cells,
                                estimatesOnly: options.estimatesOnly)
        var estimates: [IndicatorEstimate] = []
        for (position, indicator) in layout.indicators.enumerated() {
            // The whole area is never standardised; the groups are when asked (not for --by breakdowns).
            let standard = options.breakdown == nil ? resolved.standardization : nil
            for domain in [nil] + (standard == nil ? Array(0..<domains.groups.count) : []) {
                estimates.append(sums.estimate(indicator: position, id: indicator.id, group: domain, cells: resolved.cells,
                                               options: options, groups: domains.groups))
            }
            if let standard {
                estimates += sums.standardizedEstimates(indicator: position, id: indicator.id, groups: domains.groups,
                                                        cells: resolved.cells, standard: standard, options: options)
            }
        }
        if options.smallArea != nil && resolved.standardization != nil {
            throw WellBeingError(.usage, Message(.smallAreaWithStandardize))
        }
        var main = try finish(estimates, domains: domains, layout: layout, resolved: resolved,
                              breakdown: options.breakdown, lattice: lattice)
        if let smallArea = options.smallArea {
            // The model sees only the direct estimates that are published (DESIGN §13): a withheld group gets the
            // synthetic estimate, which its own answers do not enter.
            let inputs = layout.indicators.map { indicator in
                (indicator.id, SmallAreaInput.published(main.estimates, indicator: indicator.id, groups: domains.groups))
            }
            let smallAreaNotes: [AnalysisNote]
            (main.estimates, main.smallAreaFits, smallAreaNotes) = try SmallAreaEstimation.apply(
                to: main.estimates, inputs: inputs, groups: domains.groups, options: smallArea)
            for index in main.estimates.indices { main.estimates[index].smallAreaRequested = true }
            main.notes += smallAreaNotes
        }
        main.reliability = options.estimatesOnly ? [] : sums.reliability(layout: layout)
        main.drivers = options.estimatesOnly ? [] : sums.drivers(layout: layout)
        main.itemShares = options.estimatesOnly ? [] : sums.itemShares(groups: domains.groups)
        main.distributions = distributions(weights: resolved.weights)
        var others: [IndicatorResults] = []
        for breakdown in breakdowns {
            let regrouped = try matrix.regrouped(by: breakdown)
            guard let domainOfCell = Self.domainOfCell(regrouped, cells: resolved.cells) else {
                var separate = options
                separate.breakdown = breakdown
                separate.estimatesOnly = true
                others.append(try IndicatorEngine(matrix: matrix, population: population, references: references,
                                                  options: separate).run(reusing: resolved, breakdowns: [], lattice: lattice).main)
                continue
            }
            var byCells: [IndicatorEstimate] = []
            for (position, indicator) in layout.indicators.enumerated() {
                byCells.append(estimates.first { $0.indicator == indicator.id && $0.group == nil }!)
                for (code, group) in regrouped.groups.enumerated() {
                    byCells.append(sums.estimate(indicator: position, id: indicator.id, domain: group,
                                                 cellMask: domainOfCell.map { $0 == code }, cells: resolved.cells, options: options))
                }
            }
            // The whole-area rows are the main pass's, as computed (before suppression and deviation scores).
            others.append(try finish(byCells, domains: regrouped, layout: layout, resolved: resolved,
                                     breakdown: breakdown, lattice: lattice))
        }
        return (main, others)
    }

    /// The indicators: categories, headline items, and the single items to estimate on their own.
    func layout() -> IndicatorLayout {
        let instrument = matrix.instrument
        let headlineItems = Set(instrument.headlines.map(\.itemID))
        let singleItems = instrument.items.map(\.id).filter { item in
            !headlineItems.contains(item) && (options.itemEstimates == .all || references[item.rawValue] != nil)
        }
        return IndicatorLayout(instrument: instrument, items: singleItems)
    }

    /// Each joint calibration cell's domain in `regrouped`, when every respondent of a cell falls in the same
    /// domain; nil when a cell mixes domains (the breakdown is not a function of the calibration cells).
    static func domainOfCell(_ regrouped: ResponseMatrix, cells: CalibrationCells) -> [Int32]? {
        guard cells.cellCount > 1 else { return nil }
        var domain = [Int32](repeating: -1, count: cells.cellCount)
        for row in 0..<regrouped.respondentCount {
            let cell = Int(cells.cellOfRespondent[row]), code = regrouped.groupCodes[row]
            if domain[cell] == -1 {
                domain[cell] = code
            } else if domain[cell] != code {
                return nil
            }
        }
        return domain
    }

    /// Suppression, deviation scores, benchmarks and report order over computed estimates.
    private func finish(_ computed: [IndicatorEstimate], domains: ResponseMatrix, layout: IndicatorLayout,
                        resolved: ResolvedWeights, breakdown: Breakdown?, lattice: DisclosureLattice?) throws -> IndicatorResults {
        let groups = domains.groups
        var (estimates, notes) = Disclosure.protect(computed, lattice: lattice, layout: layout,
                                                    fields: DisclosureLattice.fields(of: breakdown, in: matrix.instrument),
                                                    domains: domains)
        if let standard = resolved.standardization, breakdown == nil {
            let partial = estimates.filter { !$0.suppressed && $0.standardization?.partial == true }
            let partialGroups = Set(partial.compactMap(\.group))
            if !partialGroups.isEmpty {
                var frequency: [String: Int] = [:]
                for estimate in partial { for cell in estimate.standardization!.droppedCells { frequency[cell, default: 0] += 1 } }
                let cells = frequency.sorted { ($0.value, $1.key) > ($1.value, $0.key) }.map(\.key)
                notes.append(.partialStandardization(by: standard.by.specification, partial: partialGroups.count, groups: groups.count,
                                                     cells: cells, coarser: standard.by.fields.count > 1 ? standard.by.fields[0] : nil))
            }
        }
        let lonely = resolved.cells.strata.singleRespondentStrata
        if resolved.cells.strata.design != nil && !lonely.isEmpty { notes.append(.singleRespondentStrata(lonely)) }
        var basis: [IndicatorID: String] = [:]
        estimates = DeviationScores.apply(to: estimates, references: references, basis: &basis, notes: &notes)
        estimates = BenchmarkComparison.apply(to: estimates, references: references)
        // Whole-area estimates first, then group by group, indicators in instrument order.
        let order = Dictionary(uniqueKeysWithValues: layout.indicators.enumerated().map { ($0.element.id, $0.offset) })
        let groupOrder = Dictionary(uniqueKeysWithValues: groups.enumerated().map { ($0.element, $0.offset) })
        estimates.sort { a, b in
            let ga = a.group.map { groupOrder[$0]! + 1 } ?? 0, gb = b.group.map { groupOrder[$0]! + 1 } ?? 0
            return ga != gb ? ga < gb : order[a.indicator]! < order[b.indicator]!
        }
        let weights = resolved.weights
        let totalWeight = weights.reduce(0, +)
        let squaredWeight = weights.reduce(0) { $0 + $1 * $1 }
        if totalWeight <= 0 {
            throw WellBeingError(.badData, Message(.weightsZero, ["survey": matrix.instrument.id.rawValue, "period": matrix.period.rawValue]))
        }
        var results = IndicatorResults(
            survey: matrix.instrument.id, period: matrix.period, weighting: resolved.weighting, minimumN: options.minimumN,
            respondentCount: matrix.respondentCount,
            kishDesignEffect: Double(matrix.respondentCount) * squaredWeight / (totalWeight * totalWeight),
            estimates: estimates, reliability: [], drivers: [], itemShares: [], groups: groups, deviationBasis: basis,
            notes: notes, rakingSweeps: resolved.sweeps)
        results.breakdown = breakdown
        results.sampling = resolved.cells.strata.summary
        if breakdown == nil { results.standardization = resolved.standardization?.by }
        return results
    }

    /// The weighted share of each answer value of every headline item.
    func distributions(weights: [Double]) -> [AnswerDistribution] {
        let instrument = matrix.instrument
        let index = instrument.itemIndex
        let itemCount = instrument.items.count
        return instrument.headlines.map { headline in
            let position = index[headline.itemID]!
            let scale = instrument.scale(of: instrument.items[position])
            var totals = [Double](repeating: 0, count: scale.maximum - scale.minimum + 1)
            var n = 0
            for row in 0..<matrix.respondentCount {
                let code = Int(matrix.answers[row * itemCount + position])
                if code == 0 { continue }
                totals[code - 1 - scale.minimum] += weights[row]
                n += 1
            }
            let sum = totals.reduce(0, +)
            return AnswerDistribution(indicator: IndicatorID(headline.itemID.rawValue), values: Array(scale.minimum...scale.maximum),
                                      shares: totals.map { sum > 0 ? $0 / sum : 0 }, n: n)
        }
    }
}

/// How each indicator is computed from the answer bytes.
struct IndicatorLayout: Sendable {
    struct Indicator: Sendable {
        var id: IndicatorID
        /// Positions of the items in the answer row, and whether each is reverse-scored.
        var items: [(position: Int, reversed: Bool)]
        var minimum: Double
        var maximum: Double
        var topBoxFrom: Double
        /// Subtracted before summing squares, for numerical accuracy.
        var center: Double
        var isCategory: Bool
    }

    var indicators: [Indicator]
    /// The position of the outcome indicator, if any.
    var outcome: Int?
    var itemCount: Int

    /// The categories and headline items of `instrument`, then each of `items` on its own (on its score:
    /// a reverse-worded item is recoded).
    init(instrument: Instrument, items singleItems: [ItemID] = []) {
        let index = instrument.itemIndex
        var indicators: [Indicator] = []
        for category in instrument.categories {
            let first = instrument.items[index[category.itemIDs[0]]!]
            let scale = instrument.scale(of: first)
            indicators.append(Indicator(
                id: category.id,
                items: category.itemIDs.map { (index[$0]!, instrument.items[index[$0]!].isReversed) },
                minimum: Double(scale.minimum), maximum: Double(scale.maximum), topBoxFrom: scale.topBoxFrom,
                center: Double(scale.minimum + scale.maximum) / 2, isCategory: true))
        }
        for headline in instrument.headlines {
            let position = index[headline.itemID]!
            let scale = instrument.scale(of: instrument.items[position])
            indicators.append(Indicator(
                id: IndicatorID(headline.itemID.rawValue), items: [(position, false)],
                minimum: Double(scale.minimum), maximum: Double(scale.maximum), topBoxFrom: scale.topBoxFrom,
                center: Double(scale.minimum + scale.maximum) / 2, isCategory: false))
        }
        for item in singleItems {
            let position = index[item]!
            let scale = instrument.scale(of: instrument.items[position])
            indicators.append(Indicator(
                id: IndicatorID(item.rawValue), items: [(position, instrument.items[position].isReversed)],
                minimum: Double(scale.minimum), maximum: Double(scale.maximum), topBoxFrom: scale.topBoxFrom,
                center: Double(scale.minimum + scale.maximum) / 2, isCategory: false))
        }
        self.indicators = indicators
        outcome = instrument.outcome.flatMap { outcome in indicators.firstIndex { $0.id.rawValue == outcome.itemID.rawValue } }
        itemCount = instrument.items.count
    }
}
