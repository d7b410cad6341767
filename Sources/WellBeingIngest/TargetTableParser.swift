import Foundation
import WellBeingCore

/// Validates a plan's target table (DESIGN §23): `indicator,target,direction,period[,baseline_period][,plan]`,
/// with optional `measure` (mean, top2 or deviation; default mean) and `group` (a district; empty: the whole area).
public enum TargetTableParser {
    /// The columns every target table has.
    public static let requiredColumns = ["indicator", "target", "direction", "period"]

    /// Reads the rows of `table`, each checked against the survey's instrument and KPI catalogue.
    ///
    /// An indicator is named by its id (`c01`, `life_satisfaction`, `q05`, a KPI id) or by its name in the
    /// instrument or catalogue (`医療・福祉`). Every problem is listed before failing.
    /// - Returns: the targets with the physical line of each.
    public static func targets(_ table: TableFile, instrument: Instrument,
                               catalog: KPICatalog) throws -> [(target: PlanTarget, line: Int)] {
        let columns = try table.requireColumns(requiredColumns)
        let normalized = table.header.map(HeaderMatcher.normalize)
        func optional(_ name: String) -> Int? { normalized.firstIndex(of: HeaderMatcher.normalize(name)) }
        let baselineColumn = optional("baseline_period"), planColumn = optional("plan")
        let measureColumn = optional("measure"), groupColumn = optional("group")
        let lookup = IndicatorLookup(instrument: instrument, catalog: catalog)
        let groups = Set(instrument.respondent.group.values.map(\.rawValue))
        var problems: [DataProblem] = []
        var targets: [(target: PlanTarget, line: Int)] = []
        var seen: [String: Int] = [:]
        for row in table.rows {
            func cell(_ column: Int?) -> String { column.map { row.cells[$0] } ?? "" }
            var ok = true
            func refuse(_ column: Int?, _ value: String?, _ reason: Message) {
                problems.append(table.problem(row, column: column, value: value, reason))
                ok = false
            }
            // The indicator, and what kind it is.
            let name = cell(columns[0])
            var resolved: IndicatorLookup.Found?
            switch lookup.find(name) {
            case .found(let found): resolved = found
            case .unknown: refuse(columns[0], name, name.isEmpty ? Message(.cellEmpty)
                                    : Message(.targetUnknownIndicator, ["survey": instrument.id.rawValue]))
            case .ambiguous(let ids): refuse(columns[0], name, Message(.targetAmbiguousName, ["ids": ids.joined(separator: ", ")]))
            }
            // The measure: a survey indicator's mean, top-2 share or 偏差値; a KPI's value.
            let measureText = cell(measureColumn)
            var measure: PlanTarget.Measure?
            if let resolved {
                switch (parseMeasure(measureText), resolved.scale) {
                case (nil, _) where !measureText.isEmpty:
                    refuse(measureColumn, measureText, Message(.targetMeasureUnknown))
                case (nil, nil), (.value?, nil): measure = .value
                case (_, nil): refuse(measureColumn, measureText, Message(.targetKPIMeasure))
                case (.value?, _?): refuse(measureColumn, measureText, Message(.targetMeasureNotKPI))
                case (nil, _?): measure = .mean
                case (let given?, _?): measure = given
                }
            }
            // The target value on that measure's scale.
            let targetText = cell(columns[1])
            var target = TableFile.number(targetText)
            let percentSign = targetText.hasSuffix("%") || targetText.hasSuffix("％")
            if target == nil, percentSign, measure == .top2 || measure == nil {
                target = TableFile.number(String(targetText.dropLast()))
            }
            if let value = target, let measure, let resolved {
                switch measure {
                case .mean:
                    if let scale = resolved.scale, value < Double(scale.minimum) || value > Double(scale.maximum) {
                        refuse(columns[1], targetText, Message(.targetOutsideScale, ["range": scale.rangeText]))
                    }
                case .top2:
                    if value < 0 || value > 100 {
                        refuse(columns[1], targetText, Message(.targetPercentRange))
                    } else if value > 0 && value <= 1 && !percentSign {
                        refuse(columns[1], targetText, Message(.targetLooksLikeShare, ["percent": formatPercent(value * 100)]))
                    }
                case .deviation, .value:
                    if percentSign && measure == .deviation { refuse(columns[1], targetText, Message(.notANumber)) }
                }
            } else if target == nil {
                refuse(columns[1], targetText, Message(targetText.isEmpty ? .cellEmpty : .notANumber))
            }
            let directionText = cell(columns[2])
            let direction = parseDirection(directionText)
            if direction == nil {
                refuse(columns[2], directionText, Message(directionText.isEmpty ? .cellEmpty : .targetDirection))
            }
            let period = cell(columns[3])
            if period.isEmpty { refuse(columns[3], nil, Message(.periodEmpty)) }
            let baseline = cell(baselineColumn)
            if !baseline.isEmpty && baseline == period {
                refuse(baselineColumn, baseline, Message(.targetBaselineIsPeriod))
            }
            let group = cell(groupColumn)
            if !group.isEmpty && !groups.isEmpty && !groups.contains(group) {
                refuse(groupColumn, group, Message(.notAGroupOf, ["survey": instrument.id.rawValue]))
            }
            let plan = cell(planColumn)
            if let resolved, let measure {
                let key = [plan, resolved.id, measure.rawValue, group, period].joined(separator: "\u{1F}")
                if let first = seen[key] {
                    refuse(columns[0], name, Message(.standsTwice, ["line": "\(first)"]))
                }
                seen[key] = row.line
            }
            if ok, let resolved, let measure, let target, let direction {
                targets.append((PlanTarget(indicator: resolved.id, measure: measure, group: group.isEmpty ? nil : GroupName(group),
                                           period: PeriodLabel(period), baselinePeriod: baseline.isEmpty ? nil : PeriodLabel(baseline),
                                           target: target, direction: direction, plan: plan), row.line))
            }
        }
        if !problems.isEmpty {
            throw WellBeingError.badData(Message(.tableHasProblems, ["file": table.fileName, "count": "\(problems.count)"]),
                                         problems: problems)
        }
        if targets.isEmpty {
            throw WellBeingError.badData(Message(.targetsNone, ["file": table.fileName]), problems: [
                DataProblem(location: SourceLocation(file: table.fileName, line: 1, sheet: table.sheet), message: Message(.headerOnly))])
        }
        return targets
    }

