import Foundation
import WellBeingCore

/// How respondents are weighted.
public enum Weighting: String, Sendable, Codable, CaseIterable {
    /// Every respondent counts once.
    case none
    /// The instrument's design-weight column.
    case design
    /// Design weights (or equal weights) raked to the imported population margins.
    case raked

    /// The default: raked when margins exist, else design weights when the instrument has them, else none.
    public static func automatic(hasPopulation: Bool, hasDesignWeights: Bool) -> Weighting {
        hasPopulation ? .raked : (hasDesignWeights ? .design : .none)
    }
}

/// Respondents grouped by the cross of every margin's cells and the design's strata (the "joint cells"),
/// which is all that raking and the calibration-adjusted, stratified variance need to know about them.
struct CalibrationCells: Sendable {
    /// Each respondent's joint cell.
    var cellOfRespondent: [Int32]
    /// How many joint cells there are.
    var cellCount: Int
    /// For each margin: the margin cell of each joint cell.
    var marginCellOfCell: [[Int]]
    /// For each margin: the population total of each margin cell.
    var marginPopulation: [[Double]]
    /// For each margin: readable names of its cells (`age_band=18-29, sex=男性`), for messages.
    var marginCellNames: [[String]]
    /// The margins' names (`age_band*sex`).
    var marginNames: [String]
    /// The sample's strata (one for a simple random sample), and the stratum of each joint cell.
    var strata: Strata
    var stratumOfCell: [Int]
    /// Each joint cell's code of the refinement the cells were split by (0 without one).
    var refinementOfCell: [Int]

    /// A further split of the joint cells, so that every respondent of a cell shares a code: the group × age ×
    /// sex cells of a standardisation, whose sums the variance needs cell by cell.
    struct CellRefinement: Sendable {
        var codeOfRespondent: [Int32]
        var count: Int
    }

    /// Whether the weights were calibrated (raked) to margins, so that SEs take calibration residuals.
    var isCalibrated: Bool { !marginPopulation.isEmpty }

    /// No calibration: one joint cell per stratum (and refinement code).
    static func unraked(strata: Strata, refinement: CellRefinement? = nil) -> CalibrationCells {
        guard let refinement else {
            return CalibrationCells(cellOfRespondent: strata.stratumOfRespondent, cellCount: strata.count, marginCellOfCell: [],
                                    marginPopulation: [], marginCellNames: [], marginNames: [], strata: strata,
                                    stratumOfCell: Array(0..<strata.count), refinementOfCell: Array(repeating: 0, count: strata.count))
        }
        let joint = jointCells(count: strata.stratumOfRespondent.count, marginCells: [], marginSizes: [], strata: strata,
                               refinement: refinement)
        return CalibrationCells(cellOfRespondent: joint.cellOfRespondent, cellCount: joint.stratumOfCell.count,
                                marginCellOfCell: [], marginPopulation: [], marginCellNames: [], marginNames: [],
                                strata: strata, stratumOfCell: joint.stratumOfCell, refinementOfCell: joint.refinementOfCell)
    }

    private init(cellOfRespondent: [Int32], cellCount: Int, marginCellOfCell: [[Int]], marginPopulation: [[Double]],
                 marginCellNames: [[String]], marginNames: [String], strata: Strata, stratumOfCell: [Int],
                 refinementOfCell: [Int]) {
        self.cellOfRespondent = cellOfRespondent
        self.cellCount = cellCount
        self.marginCellOfCell = marginCellOfCell
        self.marginPopulation = marginPopulation
        self.marginCellNames = marginCellNames
        self.marginNames = marginNames
        self.strata = strata
        self.stratumOfCell = stratumOfCell
        self.refinementOfCell = refinementOfCell
    }

    /// The joint cells: each combination of the margins' cells, the stratum and the refinement code present
    /// among the respondents, numbered in order of first appearance.
    private static func jointCells(count: Int, marginCells: [[Int32]], marginSizes: [Int], strata: Strata,
                                   refinement: CellRefinement?)
        -> (cellOfRespondent: [Int32], marginCellOfCell: [[Int]], stratumOfCell: [Int], refinementOfCell: [Int]) {
        var jointIndex: [Int: Int32] = [:]
        var marginCellOfCell = [[Int]](repeating: [], count: marginSizes.count)
        var stratumOfCell: [Int] = [], refinementOfCell: [Int] = []
        var cellOfRespondent = [Int32](repeating: 0, count: count)
        let refinementCount = refinement?.count ?? 1
        for row in 0..<count {
            let stratum = Int(strata.stratumOfRespondent[row])
            let code = refinement.map { Int($0.codeOfRespondent[row]) } ?? 0
            var combination = stratum * refinementCount + code
            for margin in 0..<marginSizes.count { combination = combination * marginSizes[margin] + Int(marginCells[margin][row]) }
            if let known = jointIndex[combination] {
                cellOfRespondent[row] = known
            } else {
                let index = Int32(jointIndex.count)
                jointIndex[combination] = index
                for margin in 0..<marginSizes.count { marginCellOfCell[margin].append(Int(marginCells[margin][row])) }
                stratumOfCell.append(stratum)
                refinementOfCell.append(code)
                cellOfRespondent[row] = index
            }
        }
        return (cellOfRespondent, marginCellOfCell, stratumOfCell, refinementOfCell)
    }

