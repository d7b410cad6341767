import Crypto
import Foundation
import WellBeingCore

/// Reads an instrument file (`Surveys/<id>.yaml`) and checks it thoroughly.
///
/// Every problem is reported with the file, line and YAML path, all at once: unknown keys, unknown scales,
/// duplicate item ids or columns, a reverse flag on a 0–10 item, categories without items, missing codes
/// inside the answer range, and so on.
///
/// A local version says `extends: lwc.yaml` (relative to itself, or absolute; or `extends: lwc`, a bundled
/// instrument by name: see `BundledData`) and adds districts,
/// attributes, scales, categories and questions to its base; see `load(path:)`. The loaded text of such a
/// chain holds every file of it, so that the store keeps the whole resolved instrument.
public enum InstrumentLoader {
    /// The line that starts each file of a resolved chain in the stored text.
    static let fileMarker = "# wellbeing-instrument-file: "
    /// The longest chain of `extends:` followed.
    static let chainLimit = 16

    /// Loads and validates the instrument at `path`, with the chain of instruments it extends.
    ///
    /// - Throws: `inputMissing` when the file is missing; `badData` naming the file and line for a base that
    ///   cannot be found, a cycle of `extends:`, a redefined inherited id and every other mistake.
    public static func load(path: String) throws -> LoadedInstrument {
        var files: [(name: String, text: String)] = []
        var visited: [String] = []
        var paths: [String] = []
        var current = path
        var referrer: SourceLocation?
        while true {
            let name = (current as NSString).lastPathComponent
            func refuse(_ reason: Message, value: String? = nil) -> WellBeingError {
                let location = referrer ?? SourceLocation(file: name)
                return .badData(Message(.instrumentUnreadable, ["file": (path as NSString).lastPathComponent]),
                                problems: [DataProblem(location: location, value: value, message: reason)])
            }
            guard FileKind.of(current) == .regularFile, let data = FileManager.default.contents(atPath: current) else {
                if referrer == nil {
                    throw WellBeingError(.inputMissing, Message(.instrumentNotFound, ["path": path]))
                }
                throw refuse(Message(.extendsNotFound, ["path": current]), value: (current as NSString).lastPathComponent)
            }
            guard let text = String(data: data, encoding: .utf8) else {
                throw WellBeingError(.badData, Message(.instrumentNotUTF8, ["file": name]))
            }
            let canonical = OutputPaths.canonicalPath(current)
            if visited.contains(canonical) {
                throw refuse(Message(.extendsCycle, ["chain": (files.map(\.name).reversed() + [name]).joined(separator: " → ")]), value: name)
            }
            if files.count >= chainLimit {
                throw refuse(Message(.extendsTooDeep, ["limit": "\(chainLimit)"]))
            }
            visited.append(canonical)
            paths.append(current)
            files.insert((name, text), at: 0)
            let context = YAMLContext(fileName: name)
            guard let root = context.root(of: text), root.node?.mapping != nil else { break }
            let extends = root["extends"]
            guard extends.isPresent else { break }
            guard let target = extends.string("extends") else {
                throw WellBeingError.badData(Message(.instrumentUnreadable, ["file": name]), problems: context.problems)
            }
            referrer = SourceLocation(file: name, line: extends.line, column: "extends")
            let relative = target.hasPrefix("/") ? target
                : (((current as NSString).deletingLastPathComponent as NSString).appendingPathComponent(target) as NSString).standardizingPath
            // `extends: lwc` names a bundled instrument (BundledData) unless a file of that name lies beside.
            if FileKind.of(relative) == .missing && BundledData.looksLikeName(target) {
                do {
                    current = try BundledData.resolve(target, as: .instrument)
                } catch let error as WellBeingError {
                    throw refuse(error.message, value: target)
                }
            } else {
                current = relative
            }
        }
        var loaded: LoadedInstrument
        if files.count == 1 {
            loaded = try parse(files[0].text, fileName: files[0].name)
        } else {
            let combined = "# wellbeing: the instrument \(files.last!.name) resolved with the "
            + "instrument(s) it extends; each file follows its marker line.\n"
            + files.map { fileMarker + $0.name + "\n" + $0.text + ($0.text.hasSuffix("\n") ? "" : "\n") }.joined()
            loaded = try parse(combined, fileName: files.last!.name)
        }
        loaded.files = paths
        return loaded
    }

