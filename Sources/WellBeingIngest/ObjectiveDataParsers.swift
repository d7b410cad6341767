import Foundation
import WellBeingCore

/// Reads a KPI catalogue (YAML): the objective indicators of one survey, each with its category,
/// direction, unit and source.
public enum KPICatalogLoader {
    /// Loads and validates `path` against the survey's instrument (every category must exist).
    public static func load(path: String, instrument: Instrument) throws -> (catalog: KPICatalog, yaml: String) {
        let name = (path as NSString).lastPathComponent
        guard let data = FileManager.default.contents(atPath: path) else {
            throw WellBeingError(.inputMissing, Message(.catalogueMissing, ["path": path]))
        }
        guard let text = String(data: data, encoding: .utf8) else {
            throw WellBeingError(.badData, Message(.catalogueNotUTF8, ["file": name]))
        }
        return (try parse(text, fileName: name, instrument: instrument), text)
    }

    /// Parses catalogue YAML text.
    public static func parse(_ text: String, fileName: String, instrument: Instrument) throws -> KPICatalog {
        let context = YAMLContext(fileName: fileName)
        var kpis: [KPIDefinition] = []
        if let root = context.root(of: text), root.requireMapping("the KPI catalogue") {
            root.checkKeys(["survey", "kpis"])
            if let survey = root["survey"].string("the survey id"), survey != instrument.id.rawValue {
                root["survey"].problem(Message(.catalogueOtherSurvey, ["survey": instrument.id.rawValue]), value: survey)
            }
            let categories = Set(instrument.categories.map(\.id.rawValue))
            let entries = root["kpis"].elements("kpis")
            if entries.isEmpty { root["kpis"].problem(Message(.catalogueNoKPIs)) }
            for entry in entries {
                guard entry.requireMapping("a KPI") else { continue }
                entry.checkKeys(["id", "name", "category", "direction", "unit", "source"])
                let id = entry["id"].string("the KPI id")
                let name = entry["name"].localized("the KPI name")
                let category = entry["category"].string("the category")
                if let category, !categories.contains(category) {
                    entry["category"].problem(Message(.catalogueNotCategory, ["survey": instrument.id.rawValue]), value: category)
                }
                let directionText = entry["direction"].string("the direction (+1 higher is better, -1 lower is better)")
                let direction: Int? = switch directionText?.lowercased() {
                case "1", "+1", "higher", "up": 1
                case "-1", "−1", "lower", "down": -1
                default: nil
                }
                if let directionText, direction == nil {
                    entry["direction"].problem(Message(.catalogueDirection), value: directionText)
                }
                let unit = entry["unit"].string("the unit", required: false) ?? ""
                let source = entry["source"].string("the source")
                if let id, kpis.contains(where: { $0.id.rawValue == id }) {
                    entry["id"].problem(Message(.catalogueKPITwice), value: id)
                    continue
                }
                guard let id, let name, let category, let direction, let source else { continue }
                kpis.append(KPIDefinition(id: KPIID(id), name: name, category: IndicatorID(category),
                                          direction: direction, unit: unit, source: source))
            }
        }
        guard context.problems.isEmpty else {
            throw WellBeingError.badData(Message(.catalogueProblems, ["file": fileName, "count": "\(context.problems.count)"]),
                                         problems: context.problems)
        }
        return KPICatalog(survey: instrument.id, kpis: kpis)
    }
}

