import Foundation
import WellBeingCore

/// The outcome of importing a small file (KPIs, population, reference figures).
public struct SmallImportOutcome: Sendable {
    public var batchID: Int64
    public var fileName: String
    public var rowCount: Int
    public var periods: [PeriodLabel]
    /// What was imported, in a few words (margins and total, strata and number drawn, …).
    public var detail: Message
    /// Earlier batches that `--replace` deleted because this file replaces them.
    public var replacedBatches: [Int64] = []
}

extension SurveyStore {
    /// Imports a KPI catalogue and its values (read from `table` by WellBeingIngest) as one batch.
    ///
    /// A value already stored for the same KPI, group and period is refused, naming the batch that holds it.
    ///
    /// - Parameter rows: where each value stands in its file, for the messages.
    public func importKPIs(_ values: [KPIValue], rows: [SourceLocation], catalog: KPICatalog, catalogFileName: String,
                           survey: SurveyID, table: ImportedFile, replace: Bool) throws -> SmallImportOutcome {
        return try write(survey: survey) { db in
            try handleRepeatedFile(db, kind: .kpis, survey: survey, sha256: table.sha256, fileName: table.fileName,
                                   replace: replace)
            let periods = Set(values.map(\.period.rawValue)).sorted()
            let batchID = try insertBatch(db, kind: .kpis, survey: survey, instrumentID: nil, fileName: table.fileName,
                                          sha256: table.sha256, rowCount: values.count, rejectedCount: 0,
                                          periods: periods, encoding: table.encodingName,
                                          options: "catalog \(catalogFileName)")
            try db.insertRows(into: "kpiDefinition", columns: [
                "batchId", "surveyId", "kpiId", "nameJa", "nameEn", "category", "direction", "unit", "source",
            ], rows: catalog.kpis.map { kpi in
                [.integer(batchID), .text(survey.rawValue), .text(kpi.id.rawValue), .text(kpi.name.ja),
                 kpi.name.en.map(StoreValue.text) ?? .null, .text(kpi.category.rawValue), .integer(Int64(kpi.direction)),
                 .text(kpi.unit), .text(kpi.source)]
            })
            // Values already stored are found first (the write lock keeps them from changing meanwhile), so that every
            // conflict is listed and no failed INSERT aborts the transaction on a server.
            var holders: [String: Int64] = [:]
            try db.forEachRow("SELECT kpiId, groupName, period, batchId FROM kpiValue WHERE surveyId = ?", [survey.rawValue]) { row in
                holders[[try row.text(0), try row.text(1), try row.text(2)].joined(separator: "\u{1F}")] = try row.integer(3)
            }
            var conflicts: [DataProblem] = []
            for (index, value) in values.enumerated() {
                let key = [value.kpi.rawValue, value.group.rawValue, value.period.rawValue].joined(separator: "\u{1F}")
                if let holder = holders[key] {
                    conflicts.append(DataProblem(location: rows[index], message: Message(.kpiAlreadyImported, [
                        "kpi": value.kpi.rawValue, "group": value.group.rawValue, "period": value.period.rawValue,
                        "batch": "\(holder)"])))
                }
            }
            if !conflicts.isEmpty {
                throw WellBeingError.badData(Message(.kpiRepeats, ["file": table.fileName]), problems: conflicts)
            }
            try db.insertRows(into: "kpiValue", columns: ["batchId", "surveyId", "kpiId", "groupName", "period", "value"],
                              rows: values.map { value in
                [.integer(batchID), .text(survey.rawValue), .text(value.kpi.rawValue), .text(value.group.rawValue),
                 .text(value.period.rawValue), .real(value.value)]
            })
            return SmallImportOutcome(batchID: batchID, fileName: table.fileName, rowCount: values.count,
                                      periods: periods.map { PeriodLabel($0) },
                                      detail: Message(.detailKPIs, ["count": "\(catalog.kpis.count)"]))
        }
    }

