import Foundation
import WellBeingCore

/// Disclosure control over every table the tool can publish for a period.
///
/// The whole area, the groups, each respondent field and every cross of them (地区, 年代, 性別, 年代*性別,
/// 地区*年代, …) are tables of the same respondents. A table's cells add up, weighted by their n or weight
/// totals (published, or known from the population margins), to the cells of each of its margins — the table
/// without one of its fields — so each line of a table (the cells that share the values of all fields but one,
/// with the margin cell they make up) is a relation a reader can subtract along. The rule, as statistical
/// offices apply it to linked tables: in no line may a withheld cell stand alone, the margin cell counted;
/// where one does, the published cell of the line with the fewest respondents is withheld too (the margin cell
/// only when the line has no other), until no line changes. Every table of the period is protected together,
/// the same way for every command, so what any command publishes belongs to one consistent pattern.
struct DisclosureLattice {
    /// The fields: the group (0), then each attribute.
    let fieldCount: Int
    /// Per table (a bit set of fields, 0 the whole area), each finest cell's cell in it.
    private let cellOfFinest: [[Int32]]
    /// Where each table's cells start in the global numbering.
    private let tableOffset: [Int]
    /// Each respondent's finest cell (the cross of every field).
    private let finestOfRespondent: [Int32]
    /// The lines: a margin cell and the cells of a table that make it up (global numbers).
    private let lines: [(margin: Int, members: [Int])]
    private let globalCount: Int
    private let minimumN: Int
    /// Per indicator, each global cell's withholding (nil: published or empty).
    private let patterns: [[WithheldReason?]]

    /// Builds the tables of `matrix`'s period and each indicator's pattern of withheld cells.
    init(matrix: ResponseMatrix, layout: IndicatorLayout, minimumN: Int) {
        let count = matrix.respondentCount
        let fieldCodes = [matrix.groupCodes] + matrix.attributeCodes
        fieldCount = fieldCodes.count
        self.minimumN = minimumN
        // A dense code per combination of the fields in a table, built one field at a time.
        func densify(_ codes: [Int64]) -> (codes: [Int32], count: Int) {
            var position: [Int64: Int32] = [:]
            let dense = codes.map { key in
                if let known = position[key] { return known }
                let next = Int32(position.count)
                position[key] = next
                return next
            }
            return (dense, position.count)
        }
        let full = (1 << fieldCount) - 1
        var finest = [Int32](repeating: 0, count: count), finestCount = count == 0 ? 0 : 1
        for codes in fieldCodes {
            (finest, finestCount) = densify(zip(finest, codes).map { Int64($0) << 32 | Int64($1) })
        }
        finestOfRespondent = finest
        // One respondent per finest cell, to read its field values.
        var representative = [Int](repeating: 0, count: finestCount)
        for row in stride(from: count - 1, through: 0, by: -1) { representative[Int(finest[row])] = row }
        var tables = [[Int32]](repeating: [], count: full + 1), sizes = [Int](repeating: 0, count: full + 1)
        tables[0] = [Int32](repeating: 0, count: finestCount)
        sizes[0] = finestCount == 0 ? 0 : 1
        for mask in 1...full {
            let field = mask.trailingZeroBitCount, rest = mask & (mask - 1)
            let codes = fieldCodes[field]
            (tables[mask], sizes[mask]) = densify((0..<finestCount).map { cell in
                Int64(tables[rest][cell]) << 32 | Int64(codes[representative[cell]])
            })
        }
        cellOfFinest = tables
        var offsets: [Int] = [], total = 0
        for size in sizes { offsets.append(total); total += size }
        tableOffset = offsets
        globalCount = total
        var lines: [(margin: Int, members: [Int])] = []
        for mask in 1...full {
            for field in 0..<fieldCount where mask & (1 << field) != 0 {
                let margin = mask ^ (1 << field)
                var members = [[Int]](repeating: [], count: sizes[margin]), seen = Set<Int32>()
                for cell in 0..<finestCount where seen.insert(tables[mask][cell]).inserted {
                    members[Int(tables[margin][cell])].append(offsets[mask] + Int(tables[mask][cell]))
                }
                lines += members.enumerated().map { (offsets[margin] + $0.offset, $0.element) }
            }
        }
        self.lines = lines
        // Each cell's finest cells, and the lines it is in (as a member or as the margin).
        var finestOfCell = [[Int]](repeating: [], count: total)
        for mask in 0...full {
            for cell in 0..<finestCount { finestOfCell[offsets[mask] + Int(tables[mask][cell])].append(cell) }
        }
        var linesOfCell = [[Int]](repeating: [], count: total)
        for (index, line) in lines.enumerated() {
            linesOfCell[line.margin].append(index)
            for member in line.members { linesOfCell[member].append(index) }
        }
        let structure = Structure(lines: lines, finestOfCell: finestOfCell, linesOfCell: linesOfCell,
                                  finestCells: Array(offsets[full]..<total))
        // Respondents who answered each indicator, per finest cell; one pattern per distinct count vector.
        let answered = Self.answerCounts(matrix: matrix, layout: layout, finest: finest, finestCount: finestCount)
        var cache: [[Int]: [WithheldReason?]] = [:]
        var patterns: [[WithheldReason?]] = []
        for counts in answered {
            if let known = cache[counts] { patterns.append(known); continue }
            var n = [Int](repeating: 0, count: total)
            for mask in 0...full {
                for cell in 0..<finestCount { n[offsets[mask] + Int(tables[mask][cell])] += counts[cell] }
            }
            let pattern = structure.protect(n: n, minimumN: minimumN)
            cache[counts] = pattern
            patterns.append(pattern)
        }
        self.patterns = patterns
    }