    /// Maps every respondent to the margins of `population`.
    ///
    /// - Throws: `badData` naming a respondent value that the margins lack, or a margin cell with people but
    ///   no respondents (or respondents but no people), with the way out: merge the cells in the population file.
    init(matrix: ResponseMatrix, population: PopulationTable, strata: Strata, refinement: CellRefinement? = nil) throws {
        let respondent = matrix.instrument.respondent
        // Each population field as (respondent codes → value text).
        var fieldValues: [[String]] = []
        var fieldCodes: [[Int32]] = []
        for field in population.fields {
            if field == respondent.group.column.name {
                fieldValues.append(matrix.groups.map(\.rawValue))
                fieldCodes.append(matrix.groupCodes)
            } else if let attribute = respondent.attributes.firstIndex(where: { $0.column.name == field }) {
                fieldValues.append(matrix.attributeValues[attribute])
                fieldCodes.append(matrix.attributeCodes[attribute])
            } else {
                throw WellBeingError(.badData, Message(.populationUnknownField, ["field": field, "survey": matrix.instrument.id.rawValue]))
            }
        }
        let count = matrix.respondentCount
        var marginCellOfRespondent: [[Int32]] = []
        var marginPopulation: [[Double]] = []
        var marginCellNames: [[String]] = []
        var problems: [Message] = []
        for margin in population.margins {
            let positions = margin.map { population.fields.firstIndex(of: $0)! }
            // Population by margin cell.
            var cellIndex: [[String]: Int] = [:]
            var totals: [Double] = []
            var names: [String] = []
            for cell in population.cells {
                let key = positions.map { cell.values[$0] }
                if let index = cellIndex[key] {
                    totals[index] += cell.count
                } else {
                    cellIndex[key] = totals.count
                    totals.append(cell.count)
                    names.append(zip(margin, key).map { "\($0)=\($1)" }.joined(separator: ", "))
                }
            }
            // Respondents by margin cell, through their field codes (a mixed-radix combination).
            let radices = positions.map { fieldValues[$0].count }
            var combinationCell: [Int: Int] = [:]
            var cells = [Int32](repeating: 0, count: count)
            var respondentsPerCell = [Int](repeating: 0, count: totals.count)
            var missing: Set<String> = []
            for row in 0..<count {
                var combination = 0
                for (slot, position) in positions.enumerated() {
                    combination = combination * radices[slot] + Int(fieldCodes[position][row])
                }
                let cell: Int
                if let known = combinationCell[combination] {
                    cell = known
                } else {
                    let key = positions.map { fieldValues[$0][Int(fieldCodes[$0][row])] }
                    cell = cellIndex[key] ?? -1
                    combinationCell[combination] = cell
                    if cell < 0 {
                        missing.insert(zip(margin, key).map { "\($0)=\($1.isEmpty ? "(empty)" : $1)" }.joined(separator: ", "))
                    }
                }
                if cell >= 0 {
                    cells[row] = Int32(cell)
                    respondentsPerCell[cell] += 1
                }
            }
            for value in missing.sorted() {
                problems.append(Message(.rakeMissingRow, ["value": value, "margin": margin.joined(separator: "*")]))
            }
            for (index, total) in totals.enumerated() {
                if total > 0 && respondentsPerCell[index] == 0 {
                    problems.append(Message(.rakeCellNoRespondents, ["cell": names[index], "count": Self.number(total)]))
                } else if total == 0 && respondentsPerCell[index] > 0 {
                    problems.append(Message(.rakeCellZeroCount, ["cell": names[index], "count": "\(respondentsPerCell[index])"]))
                }
            }
            marginCellOfRespondent.append(cells)
            marginPopulation.append(totals)
            marginCellNames.append(names)
        }
        if !problems.isEmpty {
            throw WellBeingError(.badData, Message(.cannotRake, ["survey": matrix.instrument.id.rawValue, "period": matrix.period.rawValue]),
                                 details: problems, advice: Message(.rakeAdvice))
        }
        let joint = Self.jointCells(count: count, marginCells: marginCellOfRespondent, marginSizes: marginPopulation.map(\.count),
                                    strata: strata, refinement: refinement)
        self.strata = strata
        stratumOfCell = joint.stratumOfCell
        refinementOfCell = joint.refinementOfCell
        cellOfRespondent = joint.cellOfRespondent
        cellCount = joint.stratumOfCell.count
        marginCellOfCell = joint.marginCellOfCell
        self.marginPopulation = marginPopulation
        self.marginCellNames = marginCellNames
        marginNames = population.margins.map { $0.joined(separator: "*") }
    }

