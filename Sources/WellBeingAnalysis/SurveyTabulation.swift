import Foundation
import WellBeingCore

/// Who answered, by one respondent field: the respondents' counts and shares beside the population's shares.
public struct FieldProfile: Sendable, Hashable {
    /// One value of the field (a district, an age band).
    public struct Row: Sendable, Hashable {
        public var value: String
        /// Respondents with this value.
        public var respondents: Int
        /// Their share of all respondents.
        public var share: Double
        /// The value's share of the population, when the population table has the field.
        public var populationShare: Double?
    }

    /// The field's column name.
    public var field: String
    public var label: LocalizedText
    public var rows: [Row]
}

/// The answers to one question as cities publish them in the 単純集計 appendix: unweighted counts of each
/// answer value, and of those who gave none.
public struct ItemTabulation: Sendable, Hashable {
    public var item: ItemID
    /// The scale's values, from its minimum to its maximum.
    public var values: [Int]
    /// Respondents who gave each value (as answered: a reverse-worded item is not recoded here).
    public var counts: [Int]
    /// Respondents with no answer (empty or a missing code).
    public var missing: Int

    /// Respondents who answered.
    public var answered: Int { counts.reduce(0, +) }
    /// Each value's share of those who answered.
    public var shares: [Double] { counts.map { answered > 0 ? Double($0) / Double(answered) : 0 } }
}

/// Counts over the respondents of one period: the profile of who answered and the answers to every question.
public enum SurveyTabulation {
    /// The group field and each attribute, values in report order (the instrument's listed values first),
    /// with the population's shares when `population` has that field.
    public static func profiles(matrix: ResponseMatrix, population: PopulationTable?) -> [FieldProfile] {
        let respondent = matrix.instrument.respondent
        let fields = [(respondent.group.column, respondent.group.label)] + respondent.attributes.map { ($0.column, $0.label) }
        let total = Double(max(matrix.respondentCount, 1))
        return fields.compactMap { column, label in
            // The field's values in report order, counted as a breakdown by it would count them.
            guard let grouped = try? matrix.regrouped(by: Breakdown(fields: [column.name])) else { return nil }
            // An optional attribute that no respondent has (the file lacked the column) says nothing.
            if grouped.groups.map(\.rawValue) == [Breakdown.noAnswer] { return nil }
            var counts = [Int](repeating: 0, count: grouped.groups.count)
            for code in grouped.groupCodes { counts[Int(code)] += 1 }
            let populationShares = population.flatMap { table -> [String: Double]? in
                guard let position = table.fields.firstIndex(where: { ([column.name] + column.aliases).contains($0) }) else {
                    return nil
                }
                var sums: [String: Double] = [:]
                for cell in table.cells { sums[cell.values[position], default: 0] += cell.count }
                let all = sums.values.reduce(0, +)
                return all > 0 ? sums.mapValues { $0 / all } : nil
            }
            let rows = zip(grouped.groups, counts).map { group, count in
                FieldProfile.Row(value: group.rawValue, respondents: count, share: Double(count) / total,
                                 populationShare: populationShares.map { $0[group.rawValue] ?? 0 })
            }
            return FieldProfile(field: column.name, label: label, rows: rows)
        }
    }

    /// Every question's answer counts, in the instrument's order (category items, then headline items).
    public static func items(matrix: ResponseMatrix) -> [ItemTabulation] {
        let instrument = matrix.instrument
        let itemCount = instrument.items.count
        // One pass over the answers, row by row, in two halves on the two cores: counts[item × 256 + byte] (the
        // stored byte is answer + 1, 0 missing).
        let count = matrix.respondentCount
        let parts = count >= 20_000 ? 2 : 1
        let partials = UnsafeMutableBufferPointer<[Int]>.allocate(capacity: parts)
        partials.initialize(repeating: [])
        defer { partials.deinitialize(); partials.deallocate() }
        let results = UncheckedPointer(partials)
        DispatchQueue.concurrentPerform(iterations: parts) { part in
            var tallies = [Int](repeating: 0, count: itemCount * 256)
            let rows = (part * count / parts)..<((part + 1) * count / parts)
            matrix.answers.withUnsafeBufferPointer { answers in
                tallies.withUnsafeMutableBufferPointer { tallies in
                    var offset = rows.lowerBound * itemCount
                    for _ in rows {
                        for item in 0..<itemCount { tallies[item << 8 | Int(answers[offset + item])] += 1 }
                        offset += itemCount
                    }
                }
            }
            results.buffer[part] = tallies
        }
        var tallies = partials[0]
        for part in 1..<parts { for index in tallies.indices { tallies[index] += partials[part][index] } }
        return instrument.items.enumerated().map { position, item in
            let scale = instrument.scale(of: item)
            let counts = (scale.minimum...scale.maximum).map { tallies[position << 8 | ($0 + 1)] }
            return ItemTabulation(item: item.id, values: Array(scale.minimum...scale.maximum), counts: counts,
                                  missing: tallies[position << 8])
        }
    }
}

/// How many were drawn in a stratum, how many answered, and the rate.
public struct ResponseRate: Sendable, Hashable, Encodable {
    /// The stratum (`鵠沼`, or `鵠沼 × 30代` for a cross).
    public var stratum: String
    public var drawn: Int
    /// Respondents of the period in the stratum.
    public var responded: Int
    /// responded / drawn; nil when nobody was drawn.
    public var rate: Double? { drawn > 0 ? Double(responded) / Double(drawn) : nil }

    public init(stratum: String, drawn: Int, responded: Int) {
        self.stratum = stratum
        self.drawn = drawn
        self.responded = responded
    }

    enum CodingKeys: String, CodingKey { case stratum, drawn, responded, rate }

    public func encode(to encoder: Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(stratum, forKey: .stratum)
        try container.encode(drawn, forKey: .drawn)
        try container.encode(responded, forKey: .responded)
        try container.encode(rate, forKey: .rate)
    }
}

extension SurveyTabulation {
    /// The response rate of each stratum of `sample`, counting the period's respondents by the sample's fields;
    /// strata in report order (the instrument's listed values first), respondents outside every stratum left out.
    public static func responseRates(sample: SampleTable, matrix: ResponseMatrix) throws -> [ResponseRate] {
        let strata = try matrix.regrouped(by: Breakdown(fields: sample.fields))
        var counts: [String: Int] = [:]
        for code in strata.groupCodes { counts[strata.groups[Int(code)].rawValue, default: 0] += 1 }
        let order = Dictionary(uniqueKeysWithValues: strata.groups.enumerated().map { ($0.element.rawValue, $0.offset) })
        let rates = sample.cells.map { cell in
            let name = cell.values.joined(separator: Breakdown.separator)
            return ResponseRate(stratum: name, drawn: Int(cell.count), responded: counts[name] ?? 0)
        }
        return rates.enumerated().sorted { a, b in
            (order[a.element.stratum] ?? Int.max, a.offset) < (order[b.element.stratum] ?? Int.max, b.offset)
        }.map(\.element)
    }
}
