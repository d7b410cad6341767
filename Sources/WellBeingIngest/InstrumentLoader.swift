import Crypto
import Foundation
import WellBeingCore

/// An instrument together with the exact text it was loaded from and that text's SHA-256.
public struct LoadedInstrument: Sendable {
    public var instrument: Instrument
    /// The YAML text, kept in the store so that old batches can always be decoded.
    public var yaml: String
    public var sha256: String
}

/// Reads an instrument file (`Surveys/<id>.yaml`) and checks it thoroughly.
///
/// Every problem is reported with the file, line and YAML path, all at once: unknown keys, unknown scales,
/// duplicate item ids or columns, a reverse flag on a 0–10 item, categories without items, missing codes
/// inside the answer range, and so on.
public enum InstrumentLoader {
    /// Loads and validates the instrument at `path`.
    public static func load(path: String) throws -> LoadedInstrument {
        let name = (path as NSString).lastPathComponent
        guard FileManager.default.fileExists(atPath: path) else {
            throw WellBeingError(.inputMissing, "Cannot find the instrument file '\(path)'.")
        }
        guard let data = FileManager.default.contents(atPath: path) else {
            throw WellBeingError(.inputMissing, "Cannot read the instrument file '\(path)'.")
        }
        guard let text = String(data: data, encoding: .utf8) else {
            throw WellBeingError(.badData, "\(name): an instrument file must be UTF-8 text.")
        }
        return try parse(text, fileName: name)
    }

    /// Parses and validates instrument YAML text.
    public static func parse(_ text: String, fileName: String) throws -> LoadedInstrument {
        let context = YAMLContext(fileName: fileName)
        let instrument = context.root(of: text).flatMap { InstrumentReader(root: $0).read() }
        guard let instrument, context.problems.isEmpty else {
            throw WellBeingError.badData(
                "The instrument '\(fileName)' has \(context.problems.count) problem(s); fix them and try again:",
                problems: context.problems)
        }
        let digest = SHA256.hash(data: Data(text.utf8)).map { String(format: "%02x", $0) }.joined()
        return LoadedInstrument(instrument: instrument, yaml: text, sha256: digest)
    }
}

/// Walks an instrument's YAML tree; every check records a problem and carries on.
private struct InstrumentReader {
    let root: YAMLCursor
    var context: YAMLContext { root.context }

    func read() -> Instrument? {
        guard root.requireMapping("the instrument") else { return nil }
        root.checkKeys(["id", "version", "title", "respondent", "scales", "default_scale", "factor_groups",
                        "categories", "headline"])
        let surveyID = root["id"].string("the survey id")
        if let surveyID, surveyID.range(of: #"^[A-Za-z0-9][A-Za-z0-9_.-]*$"#, options: .regularExpression) == nil {
            root["id"].problem("the survey id may hold only letters, digits, '-', '_' and '.'", value: surveyID)
        }
        let version = root["version"].string("the instrument version")
        let title = root["title"].localized("the title")
        let respondent = readRespondent(root["respondent"])
        let scales = readScales(root["scales"])
        let defaultScale = root["default_scale"].string("default_scale", required: false)
        if let defaultScale, scales[defaultScale] == nil {
            root["default_scale"].problem("unknown scale; defined: \(scales.keys.sorted().joined(separator: ", "))",
                                          value: defaultScale)
        }
        let factorGroups = readFactorGroups(root["factor_groups"])
        var items: [Item] = []
        let categories = readCategories(root["categories"], scales: scales, defaultScale: defaultScale,
                                        factorGroups: factorGroups, groupValues: respondent?.group.values ?? [],
                                        items: &items)
        let headlines = readHeadlines(root["headline"], scales: scales, defaultScale: defaultScale, items: &items)
        if categories.isEmpty && headlines.isEmpty {
            root.problem("the instrument has no categories and no headline items: nothing to analyse")
        }
        if let respondent { checkColumnsAreUnique(respondent: respondent, items: items) }
        guard let surveyID, let version, let title, let respondent else { return nil }
        return Instrument(id: SurveyID(surveyID), version: version, title: title, respondent: respondent,
                          scales: scales, factorGroups: factorGroups, categories: categories,
                          headlines: headlines, items: items)
    }

    // MARK: Respondent fields