    /// Parses and validates instrument YAML text: one file, or a resolved chain as `load(path:)` writes it.
    public static func parse(_ text: String, fileName: String) throws -> LoadedInstrument {
        let documents = split(text, fileName: fileName)
        let contexts = documents.map { YAMLContext(fileName: $0.name) }
        let roots = zip(contexts, documents).compactMap { $0.root(of: $1.text) }
        let instrument = roots.count == documents.count ? InstrumentReader(roots: roots).read() : nil
        let problems = contexts.flatMap(\.problems)
        guard let instrument, problems.isEmpty else {
            throw WellBeingError.badData(Message(.instrumentProblems, ["file": fileName, "count": "\(problems.count)"]),
                                         problems: problems)
        }
        let digest = SHA256.hash(data: Data(text.utf8)).map { String(format: "%02x", $0) }.joined()
        return LoadedInstrument(instrument: instrument, yaml: text, sha256: digest)
    }

    /// The files of a resolved chain (base first), or the one file.
    static func split(_ text: String, fileName: String) -> [(name: String, text: String)] {
        guard text.hasPrefix("# wellbeing: the instrument "), text.contains("\n" + fileMarker) else {
            return [(fileName, text)]
        }
        var documents: [(name: String, text: String)] = []
        for line in text.split(separator: "\n", omittingEmptySubsequences: false) {
            if line.hasPrefix(fileMarker) {
                documents.append((String(line.dropFirst(fileMarker.count)), ""))
            } else if !documents.isEmpty {
                documents[documents.count - 1].text += line + "\n"
            }
        }
        return documents
    }
}

/// Walks an instrument's YAML tree, or a chain of them (base first); every check records a problem and
/// carries on. Later files of a chain add to what the earlier ones define and may not redefine it.
private final class InstrumentReader {
    let roots: [YAMLCursor]
    /// Where each id was first defined, for messages that name both places.
    private var origins: [String: SourceLocation] = [:]

    init(roots: [YAMLCursor]) { self.roots = roots }

    var base: YAMLCursor { roots[0] }
    /// The file the user named (the last of a chain).
    var root: YAMLCursor { roots[roots.count - 1] }

    static let baseKeys = ["extends", "id", "version", "title", "respondent", "scales", "default_scale", "factor_groups",
                           "categories", "headline", "design", "report"]
    static let extensionKeys = ["extends", "id", "version", "title", "respondent", "scales", "factor_groups",
                                "categories", "headline", "design", "report"]

    func read() -> Instrument? {
        guard roots.allSatisfy({ $0.requireMapping("the instrument") }) else { return nil }
        base.checkKeys(Self.baseKeys)
        for local in roots.dropFirst() { local.checkKeys(Self.extensionKeys) }
        /// A key a local version replaces: the last file that has it.
        func latest(_ key: String) -> YAMLCursor { roots.last(where: { $0[key].isPresent })?[key] ?? base[key] }
        let idCursor = latest("id")
        let surveyID = idCursor.string("the survey id")
        if let surveyID, surveyID.range(of: #"^[A-Za-z0-9][A-Za-z0-9_.-]*$"#, options: .regularExpression) == nil {
            idCursor.problem(Message(.surveyIDCharacters), value: surveyID)
        }
        let version = latest("version").string("the instrument version")
        let title = latest("title").localized("the title")
        var respondent = readRespondent(base["respondent"])
        for local in roots.dropFirst() where local["respondent"].isPresent {
            if respondent != nil { extendRespondent(&respondent!, with: local["respondent"]) }
        }
        var scales: [String: AnswerScale] = [:]
        readScales(base["scales"], into: &scales, required: true)
        for local in roots.dropFirst() { readScales(local["scales"], into: &scales, required: false) }
        let defaultScale = base["default_scale"].string("default_scale", required: false)
        if let defaultScale, scales[defaultScale] == nil {
            base["default_scale"].problem(Message(.unknownScale, ["scales": scales.keys.sorted().joined(separator: ", ")]),
                                          value: defaultScale)
        }
        var factorGroups: [FactorGroup] = []
        for file in roots { readFactorGroups(file["factor_groups"], into: &factorGroups) }
        var items: [Item] = []
        var categories: [Category] = []
        for file in roots {
            readCategories(file["categories"], scales: scales, defaultScale: defaultScale, factorGroups: factorGroups,
                           groupValues: respondent?.group.values ?? [], into: &categories, items: &items)
        }
        var headlines: [HeadlineItem] = []
        for file in roots {
            readHeadlines(file["headline"], scales: scales, defaultScale: defaultScale, into: &headlines, items: &items)
        }
        if headlines.filter(\.isOutcome).count > 1 {
            root["headline"].problem(Message(.oneOutcome))
        }
        if categories.isEmpty && headlines.isEmpty {
            root.problem(Message(.nothingToAnalyse))
        }
        if let respondent { checkColumnsAreUnique(respondent: respondent, items: items) }
        let design = respondent.flatMap { readDesign(latest("design"), respondent: $0) }
        let about = Self.readAbout(latest("report"))
        guard let surveyID, let version, let title, let respondent else { return nil }
        var instrument = Instrument(id: SurveyID(surveyID), version: version, title: title, respondent: respondent,
                                    scales: scales, factorGroups: factorGroups, categories: categories,
                                    headlines: headlines, items: items, design: design)
        instrument.about = about
        return instrument
    }