    /// Per indicator and finest cell, the respondents with a score (any item of a category answered).
    private static func answerCounts(matrix: ResponseMatrix, layout: IndicatorLayout, finest: [Int32], finestCount: Int) -> [[Int]] {
        let itemCount = layout.itemCount
        return matrix.answers.withUnsafeBufferPointer { answers in
            layout.indicators.map { indicator in
                var counts = [Int](repeating: 0, count: finestCount)
                let positions = indicator.items.map(\.position)
                for row in 0..<matrix.respondentCount {
                    let base = row * itemCount
                    for position in positions where answers[base + position] != 0 {
                        counts[Int(finest[row])] += 1
                        break
                    }
                }
                return counts
            }
        }
    }

    /// How the cells of the tables hang together; global cell numbers throughout.
    private struct Structure {
        var lines: [(margin: Int, members: [Int])]
        var finestOfCell: [[Int]]
        var linesOfCell: [[Int]]
        /// The cells of the finest table (the cross of every field), in finest order.
        var finestCells: [Int]

        /// Primary suppression (0 < n < `minimumN`); then secondary: first until no line has a single withheld
        /// cell, then, while a withheld cell still follows from the published ones by linear combination (across
        /// tables a pattern can hold such a cell even when every line holds two), the smallest published cell
        /// of its lines is withheld too, and again from the line rule.
        func protect(n: [Int], minimumN: Int) -> [WithheldReason?] {
            var state: [WithheldReason?] = n.map { $0 > 0 && $0 < minimumN ? .fewRespondents : nil }
            while true {
                applyLineRule(&state, n: n)
                let leaks = derivable(state, n: n)
                if leaks.isEmpty { return state }
                // One more cell per leak, in one round; a leak beside a cell withheld this round waits for the next.
                var added = Set<Int>()
                for leak in leaks {
                    let neighbours = Set(linesOfCell[leak].flatMap { [lines[$0].margin] + lines[$0].members })
                    guard neighbours.isDisjoint(with: added) else { continue }
                    var candidates = neighbours.filter { state[$0] == nil && n[$0] > 0 }
                    if candidates.isEmpty {
                        let inside = Set(finestOfCell[leak])
                        candidates = Set(state.indices.filter { state[$0] == nil && n[$0] > 0 && !inside.isDisjoint(with: finestOfCell[$0]) })
                    }
                    guard let smallest = candidates.min(by: { (n[$0], $0) < (n[$1], $1) }) else { continue }
                    state[smallest] = .protectsAnother
                    added.insert(smallest)
                }
                if added.isEmpty { return state }
            }
        }

        /// Secondary suppression until no line holds a single withheld cell (the margin cell counted).
        private func applyLineRule(_ state: inout [WithheldReason?], n: [Int]) {
            var changed = true
            while changed {
                changed = false
                for line in lines {
                    let withheld = (state[line.margin] != nil ? 1 : 0) + line.members.filter { state[$0] != nil }.count
                    guard withheld == 1 else { continue }
                    let candidates = line.members.filter { state[$0] == nil && n[$0] > 0 }
                    if let smallest = candidates.min(by: { (n[$0], $0) < (n[$1], $1) }) {
                        state[smallest] = .protectsAnother
                    } else {
                        state[line.margin] = .protectsAnother
                    }
                    changed = true
                }
            }
        }

