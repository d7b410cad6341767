/// A survey instrument: what a survey asks, how answers are scored, and how a CSV export maps onto it.
///
/// Loaded from `Surveys/<id>.yaml` by `InstrumentLoader`; the loader guarantees the invariants documented
/// on each property (unique ids, known scales, categories with items, and so on).
public struct Instrument: Sendable, Hashable {
    /// The survey's id (`lwc`); answers of different surveys never mix.
    public var id: SurveyID
    /// The instrument's own version, kept with every batch imported with it.
    public var version: String
    /// The survey's title.
    public var title: LocalizedText
    /// The columns that describe a respondent rather than an answer.
    public var respondent: RespondentFields
    /// Answer scales by id.
    public var scales: [String: AnswerScale]
    /// The factor groups that categories belong to, in report order.
    public var factorGroups: [FactorGroup]
    /// The categories (indicators made of items), in report order.
    public var categories: [Category]
    /// Single questions reported on their own (life satisfaction, happiness), in report order.
    public var headlines: [HeadlineItem]
    /// Every item, category items first (in category order) then headline items. The position of an item
    /// in this list is its position in a stored respondent's answer bytes.
    public var items: [Item]
    /// How the sample was drawn, when the instrument says (`design: {strata: region, fpc: true}`); nil: a
    /// simple random sample (or one whose design the weight column already carries).
    public var design: SamplingDesign?
    /// What the report says about the survey (purpose, population and sampling, method, fieldwork, publisher,
    /// contact), from the instrument's `report:` block or `report --about FILE`.
    public var about: ReportAbout?

    public init(
        id: SurveyID, version: String, title: LocalizedText, respondent: RespondentFields,
        scales: [String: AnswerScale], factorGroups: [FactorGroup], categories: [Category],
        headlines: [HeadlineItem], items: [Item], design: SamplingDesign? = nil
    ) {
        self.design = design
        self.id = id
        self.version = version
        self.title = title
        self.respondent = respondent
        self.scales = scales
        self.factorGroups = factorGroups
        self.categories = categories
        self.headlines = headlines
        self.items = items
    }

    /// The position of each item in the answer layout.
    public var itemIndex: [ItemID: Int] {
        Dictionary(uniqueKeysWithValues: items.enumerated().map { ($0.element.id, $0.offset) })
    }

    /// The scale of an item; the loader guarantees it exists.
    public func scale(of item: Item) -> AnswerScale {
        scales[item.scaleID]!
    }

    /// The headline item used as the outcome in driver analysis, if one is marked.
    public var outcome: HeadlineItem? {
        headlines.first(where: \.isOutcome)
    }

    /// Every indicator id: categories then headline items.
    public var indicatorIDs: [IndicatorID] {
        categories.map(\.id) + headlines.map { IndicatorID($0.itemID.rawValue) }
    }

    /// The display name of an indicator (category name or headline item's short name).
    public func indicatorName(_ id: IndicatorID, in language: Language) -> String {
        if let category = categories.first(where: { $0.id == id }) { return category.name.text(in: language) }
        if let headline = headlines.first(where: { $0.itemID.rawValue == id.rawValue }) {
            return headline.name.text(in: language)
        }
        if let item = items.first(where: { $0.id.rawValue == id.rawValue }) { return item.text.text(in: language) }
        return id.rawValue
    }
}

/// The survey's particulars every city report states, as the instrument's `report:` block gives them; every
/// part is optional.
public struct ReportAbout: Sendable, Hashable {
    /// Why the survey is done.
    public var purpose: LocalizedText?
    /// Who is surveyed (市内在住の 18 歳以上).
    public var population: LocalizedText?
    /// How respondents were chosen (住民基本台帳から地区別に層化無作為抽出).
    public var sampling: LocalizedText?
    /// How the questionnaire was delivered and returned (郵送配布・郵送または Web 回答).
    public var method: LocalizedText?
    /// The first and last day of fieldwork, as ISO dates (`2025-09-01`).
    public var fieldworkFrom: String?
    public var fieldworkTo: String?
    /// Who publishes the report, and whom to ask.
    public var publisher: LocalizedText?
    public var contact: LocalizedText?

    public init(purpose: LocalizedText? = nil, population: LocalizedText? = nil, sampling: LocalizedText? = nil,
                method: LocalizedText? = nil, fieldworkFrom: String? = nil, fieldworkTo: String? = nil,
                publisher: LocalizedText? = nil, contact: LocalizedText? = nil) {
        self.purpose = purpose
        self.population = population
        self.sampling = sampling
        self.method = method
        self.fieldworkFrom = fieldworkFrom
        self.fieldworkTo = fieldworkTo
        self.publisher = publisher
        self.contact = contact
    }
}