    private func column(_ cursor: YAMLCursor, _ what: String) -> FieldColumn? {
        guard cursor.isPresent else { return nil }
        if cursor.node?.scalar != nil { return cursor.string(what).map { FieldColumn(name: $0) } }
        guard cursor.requireMapping(what) else { return nil }
        cursor.checkKeys(["column", "aliases"])
        guard let name = cursor["column"].string("\(what): column") else { return nil }
        return FieldColumn(name: name, aliases: cursor["aliases"].strings("aliases"))
    }

    private func readRespondent(_ cursor: YAMLCursor) -> RespondentFields? {
        guard cursor.requireMapping("the respondent section") else { return nil }
        cursor.checkKeys(["id", "group", "period", "attributes", "weight", "free_text"])
        let idColumn = column(cursor["id"], "the respondent id column")
        let group = readGroup(cursor["group"])
        var period: PeriodSource?
        let periodCursor = cursor["period"]
        if periodCursor.isPresent {
            if periodCursor.node?.scalar != nil {
                period = periodCursor.string("the period column").map {
                    PeriodSource(column: FieldColumn(name: $0), derivation: .value)
                }
            } else if periodCursor.requireMapping("the period") {
                periodCursor.checkKeys(["column", "aliases", "from"])
                let derivationText = periodCursor["from"].string("period.from", required: false) ?? "value"
                let derivation = PeriodSource.Derivation(rawValue: derivationText)
                if derivation == nil {
                    periodCursor["from"].problem("must be 'value' (the text as it is) or 'year' (its first four characters)",
                                                 value: derivationText)
                }
                if let name = periodCursor["column"].string("the period column") {
                    period = PeriodSource(column: FieldColumn(name: name, aliases: periodCursor["aliases"].strings("aliases")),
                                          derivation: derivation ?? .value)
                }
            }
        }
        var attributes: [AttributeField] = []
        for element in cursor["attributes"].elements("attributes") {
            if element.node?.scalar != nil {
                if let name = element.string("the attribute column") {
                    attributes.append(AttributeField(column: FieldColumn(name: name), label: LocalizedText(ja: name), values: []))
                }
                continue
            }
            guard element.requireMapping("an attribute") else { continue }
            element.checkKeys(["column", "aliases", "label", "values"])
            guard let name = element["column"].string("the attribute column") else { continue }
            let label = element["label"].localized("the label", required: false) ?? LocalizedText(ja: name)
            let values = element["values"].strings("values")
            checkUnique(values, at: element["values"], what: "value")
            attributes.append(AttributeField(column: FieldColumn(name: name, aliases: element["aliases"].strings("aliases")),
                                             label: label, values: values))
        }
        let weight = column(cursor["weight"], "the weight column")
        var freeText: [FieldColumn] = []
        for element in cursor["free_text"].elements("free_text") {
            if let field = column(element, "a free-text column") { freeText.append(field) }
        }
        guard let group else { return nil }
        return RespondentFields(idColumn: idColumn, group: group, period: period, attributes: attributes,
                                weightColumn: weight, freeTextColumns: freeText)
    }

    private func readGroup(_ cursor: YAMLCursor) -> GroupField? {
        guard cursor.isPresent else {
            cursor.problem("the group column is missing (the column a report compares: a district, a staff tier)")
            return nil
        }
        if cursor.node?.scalar != nil {
            return cursor.string("the group column").map {
                GroupField(column: FieldColumn(name: $0), label: LocalizedText(ja: $0), values: [])
            }
        }
        guard cursor.requireMapping("the group") else { return nil }
        cursor.checkKeys(["column", "aliases", "label", "values"])
        guard let name = cursor["column"].string("the group column") else { return nil }
        let label = cursor["label"].localized("the group label", required: false) ?? LocalizedText(ja: name)
        let values = cursor["values"].strings("values")
        checkUnique(values, at: cursor["values"], what: "group")
        return GroupField(column: FieldColumn(name: name, aliases: cursor["aliases"].strings("aliases")),
                          label: label, values: values.map { GroupName($0) })
    }

    // MARK: Scales