/// Validates the rows of the small CSV imports: KPI values, population margins and reference figures.
public enum ObjectiveDataParser {
    /// `kpi,group,period,value`: every KPI must be in the catalogue and every group known to the instrument.
    public static func kpiValues(_ table: TableFile, catalog: KPICatalog, instrument: Instrument) throws -> [KPIValue] {
        let columns = try table.requireColumns(["kpi", "group", "period", "value"])
        let known = Set(catalog.kpis.map(\.id.rawValue))
        let groups = Set(instrument.respondent.group.values.map(\.rawValue))
        var problems: [DataProblem] = []
        var values: [KPIValue] = []
        var seen: [String: Int] = [:]
        for row in table.rows {
            let (kpi, group, period, valueText) = (row.cells[columns[0]], row.cells[columns[1]],
                                                    row.cells[columns[2]], row.cells[columns[3]])
            var ok = true
            if !known.contains(kpi) {
                problems.append(table.problem(row, column: columns[0], value: kpi, Message(.notAKPI)))
                ok = false
            }
            if group.isEmpty || (!groups.isEmpty && !groups.contains(group)) {
                problems.append(table.problem(row, column: columns[1], value: group,
                                              Message(.notAGroupOf, ["survey": instrument.id.rawValue])))
                ok = false
            }
            if period.isEmpty {
                problems.append(table.problem(row, column: columns[2], Message(.periodEmpty)))
                ok = false
            }
            let value = TableFile.number(valueText)
            if value == nil {
                problems.append(table.problem(row, column: columns[3], value: valueText,
                                              Message(valueText.isEmpty ? .valueEmptyLeaveOut : .notANumber)))
                ok = false
            } else if !NumericBounds.isMagnitude(value!) {
                problems.append(table.problem(row, column: columns[3], value: valueText, Message.numberTooLarge))
                ok = false
            }
            let key = "\(kpi)\u{1F}\(group)\u{1F}\(period)"
            if let first = seen[key] {
                problems.append(table.problem(row, column: nil, Message(.sameKPITwice, ["line": "\(first)"])))
                ok = false
            }
            seen[key] = row.line
            if ok, let value {
                values.append(KPIValue(kpi: KPIID(kpi), group: GroupName(group), period: PeriodLabel(period), value: value))
            }
        }
        if !problems.isEmpty {
            throw WellBeingError.badData(Message(.tableHasProblems, ["file": table.fileName, "count": "\(problems.count)"]),
                                         problems: problems)
        }
        return values
    }

    /// The population file: respondent field columns, then `count`; `marginSpec` as `--margins` takes it.
    public static func population(_ table: TableFile, instrument: Instrument, marginSpec: String?) throws -> PopulationTable {
        let header = try crossTableHeader(table, instrument: instrument, valueName: "count",
                                          example: "region,age_band,sex,count")
        let margins = try parseMargins(marginSpec, fields: header.fields, fileName: table.fileName)
        let cells = try crossTableCells(table, instrument: instrument, header: header, noun: "a population count",
                                        wholeNumbers: false)
        let population = PopulationTable(fields: header.fields, cells: cells, margins: margins)
        if population.total <= 0 {
            throw WellBeingError.badData(Message(.noPeople, ["file": table.fileName]), problems: [
                DataProblem(location: SourceLocation(file: table.fileName, line: 1, sheet: table.sheet), message: Message(.populationZero))])
        }
        return population
    }

    /// `<respondent fields>,drawn`: how many people were drawn into the sample, by stratum (DESIGN §12).
    public static func sampleSizes(_ table: TableFile, instrument: Instrument) throws -> SampleTable {
        let header = try crossTableHeader(table, instrument: instrument, valueName: "drawn", example: "居住地区,drawn")
        let cells = try crossTableCells(table, instrument: instrument, header: header, noun: "a number drawn",
                                        wholeNumbers: true)
        return SampleTable(fields: header.fields, cells: cells)
    }