/// A stratified sample (DESIGN §12): the resident register divided into strata (a respondent field, or a
/// cross such as `region*age_band`), a simple random sample drawn without replacement in each.
public struct SamplingDesign: Sendable, Hashable {
    /// The respondent fields whose values (or combinations) are the strata.
    public var strata: Breakdown
    /// Whether SEs get the finite-population correction 1 − n_h/N_h (N_h from the population table).
    public var finitePopulationCorrection: Bool

    public init(strata: Breakdown, finitePopulationCorrection: Bool) {
        self.strata = strata
        self.finitePopulationCorrection = finitePopulationCorrection
    }
}

/// The respondent-level columns of a CSV export.
public struct RespondentFields: Sendable, Hashable {
    /// The column holding a respondent's id, unique within a survey and period. Without one, a respondent
    /// is known by the line it stands on (`#12`), and repeats can only be caught file by file.
    public var idColumn: FieldColumn?
    /// Whether a file may lack the id column (a Google Forms or Microsoft Forms export has none); such a
    /// file's respondents are known by their line.
    public var idIsOptional: Bool
    /// The column holding the group a report compares (a district, a staff tier).
    public var group: GroupField
    /// Where the period comes from when `--period` is not given.
    public var period: PeriodSource?
    /// Attributes such as age band and sex, used for raking and breakdowns.
    public var attributes: [AttributeField]
    /// The design-weight column, if the survey ships weights.
    public var weightColumn: FieldColumn?
    /// Free-text columns, stored but never reported unless asked for.
    public var freeTextColumns: [FieldColumn]

    public init(
        idColumn: FieldColumn?, idIsOptional: Bool = false, group: GroupField, period: PeriodSource?,
        attributes: [AttributeField], weightColumn: FieldColumn?, freeTextColumns: [FieldColumn]
    ) {
        self.idColumn = idColumn
        self.idIsOptional = idIsOptional
        self.group = group
        self.period = period
        self.attributes = attributes
        self.weightColumn = weightColumn
        self.freeTextColumns = freeTextColumns
    }

    /// The names a population file may use for respondent fields: the group field and the attributes.
    public var marginFieldNames: [String] {
        [group.column.name] + attributes.map(\.column.name)
    }

    /// How a report in `language` prints a value of a respondent field (a district, an age band, a stratum such
    /// as `20代以下 × 男性`): in English, the instrument's English label of each part where it gives one; otherwise
    /// the value as stored. The stored value stays the code.
    public func valueText(_ value: String, in language: Language) -> String {
        guard language == .en else { return value }
        let parts = value.components(separatedBy: Breakdown.separator)
        return parts.map { part in
            group.englishNames[GroupName(part)] ?? attributes.lazy.compactMap { $0.englishNames[part] }.first
                ?? (part == Breakdown.noAnswer ? "no answer" : part)
        }.joined(separator: Breakdown.separator)
    }
}

/// A column named in an instrument, matched against a CSV header by its name or any alias.
public struct FieldColumn: Sendable, Hashable {
    /// The field's canonical name (also the header most exports use).
    public var name: String
    /// Other header texts that mean the same column (question text from Google Forms, say).
    public var aliases: [String]

    public init(name: String, aliases: [String] = []) {
        self.name = name
        self.aliases = aliases
    }
}

/// The group column, with an optional closed list of its values in report order.
public struct GroupField: Sendable, Hashable {
    public var column: FieldColumn
    /// What a group is called ("地区" / "district", "階層" / "staff tier").
    public var label: LocalizedText
    /// The allowed values in report order; when empty, any non-empty value is a group.
    public var values: [GroupName]
    /// English (or romanised) names of values, for English reports (`{value: 鵠沼, en: Kugenuma}`).
    public var englishNames: [GroupName: String]

    public init(column: FieldColumn, label: LocalizedText, values: [GroupName], englishNames: [GroupName: String] = [:]) {
        self.column = column
        self.label = label
        self.values = values
        self.englishNames = englishNames
    }
}

/// A respondent attribute such as age band or sex.
public struct AttributeField: Sendable, Hashable {
    public var column: FieldColumn
    public var label: LocalizedText
    /// The allowed values; when empty, any value (including none) is accepted.
    public var values: [String]
    /// English names of values, for English reports (`{value: 男性, en: Men}`).
    public var englishNames: [String: String]
    /// A file may lack the column (every respondent then has no value).
    public var isOptional: Bool
    /// The attribute says how the questionnaire was returned (郵送, Web): the survey overview counts
    /// responses by it.
    public var isResponseMode: Bool