    private func readScales(_ cursor: YAMLCursor) -> [String: AnswerScale] {
        guard cursor.requireMapping("the scales section") else { return [:] }
        var scales: [String: AnswerScale] = [:]
        for (id, scaleCursor) in cursor.entries("scales") {
            guard scaleCursor.requireMapping("scale '\(id)'") else { continue }
            scaleCursor.checkKeys(["range", "labels", "missing", "top_box_from"])
            let range = scaleCursor["range"].elements("the range").compactMap { $0.integer("the range") }
            guard range.count == 2 else {
                scaleCursor["range"].problem("the range must be two whole numbers, such as [1, 5]")
                continue
            }
            let (minimum, maximum) = (range[0], range[1])
            guard minimum >= 0, maximum <= 250, minimum < maximum else {
                scaleCursor["range"].problem("the range must satisfy 0 ≤ min < max ≤ 250 (an answer is stored in one byte)",
                                             value: "\(minimum)–\(maximum)")
                continue
            }
            var labels: [Int: LocalizedText] = [:]
            for (key, labelCursor) in scaleCursor["labels"].entries("labels") {
                guard let value = Int(key) else {
                    labelCursor.problem("a label's key must be the answer value it stands for", value: key)
                    continue
                }
                guard (minimum...maximum).contains(value) else {
                    labelCursor.problem("is outside the scale's range \(minimum)–\(maximum)", value: key)
                    continue
                }
                if let label = labelCursor.localized("the label") { labels[value] = label }
            }
            let missing = scaleCursor["missing"].strings("missing codes")
            for code in missing {
                if let number = Int(code), (minimum...maximum).contains(number) {
                    scaleCursor["missing"].problem("a missing code must lie outside the answer range \(minimum)–\(maximum)",
                                                   value: code)
                }
                if labels.values.contains(where: { $0.ja == code || $0.en == code }) {
                    scaleCursor["missing"].problem("is both a missing code and an answer label", value: code)
                }
            }
            let texts = labels.values.flatMap { [$0.ja] + ($0.en.map { [$0] } ?? []) }
            if Set(texts).count < texts.count {
                scaleCursor["labels"].problem("two answers share one label, so a label could not be read back as a number")
            }
            var topBox: Double?
            if scaleCursor["top_box_from"].isPresent {
                topBox = scaleCursor["top_box_from"].number("top_box_from")
                if let threshold = topBox, !(Double(minimum)...Double(maximum)).contains(threshold) {
                    scaleCursor["top_box_from"].problem("must lie within the range \(minimum)–\(maximum)", value: "\(threshold)")
                }
            }
            scales[id] = AnswerScale(id: id, minimum: minimum, maximum: maximum, labels: labels,
                                     missingCodes: missing, topBoxFrom: topBox)
        }
        if scales.isEmpty && cursor.node?.mapping != nil { cursor.problem("define at least one scale") }
        return scales
    }

    // MARK: Categories and items

    private func readFactorGroups(_ cursor: YAMLCursor) -> [FactorGroup] {
        var groups: [FactorGroup] = []
        for element in cursor.elements("factor_groups") {
            guard element.requireMapping("a factor group") else { continue }
            element.checkKeys(["id", "name"])
            guard let id = element["id"].string("the factor group id"),
                  let name = element["name"].localized("the factor group name") else { continue }
            if groups.contains(where: { $0.id == id }) {
                element["id"].problem("this factor group id is used twice", value: id)
            }
            groups.append(FactorGroup(id: id, name: name))
        }
        return groups
    }

    private func readCategories(
        _ cursor: YAMLCursor, scales: [String: AnswerScale], defaultScale: String?, factorGroups: [FactorGroup],
        groupValues: [GroupName], items: inout [Item]
    ) -> [Category] {
        var categories: [Category] = []
        for element in cursor.elements("categories") {
            guard element.requireMapping("a category") else { continue }
            element.checkKeys(["id", "name", "group", "scale", "targets", "items"])
            let id = element["id"].string("the category id")
            let name = element["name"].localized("the category name")
            let factorGroup = element["group"].string("the factor group", required: false)
            if let factorGroup, !factorGroups.contains(where: { $0.id == factorGroup }) {
                element["group"].problem("unknown factor group; defined: \(factorGroups.map(\.id).joined(separator: ", "))",
                                         value: factorGroup)
            }
            let categoryScale = element["scale"].string("the category's scale", required: false) ?? defaultScale
            let targets = element["targets"].strings("targets")
            if !groupValues.isEmpty {
                for target in targets where !groupValues.contains(GroupName(target)) {
                    element["targets"].problem("is not one of the groups listed under respondent.group.values", value: target)
                }
            }
            let itemCursors = element["items"].elements("items")
            if itemCursors.isEmpty { element.problem("the category has no items") }
            var itemIDs: [ItemID] = []
            var itemScales: Set<String> = []
            for itemCursor in itemCursors {
                guard let item = readItem(itemCursor, scales: scales, defaultScale: categoryScale, allowReverse: true) else {
                    continue
                }
                if items.contains(where: { $0.id == item.id }) {
                    itemCursor["id"].problem("this item id is used twice", value: item.id.rawValue)
                    continue
                }
                items.append(item)
                itemIDs.append(item.id)
                itemScales.insert(item.scaleID)
            }
            if itemScales.count > 1 {
                element["items"].problem("a category's items must share one scale; found \(itemScales.sorted().joined(separator: ", "))")
            }
            guard let id, let name else { continue }
            if categories.contains(where: { $0.id.rawValue == id }) {
                element["id"].problem("this category id is used twice", value: id)
                continue
            }
            categories.append(Category(id: IndicatorID(id), name: name, factorGroup: factorGroup, itemIDs: itemIDs,
                                       targetGroups: targets.map { GroupName($0) }))
        }
        return categories
    }