    /// The respondent-field columns of a cross table, and the column of its numbers (`count`, `drawn`).
    static func crossTableHeader(_ table: TableFile, instrument: Instrument, valueName: String,
                                 example: String) throws -> (fields: [String], fieldColumns: [Int], valueColumn: Int) {
        let normalized = table.header.map(HeaderMatcher.normalize)
        guard let valueColumn = normalized.firstIndex(of: valueName) else {
            throw WellBeingError.badData(Message(.headerNotExpected, ["file": table.fileName]), problems: [
                DataProblem(location: SourceLocation(file: table.fileName, line: 1, sheet: table.sheet),
                            message: Message(.noValueColumn, ["value": valueName, "example": example]))])
        }
        let allowed = instrument.respondent.marginFieldNames
        var problems: [DataProblem] = []
        var fieldColumns: [Int] = []
        var fields: [String] = []
        for (index, name) in table.header.enumerated() where index != valueColumn {
            guard let field = allowed.first(where: { HeaderMatcher.normalize($0) == normalized[index] }) else {
                problems.append(DataProblem(location: SourceLocation(file: table.fileName, line: 1, column: name,
                                                                     columnNumber: index + 1, sheet: table.sheet),
                                            message: Message(.notARespondentField, ["survey": instrument.id.rawValue,
                                                                                    "fields": allowed.joined(separator: ", ")])))
                continue
            }
            if fields.contains(field) {
                problems.append(DataProblem(location: SourceLocation(file: table.fileName, line: 1, column: name,
                                                                     columnNumber: index + 1, sheet: table.sheet),
                                            message: Message(.fieldTwice)))
                continue
            }
            fieldColumns.append(index)
            fields.append(field)
        }
        if fields.isEmpty && problems.isEmpty {
            problems.append(DataProblem(location: SourceLocation(file: table.fileName, line: 1, sheet: table.sheet),
                                        message: Message(.noFieldBefore, ["value": valueName])))
        }
        if !problems.isEmpty {
            throw WellBeingError.badData(Message(.headerDoesNotFitSurvey, ["file": table.fileName, "survey": instrument.id.rawValue]),
                                         problems: problems)
        }
        return (fields, fieldColumns, valueColumn)
    }

    /// The cells of a cross table: a known value for each field, and a number ≥ 0 (whole when asked).
    static func crossTableCells(_ table: TableFile, instrument: Instrument,
                                header: (fields: [String], fieldColumns: [Int], valueColumn: Int),
                                noun: String, wholeNumbers: Bool) throws -> [PopulationTable.Cell] {
        var allowedValues: [String: Set<String>] = [:]
        allowedValues[instrument.respondent.group.column.name] = Set(instrument.respondent.group.values.map(\.rawValue))
        for attribute in instrument.respondent.attributes { allowedValues[attribute.column.name] = Set(attribute.values) }
        var problems: [DataProblem] = []
        var cells: [PopulationTable.Cell] = []
        var seen: [[String]: Int] = [:]
        for row in table.rows {
            var values: [String] = []
            var ok = true
            for (position, column) in header.fieldColumns.enumerated() {
                let value = row.cells[column]
                let known = allowedValues[header.fields[position]] ?? []
                if value.isEmpty || (!known.isEmpty && !known.contains(value)) {
                    problems.append(table.problem(row, column: column, value: value,
                                                  value.isEmpty ? Message(.cellEmpty) : Message(.notAValueOf, ["field": header.fields[position]])))
                    ok = false
                }
                values.append(value)
            }
            let countText = row.cells[header.valueColumn]
            let count = TableFile.number(countText)
            if count == nil || count! < 0 || (wholeNumbers && count! != count!.rounded()) {
                problems.append(table.problem(row, column: header.valueColumn, value: countText,
                                              count == nil ? Message(.notANumber)
                                                  : Message(count! < 0 ? .cannotBeNegative : .mustBeWhole, ["noun": noun])))
                ok = false
            } else if !NumericBounds.isPeopleCount(count!) {
                problems.append(table.problem(row, column: header.valueColumn, value: countText, Message.countTooLarge))
                ok = false
            }
            if let first = seen[values] {
                problems.append(table.problem(row, column: nil, Message(.sameCellTwice, ["line": "\(first)"])))
                ok = false
            }
            seen[values] = row.line
            if ok, let count { cells.append(.init(values: values, count: count)) }
        }
        if !problems.isEmpty {
            throw WellBeingError.badData(Message(.tableHasProblems, ["file": table.fileName, "count": "\(problems.count)"]),
                                         problems: problems)
        }
        return cells
    }

