import Foundation

/// An objective indicator (KPI) from a catalogue, such as 完全失業率, and the category it informs.
public struct KPIDefinition: Sendable, Hashable {
    public var id: KPIID
    public var name: LocalizedText
    /// The category whose objective score this KPI contributes to.
    public var category: IndicatorID
    /// +1 when a higher value is better, −1 when a lower value is better.
    public var direction: Int
    /// The unit of the values (`%`, `km/人`, `㎡`).
    public var unit: String
    /// Where the figures come from (a statistic's name and publisher).
    public var source: String

    public init(id: KPIID, name: LocalizedText, category: IndicatorID, direction: Int, unit: String, source: String) {
        self.id = id
        self.name = name
        self.category = category
        self.direction = direction
        self.unit = unit
        self.source = source
    }
}

/// A KPI catalogue: the objective indicators of one survey.
public struct KPICatalog: Sendable, Hashable {
    public var survey: SurveyID
    public var kpis: [KPIDefinition]

    public init(survey: SurveyID, kpis: [KPIDefinition]) {
        self.survey = survey
        self.kpis = kpis
    }
}

/// One KPI value for one group and period.
public struct KPIValue: Sendable, Hashable {
    public var kpi: KPIID
    public var group: GroupName
    public var period: PeriodLabel
    public var value: Double

    public init(kpi: KPIID, group: GroupName, period: PeriodLabel, value: Double) {
        self.kpi = kpi
        self.group = group
        self.period = period
        self.value = value
    }
}

/// Population counts by the cross of some respondent fields, and the margins to rake to.
public struct PopulationTable: Sendable, Hashable {
    /// One cell of the cross table: a value for each field, and the count of people.
    public struct Cell: Sendable, Hashable {
        public var values: [String]
        public var count: Double

        public init(values: [String], count: Double) {
            self.values = values
            self.count = count
        }
    }

    /// The respondent fields of the file's columns (`region`, `age_band`, `sex`).
    public var fields: [String]
    public var cells: [Cell]
    /// The marginal tables to rake to, in order; each is a list of fields (`[age_band, sex]`, `[region]`).
    public var margins: [[String]]

    public init(fields: [String], cells: [Cell], margins: [[String]]) {
        self.fields = fields
        self.cells = cells
        self.margins = margins
    }

    /// The margins written as `--margins` takes them: `age_band*sex,region`.
    public var marginSpec: String {
        margins.map { $0.joined(separator: "*") }.joined(separator: ",")
    }

    /// The population total.
    public var total: Double { cells.reduce(0) { $0 + $1.count } }

    /// Parses `age_band*sex,region` (`--margins`, as the store also keeps it); without a spec, one margin per
    /// field in column order.
    ///
    /// - Throws: `usage` for an empty term, a field the table lacks, or a field twice in one term.
    public static func margins(_ spec: String?, fields: [String], fileName: String) throws -> [[String]] {
        guard let spec, !spec.trimmingCharacters(in: .whitespaces).isEmpty else { return fields.map { [$0] } }
        var margins: [[String]] = []
        for term in spec.split(separator: ",", omittingEmptySubsequences: false) {
            let parts = term.split(separator: "*").map { $0.trimmingCharacters(in: .whitespaces) }
            guard !parts.isEmpty, parts.allSatisfy({ !$0.isEmpty }) else {
                throw WellBeingError(.usage, Message(.marginsEmptyTerm, ["spec": spec]))
            }
            for part in parts where !fields.contains(part) {
                throw WellBeingError(.usage, Message(.marginsUnknown, ["part": part, "file": fileName, "fields": fields.joined(separator: ", ")]))
            }
            if Set(parts).count != parts.count {
                throw WellBeingError(.usage, Message(.marginsTwice, ["term": String(term)]))
            }
            margins.append(parts)
        }
        return margins
    }
}

/// How many people were drawn into the sample, by stratum (the cross of some respondent fields, usually
/// the district): the denominators of response rates.
public struct SampleTable: Sendable, Hashable {
    /// The respondent fields of the strata (`居住地区`).
    public var fields: [String]
    /// One cell per stratum; `count` is the number drawn (a whole number).
    public var cells: [PopulationTable.Cell]

    public init(fields: [String], cells: [PopulationTable.Cell]) {
        self.fields = fields
        self.cells = cells
    }

    /// The people drawn in all.
    public var total: Int { Int(cells.reduce(0) { $0 + $1.count }) }
}

/// An external figure for an indicator (a national or prefectural benchmark).
///
/// With a standard deviation (the spread of area means, as the Digital Agency's dashboard uses) it is the
/// basis of deviation scores (偏差値); with a mean only, estimates are compared with it (difference, SE, p).
public struct ReferenceFigure: Sendable, Hashable {
    /// A category id, headline item id, item id or KPI id.
    public var indicator: String
    public var mean: Double
    /// The spread of area means; nil for a mean-only benchmark.
    public var standardDeviation: Double?
    /// Where the figure comes from, as the file says (publisher, year, page).
    public var source: String

    public init(indicator: String, mean: Double, standardDeviation: Double?, source: String) {
        self.indicator = indicator
        self.mean = mean
        self.standardDeviation = standardDeviation
        self.source = source
    }
}