    /// `higher`, `lower` and their synonyms (高い・以上・増加, 低い・以下・減少, +1, −1).
    public static func parseDirection(_ text: String) -> PlanTarget.Direction? {
        switch text.precomposedStringWithCompatibilityMapping.lowercased() {
        case "higher", "high", "up", "+1", "1", "高い", "以上", "増加", "上昇": .higher
        case "lower", "low", "down", "-1", "−1", "低い", "以下", "減少", "低下": .lower
        default: nil
        }
    }

    /// `mean`, `top2`, `deviation` (and 平均, 上位2区分, 偏差値); `value` for a KPI; nil when empty or unknown.
    static func parseMeasure(_ text: String) -> PlanTarget.Measure? {
        switch text.precomposedStringWithCompatibilityMapping.lowercased().replacingOccurrences(of: " ", with: "") {
        case "mean", "平均", "平均値": .mean
        case "top2", "top-2", "上位2区分", "上位2", "上位2区分割合": .top2
        case "deviation", "偏差値": .deviation
        case "value", "値": .value
        default: nil
        }
    }

    private static func formatPercent(_ value: Double) -> String {
        value == value.rounded() ? String(Int(value)) : String(format: "%.1f", value)
    }
}

/// Finds an indicator of a survey by id or name: categories, headline items, single questions, KPIs.
struct IndicatorLookup {
    struct Found {
        var id: String
        /// The answer scale of a survey indicator; nil for a KPI.
        var scale: AnswerScale?
    }

    enum Result { case found(Found), unknown, ambiguous([String]) }

    private var byID: [String: Found] = [:]
    private var byName: [String: [Found]] = [:]

    init(instrument: Instrument, catalog: KPICatalog) {
        let index = instrument.itemIndex
        func add(_ found: Found, names: [String?]) {
            if byID[found.id] == nil { byID[found.id] = found }
            for name in Set(names.compactMap { $0 }) where !name.isEmpty && name != found.id {
                byName[name, default: []].append(found)
            }
        }
        for category in instrument.categories {
            let scale = instrument.scale(of: instrument.items[index[category.itemIDs[0]]!])
            add(Found(id: category.id.rawValue, scale: scale), names: [category.name.ja, category.name.en])
        }
        for headline in instrument.headlines {
            let scale = instrument.scale(of: instrument.items[index[headline.itemID]!])
            add(Found(id: headline.itemID.rawValue, scale: scale), names: [headline.name.ja, headline.name.en])
        }
        for item in instrument.items {
            add(Found(id: item.id.rawValue, scale: instrument.scale(of: item)), names: [])
        }
        for kpi in catalog.kpis {
            add(Found(id: kpi.id.rawValue, scale: nil), names: [kpi.name.ja, kpi.name.en])
        }
    }

    func find(_ text: String) -> Result {
        if let found = byID[text] { return .found(found) }
        guard let candidates = byName[text] else { return .unknown }
        let ids = Array(Set(candidates.map(\.id))).sorted()
        return ids.count == 1 ? .found(candidates[0]) : .ambiguous(ids)
    }
}
