import Foundation
import WellBeingCore

/// The strata of one period's respondents (DESIGN §12): who is in which stratum, the stratum's respondents
/// n_h and its people N_h, and the factor each stratum's squared deviations get in a variance.
///
/// Without a sampling design there is one stratum holding everyone and no finite-population correction,
/// which is the simple random sample of the first round.
struct Strata: Sendable {
    /// Each respondent's stratum.
    var stratumOfRespondent: [Int32]
    /// The strata's names (`鵠沼`, `鵠沼 × 30代` for a cross), in report order.
    var names: [String]
    /// n_h: the period's respondents in each stratum (not the number drawn).
    var respondents: [Int]
    /// N_h: the people of each stratum in the population table; nil without a design.
    var population: [Double]?
    /// Whether the variance gets the finite-population correction 1 − n_h/N_h.
    var finitePopulationCorrection: Bool
    /// The design: nil for the single stratum of a simple random sample.
    var design: SamplingDesign?

    var count: Int { names.count }

    private init(stratumOfRespondent: [Int32], names: [String], respondents: [Int], population: [Double]?,
                 finitePopulationCorrection: Bool, design: SamplingDesign?) {
        self.stratumOfRespondent = stratumOfRespondent
        self.names = names
        self.respondents = respondents
        self.population = population
        self.finitePopulationCorrection = finitePopulationCorrection
        self.design = design
    }

    /// One stratum holding all `count` respondents.
    static func simpleRandomSample(count: Int) -> Strata {
        Strata(stratumOfRespondent: Array(repeating: 0, count: count), names: ["*"], respondents: [count],
               population: nil, finitePopulationCorrection: false, design: nil)
    }

    /// The strata of `matrix` by `design`, with N_h summed from `population` over the strata fields.
    ///
    /// - Throws: `badData` when the population lacks a strata field or a stratum that has respondents, or when
    ///   a stratum has more respondents than people; `usage` when the population is needed and missing.
    init(matrix: ResponseMatrix, design: SamplingDesign, population: PopulationTable?) throws {
        let survey = "\(matrix.instrument.id) \(matrix.period)"
        let regrouped = try matrix.regrouped(by: design.strata)
        stratumOfRespondent = regrouped.groupCodes
        names = regrouped.groups.map(\.rawValue)
        var counts = [Int](repeating: 0, count: regrouped.groups.count)
        for code in regrouped.groupCodes { counts[Int(code)] += 1 }
        respondents = counts
        finitePopulationCorrection = design.finitePopulationCorrection
        self.design = design
        guard let population else {
            if design.finitePopulationCorrection {
                throw WellBeingError(.usage, Message(.fpcNeedsPopulation, ["survey": survey, "strata": design.strata.specification]))
            }
            self.population = nil
            return
        }
        // N_h: the population cells summed to the strata fields, matched by field name or alias.
        let respondentFields = matrix.instrument.respondent
        var positions: [Int] = []
        for field in design.strata.fields {
            let wanted = respondentFields.field(named: field)
            guard let position = population.fields.firstIndex(where: { respondentFields.field(named: $0) == wanted }) else {
                throw WellBeingError(.badData, Message(.strataFieldMissing, [
                    "survey": survey, "strata": design.strata.specification, "field": field,
                    "fields": population.fields.joined(separator: ", ")]))
            }
            positions.append(position)
        }
        var totals: [String: Double] = [:]
        for cell in population.cells {
            let key = positions.map { cell.values[$0].isEmpty ? Breakdown.noAnswer : cell.values[$0] }
                .joined(separator: Breakdown.separator)
            totals[key, default: 0] += cell.count
        }
        var sizes: [Double] = []
        var problems: [Message] = []
        for (stratum, name) in names.enumerated() {
            let size = totals[name] ?? 0
            if counts[stratum] == 0 {
                // A listed value nobody answered from: nothing to weight.
            } else if size <= 0 {
                problems.append(Message(.stratumNoPeople, ["stratum": name, "count": "\(counts[stratum])"]))
            } else if design.finitePopulationCorrection && Double(counts[stratum]) > size {
                problems.append(Message(.stratumTooMany, ["stratum": name, "count": "\(counts[stratum])",
                                                          "size": CalibrationCells.number(size)]))
            }
            sizes.append(size)
        }
        if !problems.isEmpty {
            throw WellBeingError(.badData, Message(.strataDoNotFit, ["survey": survey]), details: problems,
                                 advice: Message(.strataAdvice))
        }
        self.population = sizes
    }

    /// The design weights N_h/n_h (every respondent of a stratum stands for the same share of its people).
    var designWeights: [Double]? {
        guard let population else { return nil }
        let factors = zip(population, respondents).map { $0 / Double($1) }
        return stratumOfRespondent.map { factors[Int($0)] }
    }

    /// The factor of stratum h's squared deviations in a variance: (1 − n_h/N_h)·n_h/(n_h − 1), R `survey`'s
    /// `svyrecvar` for one-stage stratified sampling; 0 for a stratum of one respondent (nothing to vary).
    var varianceFactors: [Double] {
        respondents.indices.map { stratum in
            let n = Double(respondents[stratum])
            guard n > 1 else { return 0 }
            let fpc = finitePopulationCorrection ? 1 - n / population![stratum] : 1
            return fpc * n / (n - 1)
        }
    }

    /// What the results report about the strata; nil for a simple random sample.
    var summary: SamplingSummary? {
        guard let design else { return nil }
        return SamplingSummary(
            fields: design.strata,
            strata: names.indices.map { SamplingSummary.Stratum(stratum: names[$0], population: population?[$0],
                                                                respondents: respondents[$0]) },
            finitePopulationCorrection: finitePopulationCorrection)
    }

    /// Strata of a single respondent, which add nothing to the SEs (R stops there unless told otherwise).
    var singleRespondentStrata: [String] {
        names.indices.filter { respondents[$0] == 1 }.map { names[$0] }
    }
}