    /// Imports population counts by respondent fields, and the margins to rake to, for one period or all.
    ///
    /// Only one population table per survey and period: a second is refused unless `replace` is set.
    public func importPopulation(_ population: PopulationTable, survey: SurveyID, period: PeriodLabel?, table: ImportedFile,
                                 replace: Bool) throws -> SmallImportOutcome {
        let periodKey = period?.rawValue ?? ""
        return try write(survey: survey) { db in
            try handleRepeatedFile(db, kind: .population, survey: survey, sha256: table.sha256, fileName: table.fileName,
                                   replace: replace)
            try replaceOrRefuseTable(db, "populationCell", what: Message(.tablePopulation), survey: survey, period: period,
                                     replace: replace)
            let batchID = try insertBatch(db, kind: .population, survey: survey, instrumentID: nil, fileName: table.fileName,
                                          sha256: table.sha256, rowCount: population.cells.count, rejectedCount: 0,
                                          periods: period.map { [$0.rawValue] } ?? [], encoding: table.encodingName,
                                          options: population.marginSpec)
            let fields = population.fields.joined(separator: ",")
            try db.insertRows(into: "populationCell", columns: ["batchId", "surveyId", "period", "fields", "cell", "count", "seq"],
                              rows: population.cells.enumerated().map { position, cell in
                [.integer(batchID), .text(survey.rawValue), .text(periodKey), .text(fields),
                 .text(cell.values.joined(separator: StoredBlockFormat.valueSeparator)), .real(cell.count), .integer(Int64(position))]
            })
            return SmallImportOutcome(batchID: batchID, fileName: table.fileName, rowCount: population.cells.count,
                                      periods: period.map { [$0] } ?? [],
                                      detail: Message(.detailMargins, ["spec": population.marginSpec, "total": "\(Int(population.total.rounded()))"]))
        }
    }

    /// Imports reference figures (`indicator,mean,sd,source`, each with its own period or none) for one period
    /// or all.
    public func importReference(_ figures: [(figure: ReferenceFigure, period: String?)], survey: SurveyID, period: PeriodLabel?,
                                table: ImportedFile, replace: Bool) throws -> SmallImportOutcome {
        // A row's own period, else --period, else every period ("").
        func key(_ row: (figure: ReferenceFigure, period: String?)) -> String { row.period ?? period?.rawValue ?? "" }
        let periods = Set(figures.map(key)).filter { !$0.isEmpty }.sorted()
        return try write(survey: survey) { db in
            try handleRepeatedFile(db, kind: .reference, survey: survey, sha256: table.sha256, fileName: table.fileName,
                                   replace: replace)
            var clashing: [(indicator: String, period: String, batch: Int64)] = []
            for row in figures {
                if let batch = try db.fetchInteger("""
                    SELECT batchId FROM referenceFigure WHERE surveyId = ? AND period = ? AND indicator = ?
                    """, [survey.rawValue, key(row), row.figure.indicator]) {
                    clashing.append((row.figure.indicator, key(row), batch))
                }
            }
            if !clashing.isEmpty {
                if replace {
                    for clash in clashing {
                        try db.execute("DELETE FROM referenceFigure WHERE surveyId = ? AND period = ? AND indicator = ?",
                                       [survey.rawValue, clash.period, clash.indicator])
                    }
                } else {
                    let list = clashing.prefix(12).map { "\($0.indicator)\($0.period.isEmpty ? "" : " for \($0.period)") (batch \($0.batch))" }
                        .joined(separator: ", ") + (clashing.count > 12 ? ", …" : "")
                    throw WellBeingError(.badData, Message(.referenceExists, ["list": list]))
                }
            }
            let batchID = try insertBatch(db, kind: .reference, survey: survey, instrumentID: nil, fileName: table.fileName,
                                          sha256: table.sha256, rowCount: figures.count, rejectedCount: 0,
                                          periods: periods, encoding: table.encodingName,
                                          options: "")
            try db.insertRows(into: "referenceFigure", columns: ["batchId", "surveyId", "period", "indicator", "mean", "sd", "source"],
                              rows: figures.map { row in
                [.integer(batchID), .text(survey.rawValue), .text(key(row)), .text(row.figure.indicator), .real(row.figure.mean),
                 row.figure.standardDeviation.map(StoreValue.real) ?? .null, .text(row.figure.source)]
            })
            let mode = Message(figures.contains { $0.figure.standardDeviation == nil } ? .detailBenchmarks : .detailReference)
            return SmallImportOutcome(batchID: batchID, fileName: table.fileName, rowCount: figures.count,
                                      periods: periods.map { PeriodLabel($0) }, detail: mode)
        }
    }

    /// Every KPI id `survey` has had a definition for.
    public func knownKPIIDs(survey: SurveyID) throws -> Set<String> {
        try read { db in
            Set(try db.fetchTexts("SELECT DISTINCT kpiId FROM kpiDefinition WHERE surveyId = ?", [survey.rawValue]))
        }
    }