        /// The withheld cells whose values follow from the published ones: their finest cells' indicator is a
        /// linear combination of the published cells' (over the finest cells that are withheld themselves; the
        /// others are published, hence known). Exact elimination modulo a prime.
        private func derivable(_ state: [WithheldReason?], n: [Int]) -> [Int] {
            var column: [Int: Int] = [:]
            for (finest, cell) in finestCells.enumerated() where state[cell] != nil && n[cell] > 0 { column[finest] = column.count }
            var span = ModularSpan(dimension: column.count)
            for cell in state.indices where state[cell] == nil && n[cell] > 0 {
                span.add(finestOfCell[cell].compactMap { column[$0] })
            }
            return state.indices.filter { cell in
                state[cell] != nil && n[cell] > 0 && span.contains(finestOfCell[cell].compactMap { column[$0] })
            }
        }
    }

    /// The lattice field of each of `breakdown`'s fields (the instrument's group when nil); nil for a name the
    /// instrument does not have.
    static func fields(of breakdown: Breakdown?, in instrument: Instrument) -> [Int]? {
        guard let breakdown else { return [0] }
        var fields: [Int] = []
        for name in breakdown.fields {
            switch instrument.respondent.field(named: name) {
            case .group: fields.append(0)
            case let .attribute(index): fields.append(index + 1)
            case nil: return nil
            }
        }
        return fields
    }

    /// Withholds the estimates of one table (the whole area and the groups of `domains`, a regrouping of the
    /// lattice's respondents by `fields`) as the pattern says; each withheld estimate says why.
    func apply(to estimates: [IndicatorEstimate], layout: IndicatorLayout, fields: [Int],
               domains: ResponseMatrix) -> [IndicatorEstimate] {
        let mask = fields.reduce(0) { $0 | 1 << $1 }
        var cellOfDomain = [Int?](repeating: nil, count: domains.groups.count)
        for row in 0..<domains.respondentCount where cellOfDomain[Int(domains.groupCodes[row])] == nil {
            cellOfDomain[Int(domains.groupCodes[row])] = tableOffset[mask] + Int(cellOfFinest[mask][Int(finestOfRespondent[row])])
        }
        let domainOfName = Dictionary(uniqueKeysWithValues: domains.groups.enumerated().map { ($0.element, $0.offset) })
        let indicatorPosition = Dictionary(uniqueKeysWithValues: layout.indicators.enumerated().map { ($0.element.id, $0.offset) })
        return estimates.map { estimate in
            guard let indicator = indicatorPosition[estimate.indicator] else { return estimate }
            let cell = estimate.group.map { domainOfName[$0].flatMap { cellOfDomain[$0] } } ?? tableOffset[0]
            guard let cell, let reason = patterns[indicator][cell] else { return estimate }
            return Disclosure.withhold(estimate, because: reason)
        }
    }
}

/// Primary and secondary suppression of one table's estimates.
///
/// An estimate with fewer than `--min-n` respondents is withheld (primary). So that none can be derived by
/// subtraction — the whole area's figure less the published groups', a `--by 年代` row less the published cells
/// of `--by '年代*性別'`, a district less its published age bands — every table of the period is protected
/// together (`DisclosureLattice`): further cells are withheld (secondary) until, in every row and column of
/// every table and cross, with the margin it adds up to, no withheld cell stands alone.
public enum Disclosure {
    /// Withholds the secondary suppressions of `lattice`'s pattern (the primary ones are withheld as computed, n
    /// below min-n); returns the estimates and the notes to show. Without a lattice, primary suppression only.
    static func protect(_ estimates: [IndicatorEstimate], lattice: DisclosureLattice?, layout: IndicatorLayout,
                        fields: [Int]?, domains: ResponseMatrix) -> ([IndicatorEstimate], [AnalysisNote]) {
        guard let lattice, let fields else { return (estimates, []) }
        let result = lattice.apply(to: estimates, layout: layout, fields: fields, domains: domains)
        var counts: [GroupName: Int] = [:]
        for estimate in result where estimate.withheld == .protectsAnother {
            if let group = estimate.group { counts[group, default: 0] += 1 }
        }
        guard !counts.isEmpty else { return (result, []) }
        let order = Dictionary(uniqueKeysWithValues: domains.groups.enumerated().map { ($0.element, $0.offset) })
        let groups = counts.keys.sorted { (order[$0] ?? .max, $0.rawValue) < (order[$1] ?? .max, $1.rawValue) }
        return (result, [.secondarySuppression(groups: groups, estimates: counts.values.reduce(0, +))])
    }