    static func number(_ value: Double) -> String {
        value == value.rounded() ? String(Int(value)) : String(value)
    }

    /// Iterative proportional fitting, margin after margin, from `baseWeights`, until every margin total is
    /// within `tolerance` (relative) of its population, at most `maximumSweeps` sweeps.
    ///
    /// Raking multiplies all respondents of a joint cell by the same factor, so it runs on the joint cells'
    /// weight totals; the result is each respondent's base weight times its cell's factor.
    func rake(baseWeights: [Double], tolerance: Double = 1e-10, maximumSweeps: Int = 1000) throws -> (weights: [Double], sweeps: Int) {
        var cellBase = [Double](repeating: 0, count: cellCount)
        for (row, cell) in cellOfRespondent.enumerated() { cellBase[Int(cell)] += baseWeights[row] }
        for (margin, population) in marginPopulation.enumerated() {
            var totals = [Double](repeating: 0, count: population.count)
            for cell in 0..<cellCount { totals[marginCellOfCell[margin][cell]] += cellBase[cell] }
            if let empty = totals.indices.first(where: { totals[$0] <= 0 && population[$0] > 0 }) {
                throw WellBeingError(.badData, Message(.rakeZeroWeights, ["cell": marginCellNames[margin][empty]]))
            }
        }
        var factors = [Double](repeating: 1, count: cellCount)
        var sweeps = 0
        while true {
            for (margin, population) in marginPopulation.enumerated() {
                var totals = [Double](repeating: 0, count: population.count)
                for cell in 0..<cellCount { totals[marginCellOfCell[margin][cell]] += cellBase[cell] * factors[cell] }
                for cell in 0..<cellCount {
                    let marginCell = marginCellOfCell[margin][cell]
                    if totals[marginCell] > 0 { factors[cell] *= population[marginCell] / totals[marginCell] }
                }
            }
            sweeps += 1
            var worst = 0.0
            for (margin, population) in marginPopulation.enumerated() {
                var totals = [Double](repeating: 0, count: population.count)
                for cell in 0..<cellCount { totals[marginCellOfCell[margin][cell]] += cellBase[cell] * factors[cell] }
                for (index, target) in population.enumerated() where target > 0 {
                    worst = max(worst, abs(totals[index] - target) / target)
                }
            }
            if worst <= tolerance { break }
            if sweeps >= maximumSweeps {
                throw WellBeingError(.badData, Message(.rakeNoConvergence, ["sweeps": "\(maximumSweeps)", "error": "\(worst)"]))
            }
        }
        let weights = cellOfRespondent.enumerated().map { baseWeights[$0.offset] * factors[Int($0.element)] }
        return (weights, sweeps)
    }

    /// The fitted values, per joint cell, of the least-squares projection of a respondent-level vector onto
    /// the margins' cell indicators (unweighted), found by backfitting as `survey` does for a raked design.
    ///
    /// - Parameters:
    ///   - cellSums: Σ of the vector over each joint cell's respondents.
    ///   - cellCounts: the number of respondents in each joint cell (all respondents of the period).
    func calibrationFit(cellSums: [Double], cellCounts: [Double]) -> [Double] {
        var fitted = [Double](repeating: 0, count: cellCount)
        guard !marginPopulation.isEmpty else { return fitted }
        let scale = cellSums.reduce(0) { max($0, abs($1)) } / max(1, cellCounts.reduce(0, +))
        // Backfitting converges geometrically; 10 sweeps already agree with the limit to ~1e-13 on survey data.
        for _ in 0..<1000 {
            var largestStep = 0.0
            for (margin, population) in marginPopulation.enumerated() {
                var residual = [Double](repeating: 0, count: population.count)
                var counts = [Double](repeating: 0, count: population.count)
                for cell in 0..<cellCount {
                    let marginCell = marginCellOfCell[margin][cell]
                    residual[marginCell] += cellSums[cell] - cellCounts[cell] * fitted[cell]
                    counts[marginCell] += cellCounts[cell]
                }
                for index in residual.indices where counts[index] > 0 {
                    residual[index] /= counts[index]
                    largestStep = max(largestStep, abs(residual[index]))
                }
                for cell in 0..<cellCount { fitted[cell] += residual[marginCellOfCell[margin][cell]] }
            }
            if largestStep <= 1e-13 * max(scale, 1e-300) { break }
        }
        return fitted
    }
}