    /// The `report:` block: texts as `{ja: …, en: …}` (or plain Japanese), fieldwork as `{from: 2025-09-01, to: …}`.
    static func readAbout(_ cursor: YAMLCursor) -> ReportAbout? {
        guard cursor.isPresent, cursor.requireMapping("the report block") else { return nil }
        cursor.checkKeys(["purpose", "population", "sampling", "method", "fieldwork", "publisher", "contact"])
        func text(_ key: String) -> LocalizedText? { cursor[key].localized("report.\(key)", required: false) }
        var about = ReportAbout(purpose: text("purpose"), population: text("population"), sampling: text("sampling"),
                                method: text("method"), publisher: text("publisher"), contact: text("contact"))
        let fieldwork = cursor["fieldwork"]
        if fieldwork.isPresent, fieldwork.requireMapping("report.fieldwork") {
            fieldwork.checkKeys(["from", "to"])
            func date(_ key: String) -> String? {
                guard let text = fieldwork[key].string("report.fieldwork.\(key)") else { return nil }
                guard text.range(of: #"^\d{4}-\d{2}-\d{2}$"#, options: .regularExpression) != nil,
                      Self.isCalendarDate(text) else {
                    fieldwork[key].problem(Message(.reportDateInvalid), value: text)
                    return nil
                }
                return text
            }
            about.fieldworkFrom = date("from")
            about.fieldworkTo = date("to")
            if let from = about.fieldworkFrom, let to = about.fieldworkTo, from > to {
                fieldwork["to"].problem(Message(.reportDatesReversed, ["from": from]), value: to)
            }
        }
        return about
    }

    /// Whether `2025-09-31`-style text names a day that exists.
    static func isCalendarDate(_ text: String) -> Bool {
        let parts = text.split(separator: "-").compactMap { Int($0) }
        guard parts.count == 3 else { return false }
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "UTC")!
        let components = DateComponents(year: parts[0], month: parts[1], day: parts[2])
        return components.isValidDate(in: calendar)
    }

    /// Records where `what` `id` is defined; reports a second definition, naming the first when it is in
    /// another file (an inherited id redefined).
    private func define(_ kind: MessageKey, _ id: String, at cursor: YAMLCursor, duplicate: MessageKey) -> Bool {
        let key = kind.rawValue + "\u{1F}" + id
        let here = SourceLocation(file: cursor.context.fileName, line: cursor.line, column: cursor.path)
        if let earlier = origins[key] {
            if earlier.file != here.file {
                cursor.problem(Message(.redefines, ["id": id, "where": earlier.file + (earlier.line.map { ":\($0)" } ?? "")])
                                   .localizingArgument("kind", Message(kind)), value: id)
            } else {
                cursor.problem(Message(duplicate), value: id)
            }
            return false
        }
        origins[key] = here
        return true
    }