    /// The KPI catalogue of `survey` (each KPI as last imported).
    public func kpiCatalog(survey: SurveyID) throws -> KPICatalog {
        try read { db in
            let rows = try db.fetchAll("""
                SELECT kpiId, nameJa, nameEn, category, direction, unit, source FROM kpiDefinition
                WHERE surveyId = ? AND batchId = (
                    SELECT max(batchId) FROM kpiDefinition AS latest WHERE latest.surveyId = kpiDefinition.surveyId
                    AND latest.kpiId = kpiDefinition.kpiId)
                """, [survey.rawValue])
            let kpis = try rows.map { row in
                KPIDefinition(id: KPIID(try row.text(0)), name: LocalizedText(ja: try row.text(1), en: try row.optionalText(2)),
                              category: IndicatorID(try row.text(3)), direction: try row.int(4),
                              unit: try row.text(5), source: try row.text(6))
            }
            return KPICatalog(survey: survey, kpis: kpis.sorted {
                StoreOrder.precedes([$0.category.rawValue, $0.id.rawValue], [$1.category.rawValue, $1.id.rawValue])
            })
        }
    }

    /// The KPI values of `survey` for `period`.
    public func kpiValues(survey: SurveyID, period: PeriodLabel) throws -> [KPIValue] {
        try read { db in
            try db.fetchAll("SELECT kpiId, groupName, value, batchId FROM kpiValue WHERE surveyId = ? AND period = ?",
                            [survey.rawValue, period.rawValue]).map {
                let value = try $0.real(2)
                try Self.refuseStored(value, NumericBounds.isMagnitude, .numberTooLarge, kind: .kindKPIs, batch: try $0.integer(3))
                return KPIValue(kpi: KPIID(try $0.text(0)), group: GroupName(try $0.text(1)), period: period, value: value)
            }.sorted { StoreOrder.precedes([$0.kpi.rawValue, $0.group.rawValue], [$1.kpi.rawValue, $1.group.rawValue]) }
        }
    }

    /// Imports how many people were drawn into the sample, by stratum, for one period or all.
    ///
    /// One sample table per survey and period: a second is refused unless `replace` is set.
    public func importSample(_ sample: SampleTable, survey: SurveyID, period: PeriodLabel?, table: ImportedFile,
                             replace: Bool) throws -> SmallImportOutcome {
        let periodKey = period?.rawValue ?? ""
        return try write(survey: survey) { db in
            try handleRepeatedFile(db, kind: .sample, survey: survey, sha256: table.sha256, fileName: table.fileName,
                                   replace: replace)
            try replaceOrRefuseTable(db, "sampleCell", what: Message(.tableSample), survey: survey, period: period, replace: replace)
            let batchID = try insertBatch(db, kind: .sample, survey: survey, instrumentID: nil, fileName: table.fileName,
                                          sha256: table.sha256, rowCount: sample.cells.count, rejectedCount: 0,
                                          periods: period.map { [$0.rawValue] } ?? [], encoding: table.encodingName,
                                          options: sample.fields.joined(separator: "*"))
            try db.insertRows(into: "sampleCell", columns: ["batchId", "surveyId", "period", "fields", "cell", "drawn"],
                              rows: sample.cells.map { cell in
                [.integer(batchID), .text(survey.rawValue), .text(periodKey), .text(sample.fields.joined(separator: ",")),
                 .text(cell.values.joined(separator: StoredBlockFormat.valueSeparator)), .integer(Int64(cell.count))]
            })
            return SmallImportOutcome(batchID: batchID, fileName: table.fileName, rowCount: sample.cells.count,
                                      periods: period.map { [$0] } ?? [],
                                      detail: Message(.detailStrata, ["fields": sample.fields.joined(separator: "*"), "total": "\(sample.total)"]))
        }
    }

    /// Refuses a second table (population margins, sample sizes) for the same survey and period, or with
    /// `replace` deletes the batch that holds the first.
    private func replaceOrRefuseTable(_ db: any StoreTransaction, _ table: String, what: Message, survey: SurveyID, period: PeriodLabel?,
                                      replace: Bool) throws {
        guard let earlier = try db.fetchInteger("SELECT DISTINCT batchId FROM \(table) WHERE surveyId = ? AND period = ?",
                                                [survey.rawValue, period?.rawValue ?? ""]) else { return }
        if replace {
            try db.execute("DELETE FROM batch WHERE id = ?", [earlier])
        } else {
            throw WellBeingError(.badData, Message(.tableExists, ["survey": survey.rawValue, "batch": "\(earlier)"])
                .localizingArgument("what", what)
                .localizingArgument("period", period.map { Message(.periodPhrase, ["period": $0.rawValue]) } ?? Message(.allPeriodsPhrase)))
        }
    }