    public init(column: FieldColumn, label: LocalizedText, values: [String], englishNames: [String: String] = [:],
                isOptional: Bool = false, isResponseMode: Bool = false) {
        self.column = column
        self.label = label
        self.values = values
        self.englishNames = englishNames
        self.isOptional = isOptional
        self.isResponseMode = isResponseMode
    }
}

/// Where a respondent's period label comes from.
public struct PeriodSource: Sendable, Hashable {
    /// How the period is derived from the column's text.
    public enum Derivation: String, Sendable, Hashable {
        /// The column's text as it is (`2025`, `2025H1`).
        case value
        /// The first four characters of a date or timestamp (`2025-09-01 10:00` → `2025`).
        case year
    }

    public var column: FieldColumn
    public var derivation: Derivation

    public init(column: FieldColumn, derivation: Derivation) {
        self.column = column
        self.derivation = derivation
    }
}

/// An answer scale: the range of valid values, labels that may stand for them, and missing codes.
public struct AnswerScale: Sendable, Hashable {
    public var id: String
    /// The smallest valid answer (at least 0).
    public var minimum: Int
    /// The largest valid answer (at most 250, since an answer is stored in one byte).
    public var maximum: Int
    /// Answer labels by value; a CSV may hold the label instead of the number.
    public var labels: [Int: LocalizedText]
    /// Texts that mean "no answer" (`9`, `99`, `無回答`); they are stored as missing.
    public var missingCodes: [String]
    /// The smallest value that counts as a "top box" answer (default: maximum − 1, or 7 on a 0–10 scale).
    public var topBoxFrom: Double

    public init(
        id: String, minimum: Int, maximum: Int, labels: [Int: LocalizedText], missingCodes: [String],
        topBoxFrom: Double? = nil
    ) {
        self.id = id
        self.minimum = minimum
        self.maximum = maximum
        self.labels = labels
        self.missingCodes = missingCodes
        self.topBoxFrom = topBoxFrom ?? AnswerScale.defaultTopBox(minimum: minimum, maximum: maximum)
    }

    /// The default top-box threshold: 7 on a 0–10 scale ("high or very high", as ONS reports), else max − 1.
    public static func defaultTopBox(minimum: Int, maximum: Int) -> Double {
        (minimum == 0 && maximum == 10) ? 7 : Double(maximum - 1)
    }

    /// `1–5`, as messages show a range.
    public var rangeText: String { "\(minimum)–\(maximum)" }
}

/// A factor group of categories (生活環境, 地域の人間関係, 自分らしい生き方).
public struct FactorGroup: Sendable, Hashable {
    public var id: String
    public var name: LocalizedText

    public init(id: String, name: LocalizedText) {
        self.id = id
        self.name = name
    }
}

/// A category: an indicator computed as the mean of its items' (recoded) answers.
public struct Category: Sendable, Hashable {
    public var id: IndicatorID
    public var name: LocalizedText
    /// The factor group's id, if the instrument has factor groups.
    public var factorGroup: String?
    /// The category's items, at least one.
    public var itemIDs: [ItemID]
    /// Groups expected to hold this category strongly (a skill's target staff tier); may be empty.
    public var targetGroups: [GroupName]

    public init(id: IndicatorID, name: LocalizedText, factorGroup: String?, itemIDs: [ItemID], targetGroups: [GroupName] = []) {
        self.id = id
        self.name = name
        self.factorGroup = factorGroup
        self.itemIDs = itemIDs
        self.targetGroups = targetGroups
    }
}

/// One question and how its answers are read.
public struct Item: Sendable, Hashable {
    public var id: ItemID
    /// The question's wording.
    public var text: LocalizedText
    public var scaleID: String
    /// Reverse-worded: a score is `min + max − answer`.
    public var isReversed: Bool
    /// The CSV column: the item id by default, plus aliases such as the question text.
    public var column: FieldColumn

    public init(id: ItemID, text: LocalizedText, scaleID: String, isReversed: Bool, column: FieldColumn) {
        self.id = id
        self.text = text
        self.scaleID = scaleID
        self.isReversed = isReversed
        self.column = column
    }
}

/// A question reported on its own, such as life satisfaction on 0–10.
public struct HeadlineItem: Sendable, Hashable {
    public var itemID: ItemID
    /// A short name for tables and charts (生活満足度).
    public var name: LocalizedText
    /// Marked as the outcome that driver analysis correlates categories with.
    public var isOutcome: Bool

    public init(itemID: ItemID, name: LocalizedText, isOutcome: Bool) {
        self.itemID = itemID
        self.name = name
        self.isOutcome = isOutcome
    }
}