    // MARK: Sampling design

    /// `design: {strata: region, fpc: true}`: the strata are respondent fields (a cross with `*`).
    private func readDesign(_ cursor: YAMLCursor, respondent: RespondentFields) -> SamplingDesign? {
        guard cursor.isPresent, cursor.requireMapping("the sampling design") else { return nil }
        cursor.checkKeys(["strata", "fpc"])
        guard let text = cursor["strata"].string("design: strata") else { return nil }
        let fields = text.split(separator: "*", omittingEmptySubsequences: false)
            .map { $0.trimmingCharacters(in: .whitespaces) }
        if fields.contains(where: \.isEmpty) || Set(fields).count != fields.count {
            cursor["strata"].problem(Message(.strataNotCross), value: text)
            return nil
        }
        let known = respondent.marginFieldNames
        for field in fields where respondent.field(named: field) == nil {
            cursor["strata"].problem(Message(.strataNotField, ["field": field, "known": known.joined(separator: ", ")]), value: text)
            return nil
        }
        return SamplingDesign(strata: Breakdown(fields: fields),
                              finitePopulationCorrection: cursor["fpc"].bool("design: fpc", default: false))
    }

    // MARK: Respondent fields

    private func column(_ cursor: YAMLCursor, _ what: String, extraKeys: [String] = []) -> FieldColumn? {
        guard cursor.isPresent else { return nil }
        if cursor.node?.scalar != nil { return cursor.string(what).map { FieldColumn(name: $0) } }
        guard cursor.requireMapping(what) else { return nil }
        cursor.checkKeys(["column", "aliases"] + extraKeys)
        guard let name = cursor["column"].string("\(what): column") else { return nil }
        return FieldColumn(name: name, aliases: cursor["aliases"].strings("aliases"))
    }