    /// Parses `age_band*sex,region`; without a spec, one margin per field in column order.
    public static func parseMargins(_ spec: String?, fields: [String], fileName: String) throws -> [[String]] {
        try PopulationTable.margins(spec, fields: fields, fileName: fileName)
    }

    /// `indicator,mean,sd,source[,period]`: indicators must be categories, headline items, items or KPI ids;
    /// `sd` may be empty (a mean-only benchmark) except for KPIs, and is > 0 when given; an empty or absent
    /// `period` means the period of the import (`--period`, or every period).
    public static func referenceFigures(_ table: TableFile, instrument: Instrument,
                                        kpiIDs: Set<String>) throws -> [(figure: ReferenceFigure, period: String?)] {
        let columns = try table.requireColumns(["indicator", "mean", "sd", "source"])
        let periodColumn = table.header.map(HeaderMatcher.normalize).firstIndex(of: HeaderMatcher.normalize("period"))
        let known = Set(instrument.indicatorIDs.map(\.rawValue)).union(instrument.items.map(\.id.rawValue))
        var problems: [DataProblem] = []
        var figures: [(figure: ReferenceFigure, period: String?)] = []
        var seen: [String: Int] = [:]
        for row in table.rows {
            let indicator = row.cells[columns[0]]
            var ok = true
            let isKPI = kpiIDs.contains(indicator) && !known.contains(indicator)
            if !known.contains(indicator) && !isKPI {
                problems.append(table.problem(row, column: columns[0], value: indicator,
                                              Message(.notIndicatorOf, ["survey": instrument.id.rawValue])))
                ok = false
            }
            let mean = TableFile.number(row.cells[columns[1]])
            if mean == nil {
                problems.append(table.problem(row, column: columns[1], value: row.cells[columns[1]], Message(.notANumber)))
                ok = false
            } else if !NumericBounds.isMagnitude(mean!) {
                problems.append(table.problem(row, column: columns[1], value: row.cells[columns[1]], Message.numberTooLarge))
                ok = false
            }
            let spreadText = row.cells[columns[2]].trimmingCharacters(in: .whitespaces)
            var deviation: Double?
            if spreadText.isEmpty {
                if isKPI {
                    problems.append(table.problem(row, column: columns[2], value: spreadText,
                                                  Message(.kpiNeedsSD)))
                    ok = false
                }
            } else {
                deviation = TableFile.number(spreadText)
                if deviation == nil || deviation! <= 0 {
                    problems.append(table.problem(row, column: columns[2], value: spreadText,
                                                  Message(.sdPositive)))
                    ok = false
                } else if !NumericBounds.isSpread(deviation!) {
                    // 1e-308 would make every deviation score infinite: refused here, on its line.
                    problems.append(table.problem(row, column: columns[2], value: spreadText, Message.spreadOutside))
                    ok = false
                }
            }
            let period = periodColumn.map { row.cells[$0].trimmingCharacters(in: .whitespaces) }.flatMap { $0.isEmpty ? nil : $0 }
            let key = (period ?? "") + "\u{1F}" + indicator
            if let first = seen[key] {
                problems.append(table.problem(row, column: columns[0], value: indicator, Message(.standsTwice, ["line": "\(first)"])))
                ok = false
            }
            seen[key] = row.line
            if ok, let mean {
                figures.append((ReferenceFigure(indicator: indicator, mean: mean, standardDeviation: deviation,
                                                source: row.cells[columns[3]]), period))
            }
        }
        if !problems.isEmpty {
            throw WellBeingError.badData(Message(.tableHasProblems, ["file": table.fileName, "count": "\(problems.count)"]),
                                         problems: problems)
        }
        return figures
    }
}