    /// The sample sizes for `survey` in `period` (a period-specific table before one for all periods).
    public func sampleSizes(survey: SurveyID, period: PeriodLabel) throws -> SampleTable? {
        try read { db in
            for key in [period.rawValue, ""] {
                let rows = try db.fetchAll("""
                    SELECT fields, cell, drawn, batchId FROM sampleCell WHERE surveyId = ? AND period = ?
                    """, [survey.rawValue, key]).sorted { StoreOrder.precedes([try $0.text(1)], [try $1.text(1)]) }
                guard let first = rows.first else { continue }
                return SampleTable(fields: try first.text(0).components(separatedBy: ","), cells: try rows.map {
                    let drawn = Double(try $0.integer(2))
                    try Self.refuseStored(drawn, NumericBounds.isPeopleCount, .countTooLarge, kind: .kindSample, batch: try $0.integer(3))
                    return PopulationTable.Cell(values: try $0.text(1).components(separatedBy: StoredBlockFormat.valueSeparator),
                                                count: drawn)
                })
            }
            return nil
        }
    }

    /// The population table for `survey` in `period` (a period-specific one before one for all periods).
    public func population(survey: SurveyID, period: PeriodLabel) throws -> PopulationTable? {
        try read { db in
            for key in [period.rawValue, ""] {
                let rows = try db.fetchAll("""
                    SELECT populationCell.fields, populationCell.cell, populationCell.count, batch.options, batch.id
                    FROM populationCell JOIN batch ON batch.id = populationCell.batchId
                    WHERE populationCell.surveyId = ? AND populationCell.period = ?
                    ORDER BY populationCell.batchId, populationCell.seq
                    """, [survey.rawValue, key])
                guard let first = rows.first else { continue }
                let fields = try first.text(0).components(separatedBy: ",")
                let cells = try rows.map {
                    let count = try $0.real(2)
                    try Self.refuseStored(count, NumericBounds.isPeopleCount, .countTooLarge, kind: .kindPopulation, batch: try $0.integer(4))
                    return PopulationTable.Cell(values: try $0.text(1).components(separatedBy: StoredBlockFormat.valueSeparator),
                                                count: count)
                }
                let margins = try PopulationTable.margins(try first.text(3), fields: fields, fileName: "store")
                return PopulationTable(fields: fields, cells: cells, margins: margins)
            }
            return nil
        }
    }

    /// Reference figures for `survey` in `period` (period-specific ones win over those for all periods).
    public func referenceFigures(survey: SurveyID, period: PeriodLabel) throws -> [String: ReferenceFigure] {
        try read { db in
            var figures: [String: ReferenceFigure] = [:]
            for key in ["", period.rawValue] {
                for row in try db.fetchAll("SELECT indicator, mean, sd, source, batchId FROM referenceFigure WHERE surveyId = ? AND period = ?",
                                           [survey.rawValue, key]) {
                    let (mean, spread, batch) = (try row.real(1), try row.optionalReal(2), try row.integer(4))
                    try Self.refuseStored(mean, NumericBounds.isMagnitude, .numberTooLarge, kind: .kindReference, batch: batch)
                    if let spread { try Self.refuseStored(spread, NumericBounds.isSpread, .spreadOutside, kind: .kindReference, batch: batch) }
                    figures[try row.text(0)] = ReferenceFigure(indicator: try row.text(0), mean: mean,
                                                               standardDeviation: spread, source: try row.text(3))
                }
            }
            return figures
        }
    }

    /// Refuses a stored number outside the bounds this version reads files with (a store written before them,
    /// or edited by hand): every later sum, ratio and conversion may then trust the numbers it is given.
    static func refuseStored(_ value: Double, _ isWithin: (Double) -> Bool, _ reason: Message, kind: MessageKey,
                             batch: Int64) throws {
        guard !isWithin(value) else { return }
        throw WellBeingError(.badData, Message(.storedValueOutside, ["batch": "\(batch)", "value": "\(value)"])
            .localizingArgument("what", Message(kind)).localizingArgument("reason", reason))
    }
}