    private func readRespondent(_ cursor: YAMLCursor) -> RespondentFields? {
        guard cursor.requireMapping("the respondent section") else { return nil }
        cursor.checkKeys(["id", "group", "period", "attributes", "weight", "free_text"])
        let idColumn = column(cursor["id"], "the respondent id column", extraKeys: ["optional"])
        let idIsOptional = cursor["id"].node?.mapping != nil && cursor["id"]["optional"].bool("optional", default: false)
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
                    periodCursor["from"].problem(Message(.periodFromValues), value: derivationText)
                }
                if let name = periodCursor["column"].string("the period column") {
                    period = PeriodSource(column: FieldColumn(name: name, aliases: periodCursor["aliases"].strings("aliases")),
                                          derivation: derivation ?? .value)
                }
            }
        }
        var attributes: [AttributeField] = []
        readAttributes(cursor["attributes"], into: &attributes)
        let weight = column(cursor["weight"], "the weight column")
        var freeText: [FieldColumn] = []
        for element in cursor["free_text"].elements("free_text") {
            if let field = column(element, "a free-text column") { freeText.append(field) }
        }
        guard let group else { return nil }
        return RespondentFields(idColumn: idColumn, idIsOptional: idIsOptional, group: group, period: period,
                                attributes: attributes, weightColumn: weight, freeTextColumns: freeText)
    }

    private func readAttributes(_ cursor: YAMLCursor, into attributes: inout [AttributeField]) {
        for element in cursor.elements("attributes") {
            if element.node?.scalar != nil {
                if let name = element.string("the attribute column"),
                   define(.nameAttribute, name, at: element, duplicate: .attributeTwice) {
                    attributes.append(AttributeField(column: FieldColumn(name: name), label: LocalizedText(ja: name), values: []))
                }
                continue
            }
            guard element.requireMapping("an attribute") else { continue }
            element.checkKeys(["column", "aliases", "label", "values", "optional", "response_mode"])
            guard let name = element["column"].string("the attribute column") else { continue }
            let label = element["label"].localized("the label", required: false) ?? LocalizedText(ja: name)
            let (values, english) = valueList(element["values"])
            checkUnique(values, at: element["values"], what: "value")
            guard define(.nameAttribute, name, at: element["column"], duplicate: .attributeTwice) else { continue }
            attributes.append(AttributeField(column: FieldColumn(name: name, aliases: element["aliases"].strings("aliases")),
                                             label: label, values: values, englishNames: english,
                                             isOptional: element["optional"].bool("optional", default: false),
                                             isResponseMode: element["response_mode"].bool("response_mode", default: false)))
        }
    }

    /// What a local version may add to the respondent fields: group values and aliases, attributes,
    /// free-text columns.
    private func extendRespondent(_ respondent: inout RespondentFields, with cursor: YAMLCursor) {
        guard cursor.requireMapping("the respondent section") else { return }
        cursor.checkKeys(["group", "attributes", "free_text"])
        let group = cursor["group"]
        if group.isPresent, group.requireMapping("the group") {
            group.checkKeys(["values", "aliases"])
            let (values, english) = valueList(group["values"])
            checkUnique(values, at: group["values"], what: "group")
            for value in values where respondent.group.values.contains(GroupName(value)) {
                group["values"].problem(Message(.groupAlreadyInherited), value: value)
            }
            respondent.group.values += values.map { GroupName($0) }.filter { !respondent.group.values.contains($0) }
            for (value, name) in english { respondent.group.englishNames[GroupName(value)] = name }
            respondent.group.column.aliases += group["aliases"].strings("aliases")
        }
        readAttributes(cursor["attributes"], into: &respondent.attributes)
        for element in cursor["free_text"].elements("free_text") {
            if let field = column(element, "a free-text column") { respondent.freeTextColumns.append(field) }
        }
    }

    private func readGroup(_ cursor: YAMLCursor) -> GroupField? {
        guard cursor.isPresent else {
            cursor.problem(Message(.groupColumnMissing))
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
        let (values, english) = valueList(cursor["values"])
        checkUnique(values, at: cursor["values"], what: "group")
        return GroupField(column: FieldColumn(name: name, aliases: cursor["aliases"].strings("aliases")),
                          label: label, values: values.map { GroupName($0) },
                          englishNames: Dictionary(uniqueKeysWithValues: english.map { (GroupName($0.key), $0.value) }))
    }

    /// A list of a field's values, each a plain string (`男性`) or `{value: 男性, en: Men}`: the value is the code
    /// the answers hold; `en` is what English reports print for it.
    private func valueList(_ cursor: YAMLCursor) -> (values: [String], english: [String: String]) {
        guard cursor.isPresent else { return ([], [:]) }
        if cursor.node?.scalar != nil { return (cursor.strings("values"), [:]) }
        var values: [String] = [], english: [String: String] = [:]
        for element in cursor.elements("values") {
            if element.node?.mapping == nil {
                if let value = element.string("a value") { values.append(value) }
                continue
            }
            element.checkKeys(["value", "en"])
            guard let value = element["value"].string("the value") else { continue }
            values.append(value)
            if let name = element["en"].string("the value's English name (en)", required: false), english[value] == nil {
                english[value] = name
            }
        }
        return (values, english)
    }

    // MARK: Scales

    private func readScales(_ cursor: YAMLCursor, into scales: inout [String: AnswerScale], required: Bool) {
        if !required && !cursor.isPresent { return }
        guard cursor.requireMapping("the scales section") else { return }
        let before = scales.count
        for (id, scaleCursor) in cursor.entries("scales") {
            guard scaleCursor.requireMapping("scale '\(id)'") else { continue }
            guard define(.nameScale, id, at: scaleCursor, duplicate: .scaleTwice) else { continue }
            scaleCursor.checkKeys(["range", "labels", "missing", "top_box_from"])
            let range = scaleCursor["range"].elements("the range").compactMap { $0.integer("the range") }
            guard range.count == 2 else {
                scaleCursor["range"].problem(Message(.rangeTwoNumbers))
                continue
            }
            let (minimum, maximum) = (range[0], range[1])
            guard minimum >= 0, maximum <= 250, minimum < maximum else {
                scaleCursor["range"].problem(Message(.rangeBounds), value: "\(minimum)–\(maximum)")
                continue
            }
            var labels: [Int: LocalizedText] = [:]
            for (key, labelCursor) in scaleCursor["labels"].entries("labels") {
                guard let value = Int(key) else {
                    labelCursor.problem(Message(.labelKeyValue), value: key)
                    continue
                }
                guard (minimum...maximum).contains(value) else {
                    labelCursor.problem(Message(.labelOutsideRange, ["min": "\(minimum)", "max": "\(maximum)"]), value: key)
                    continue
                }
                if let label = labelCursor.localized("the label") { labels[value] = label }
            }
            let missing = scaleCursor["missing"].strings("missing codes")
            for code in missing {
                if let number = Int(code), (minimum...maximum).contains(number) {
                    scaleCursor["missing"].problem(Message(.missingInsideRange, ["min": "\(minimum)", "max": "\(maximum)"]), value: code)
                }
                if labels.values.contains(where: { $0.ja == code || $0.en == code }) {
                    scaleCursor["missing"].problem(Message(.missingIsLabel), value: code)
                }
            }
            let texts = labels.values.flatMap { [$0.ja] + ($0.en.map { [$0] } ?? []) }
            if Set(texts).count < texts.count {
                scaleCursor["labels"].problem(Message(.labelsShared))
            }
            var topBox: Double?
            if scaleCursor["top_box_from"].isPresent {
                topBox = scaleCursor["top_box_from"].number("top_box_from")
                if let threshold = topBox, !(Double(minimum)...Double(maximum)).contains(threshold) {
                    scaleCursor["top_box_from"].problem(Message(.topBoxOutside, ["min": "\(minimum)", "max": "\(maximum)"]), value: "\(threshold)")
                }
            }
            scales[id] = AnswerScale(id: id, minimum: minimum, maximum: maximum, labels: labels,
                                     missingCodes: missing, topBoxFrom: topBox)
        }
        if scales.count == before && required && cursor.node?.mapping != nil { cursor.problem(Message(.defineScale)) }
    }

    // MARK: Categories and items

    private func readFactorGroups(_ cursor: YAMLCursor, into groups: inout [FactorGroup]) {
        for element in cursor.elements("factor_groups") {
            guard element.requireMapping("a factor group") else { continue }
            element.checkKeys(["id", "name"])
            guard let id = element["id"].string("the factor group id"),
                  let name = element["name"].localized("the factor group name") else { continue }
            guard define(.nameFactorGroup, id, at: element["id"], duplicate: .factorGroupTwice) else { continue }
            groups.append(FactorGroup(id: id, name: name))
        }
    }

    private func readCategories(
        _ cursor: YAMLCursor, scales: [String: AnswerScale], defaultScale: String?, factorGroups: [FactorGroup],
        groupValues: [GroupName], into categories: inout [Category], items: inout [Item]
    ) {
        for element in cursor.elements("categories") {
            guard element.requireMapping("a category") else { continue }
            element.checkKeys(["id", "name", "group", "scale", "targets", "items"])
            let id = element["id"].string("the category id")
            let name = element["name"].localized("the category name")
            let factorGroup = element["group"].string("the factor group", required: false)
            if let factorGroup, !factorGroups.contains(where: { $0.id == factorGroup }) {
                element["group"].problem(Message(.unknownFactorGroup, ["groups": factorGroups.map(\.id).joined(separator: ", ")]),
                                         value: factorGroup)
            }
            let categoryScale = element["scale"].string("the category's scale", required: false) ?? defaultScale
            let targets = element["targets"].strings("targets")
            if !groupValues.isEmpty {
                for target in targets where !groupValues.contains(GroupName(target)) {
                    element["targets"].problem(Message(.targetNotGroup), value: target)
                }
            }
            let itemCursors = element["items"].elements("items")
            if itemCursors.isEmpty { element.problem(Message(.categoryNoItems)) }
            var itemIDs: [ItemID] = []
            var itemScales: Set<String> = []
            for itemCursor in itemCursors {
                guard let item = readItem(itemCursor, scales: scales, defaultScale: categoryScale, allowReverse: true),
                      define(.nameItem, item.id.rawValue, at: itemCursor["id"], duplicate: .itemTwice) else {
                    continue
                }
                items.append(item)
                itemIDs.append(item.id)
                itemScales.insert(item.scaleID)
            }
            if itemScales.count > 1 {
                element["items"].problem(Message(.categoryScales, ["scales": itemScales.sorted().joined(separator: ", ")]))
            }
            guard let id, let name,
                  define(.nameCategory, id, at: element["id"], duplicate: .categoryTwice) else { continue }
            categories.append(Category(id: IndicatorID(id), name: name, factorGroup: factorGroup, itemIDs: itemIDs,
                                       targetGroups: targets.map { GroupName($0) }))
        }
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
            cursor.problem(Message(.itemNoScale))
            return nil
        }
        guard let scale = scales[scaleID] else {
            cursor["scale"].problem(Message(.unknownScale, ["scales": scales.keys.sorted().joined(separator: ", ")]), value: scaleID)
            return nil
        }
        if reverse && scale.minimum == 0 && scale.maximum == 10 {
            cursor["reverse"].problem(Message(.reverseTenPoint))
        }
        guard let id, let text else { return nil }
        let columnName = cursor["column"].string("the column", required: false) ?? id
        return Item(id: ItemID(id), text: text, scaleID: scaleID, isReversed: reverse,
                    column: FieldColumn(name: columnName, aliases: cursor["aliases"].strings("aliases")))
    }

    private func readHeadlines(_ cursor: YAMLCursor, scales: [String: AnswerScale], defaultScale: String?,
                               into headlines: inout [HeadlineItem], items: inout [Item]) {
        for element in cursor.elements("headline") {
            guard let item = readItem(element, scales: scales, defaultScale: defaultScale, allowReverse: false),
                  define(.nameItem, item.id.rawValue, at: element["id"], duplicate: .itemTwice) else {
                continue
            }
            let name = element["name"].localized("the short name", required: false) ?? item.text
            items.append(item)
            headlines.append(HeadlineItem(itemID: item.id, name: name, isOutcome: element["outcome"].bool("outcome", default: false)))
        }
    }

    // MARK: Cross checks

    private func checkUnique(_ values: [String], at cursor: YAMLCursor, what: String) {
        var seen: Set<String> = []
        for value in values where !seen.insert(value).inserted {
            cursor.problem(Message(what == "group" ? .groupListedTwice : .valueListedTwice), value: value)
        }
    }

    /// No two fields may claim the same CSV header.
    private func checkColumnsAreUnique(respondent: RespondentFields, items: [Item]) {
        var owners: [String: String] = [:]
        func claim(_ column: FieldColumn, by owner: String) {
            for header in [column.name] + column.aliases {
                let key = HeaderMatcher.normalize(header)
                if let previous = owners[key], previous != owner {
                    root.problem(Message(.columnClaimedTwice, ["header": header, "previous": previous, "owner": owner]))
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

extension InstrumentLoader {
    /// Reads a `--about FILE`: a YAML file holding what an instrument's `report:` block holds.
    ///
    /// - Throws: `badData` with every problem (file, line and key), `missingInput` when the file cannot be read.
    public static func loadAbout(path: String) throws -> ReportAbout {
        let name = (path as NSString).lastPathComponent
        guard FileKind.of(path) == .regularFile, let data = FileManager.default.contents(atPath: path) else {
            throw WellBeingError(.inputMissing, Message(.fileNotFound, ["path": path]))
        }
        guard let text = String(data: data, encoding: .utf8) else {
            throw WellBeingError(.badData, Message(.cannotReadAs, ["file": name, "encoding": "UTF-8"]))
        }
        let context = YAMLContext(fileName: name)
        let about = context.root(of: text).flatMap { InstrumentReader.readAbout($0) }
        guard context.problems.isEmpty, let about else {
            throw WellBeingError.badData(Message(.aboutUnreadable, ["file": name]), problems: context.problems.isEmpty
                ? [DataProblem(location: SourceLocation(file: name), message: Message(.yamlFileEmpty))] : context.problems)
        }
        return about
    }
}

extension InstrumentDecoder {
    /// Reads stored instrument text as `InstrumentLoader.parse` reads a file.
    public static let yaml = InstrumentDecoder { text, fileName in try InstrumentLoader.parse(text, fileName: fileName) }
}