    private func readItem(_ cursor: YAMLCursor, scales: [String: AnswerScale], defaultScale: String?,
                          allowReverse: Bool) -> Item? {
        guard cursor.requireMapping("an item") else { return nil }
        var keys = ["id", "text", "scale", "column", "aliases"]
        if allowReverse { keys.append("reverse") } else { keys += ["name", "outcome"] }
        cursor.checkKeys(keys)
        let id = cursor["id"].string("the item id")
        let text = cursor["text"].localized("the question text")
        let scaleID = cursor["scale"].string("the item's scale", required: false) ?? defaultScale
        let reverse = allowReverse ? cursor["reverse"].bool("reverse", default: false) : false
        guard let scaleID else {
            cursor.problem("the item has no scale; give it 'scale:' or set default_scale")
            return nil
        }
        guard let scale = scales[scaleID] else {
            cursor["scale"].problem("unknown scale; defined: \(scales.keys.sorted().joined(separator: ", "))", value: scaleID)
            return nil
        }
        if reverse && scale.minimum == 0 && scale.maximum == 10 {
            cursor["reverse"].problem("a 0–10 rating cannot be reverse-coded; reword the question or use a 1–5 scale")
        }
        guard let id, let text else { return nil }
        let columnName = cursor["column"].string("the column", required: false) ?? id
        return Item(id: ItemID(id), text: text, scaleID: scaleID, isReversed: reverse,
                    column: FieldColumn(name: columnName, aliases: cursor["aliases"].strings("aliases")))
    }

    private func readHeadlines(_ cursor: YAMLCursor, scales: [String: AnswerScale], defaultScale: String?,
                               items: inout [Item]) -> [HeadlineItem] {
        var headlines: [HeadlineItem] = []
        for element in cursor.elements("headline") {
            guard let item = readItem(element, scales: scales, defaultScale: defaultScale, allowReverse: false) else {
                continue
            }
            if items.contains(where: { $0.id == item.id }) {
                element["id"].problem("this item id is used twice", value: item.id.rawValue)
                continue
            }
            let name = element["name"].localized("the short name", required: false) ?? item.text
            items.append(item)
            headlines.append(HeadlineItem(itemID: item.id, name: name, isOutcome: element["outcome"].bool("outcome", default: false)))
        }
        if headlines.filter(\.isOutcome).count > 1 {
            cursor.problem("only one headline item may be marked 'outcome: true' (the one drivers are computed for)")
        }
        return headlines
    }

    // MARK: Cross checks

    private func checkUnique(_ values: [String], at cursor: YAMLCursor, what: String) {
        var seen: Set<String> = []
        for value in values where !seen.insert(value).inserted {
            cursor.problem("this \(what) is listed twice", value: value)
        }
    }

    /// No two fields may claim the same CSV header.
    private func checkColumnsAreUnique(respondent: RespondentFields, items: [Item]) {
        var owners: [String: String] = [:]
        func claim(_ column: FieldColumn, by owner: String) {
            for header in [column.name] + column.aliases {
                let key = HeaderMatcher.normalize(header)
                if let previous = owners[key], previous != owner {
                    root.problem("the column '\(header)' is claimed by both \(previous) and \(owner)")
                } else {
                    owners[key] = owner
                }
            }
        }
        if let idColumn = respondent.idColumn { claim(idColumn, by: "respondent.id") }
        claim(respondent.group.column, by: "respondent.group")
        if let period = respondent.period { claim(period.column, by: "respondent.period") }
        for attribute in respondent.attributes { claim(attribute.column, by: "attribute \(attribute.column.name)") }
        if let weight = respondent.weightColumn { claim(weight, by: "respondent.weight") }
        for field in respondent.freeTextColumns { claim(field, by: "free-text \(field.name)") }
        for item in items { claim(item.column, by: "item \(item.id)") }
    }
}