    static func withhold(_ estimate: IndicatorEstimate, because reason: WithheldReason) -> IndicatorEstimate {
        var withheld = estimate
        withheld.mean = nil
        withheld.standardError = nil
        withheld.confidenceLow = nil
        withheld.confidenceHigh = nil
        withheld.topBoxShare = nil
        withheld.topBoxStandardError = nil
        withheld.deviation = nil
        withheld.deviationStandardError = nil
        withheld.withheld = estimate.withheld ?? reason
        return withheld
    }
}

/// The span of 0/1 vectors (given as the positions of their ones), by Gauss–Jordan elimination modulo a prime:
/// exact for these integer systems, unless the prime divides a pivot, which could only make a cell look
/// derivable (more suppression, never less). Add every vector, then ask `contains`.
struct ModularSpan {
    static let prime: Int64 = 2_147_483_647
    let dimension: Int
    private var rows: [(pivot: Int, values: [Int64])] = []
    /// The row whose pivot each column is, once reduced; nil for a free column.
    private var rowOfPivot: [Int?] = []

    init(dimension: Int) { self.dimension = dimension }

    private static func subtract(_ target: inout [Int64], _ row: [Int64], times factor: Int64) {
        target.withUnsafeMutableBufferPointer { target in
            row.withUnsafeBufferPointer { row in
                for j in 0..<row.count where row[j] != 0 {
                    let value = (target[j] - factor * row[j]) % prime
                    target[j] = value < 0 ? value + prime : value
                }
            }
        }
    }

    mutating func add(_ ones: [Int]) {
        guard !ones.isEmpty else { return }
        var vector = [Int64](repeating: 0, count: dimension)
        for one in ones { vector[one] = 1 }
        for row in rows where vector[row.pivot] != 0 { Self.subtract(&vector, row.values, times: vector[row.pivot]) }
        guard let pivot = vector.firstIndex(where: { $0 != 0 }) else { return }
        var inverse: Int64 = 1, base = vector[pivot], exponent = Self.prime - 2
        while exponent > 0 {
            if exponent & 1 == 1 { inverse = inverse * base % Self.prime }
            base = base * base % Self.prime
            exponent >>= 1
        }
        for j in 0..<dimension where vector[j] != 0 { vector[j] = vector[j] * inverse % Self.prime }
        rows.append((pivot, vector))
        rowOfPivot = []
    }

    /// Reduced row echelon form: each pivot column zero in every other row.
    private mutating func reduce() {
        for r in rows.indices.reversed() {
            let (pivot, values) = rows[r]
            for q in 0..<r where rows[q].values[pivot] != 0 { Self.subtract(&rows[q].values, values, times: rows[q].values[pivot]) }
        }
        rowOfPivot = [Int?](repeating: nil, count: dimension)
        for (index, row) in rows.enumerated() { rowOfPivot[row.pivot] = index }
    }

    /// Whether the vector with ones at `ones` is a combination of those added (the empty vector always is): it
    /// is when it is orthogonal to the null space, whose basis vector of free column j is 1 at j and −R[r][j] at
    /// row r's pivot; so v·z_j = [j ∈ v] − Σ over v's pivot columns of R[r][j] must vanish for every free j.
    mutating func contains(_ ones: [Int]) -> Bool {
        if rowOfPivot.isEmpty && dimension > 0 { reduce() }
        var dot = [Int64](repeating: 0, count: dimension)
        dot.withUnsafeMutableBufferPointer { dot in
            for one in ones {
                guard let r = rowOfPivot[one] else {
                    dot[one] = (dot[one] + Self.prime - 1) % Self.prime
                    continue
                }
                rows[r].values.withUnsafeBufferPointer { values in
                    for j in 0..<values.count where values[j] != 0 { dot[j] = (dot[j] + values[j]) % Self.prime }
                }
            }
        }
        for j in 0..<dimension where dot[j] != 0 && rowOfPivot[j] == nil { return false }
        return true
    }
}
