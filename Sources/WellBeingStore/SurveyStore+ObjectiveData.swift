import Foundation
import GRDB
import WellBeingCore
import WellBeingIngest

/// The outcome of importing a small file (KPIs, population, reference figures).
public struct SmallImportOutcome: Sendable {
    public var batchID: Int64
    public var fileName: String
    public var rowCount: Int
    public var periods: [PeriodLabel]
    /// What was imported, in a few words (margins and total, strata and number drawn, …).
    public var detail: Message
}

extension SurveyStore {
    /// Imports a KPI catalogue and its values (`kpi,group,period,value`) as one batch.
    ///
    /// A value already stored for the same KPI, group and period is refused, naming the batch that holds it.
    public func importKPIs(valuesPath: String, catalogPath: String, survey requested: String?,
                           encoding: TextEncoding?, sheet: String? = nil, replace: Bool) throws -> SmallImportOutcome {
        let survey = try resolveSurvey(requested)
        let instrument = try instrument(for: survey).instrument
        let (catalog, _) = try KPICatalogLoader.load(path: catalogPath, instrument: instrument)
        let table = try TableFile.read(path: valuesPath, encoding: encoding, sheet: sheet)
        let values = try ObjectiveDataParser.kpiValues(table, catalog: catalog, instrument: instrument)
        return try write { db in
            try handleRepeatedFile(db, kind: .kpis, survey: survey, sha256: table.sha256, fileName: table.fileName,
                                   replace: replace)
            let periods = Set(values.map(\.period.rawValue)).sorted()
            let batchID = try insertBatch(db, kind: .kpis, survey: survey, instrumentID: nil, fileName: table.fileName,
                                          sha256: table.sha256, rowCount: values.count, rejectedCount: 0,
                                          periods: periods, encoding: table.encodingName,
                                          options: "catalog \((catalogPath as NSString).lastPathComponent)")
            for kpi in catalog.kpis {
                try db.execute(sql: """
                    INSERT INTO kpiDefinition (batchId, surveyId, kpiId, nameJa, nameEn, category, direction, unit, source)
                    VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
                    """, arguments: [batchID, survey.rawValue, kpi.id.rawValue, kpi.name.ja, kpi.name.en,
                                     kpi.category.rawValue, kpi.direction, kpi.unit, kpi.source])
            }
            let insert = try db.makeStatement(sql: """
                INSERT INTO kpiValue (batchId, surveyId, kpiId, groupName, period, value) VALUES (?, ?, ?, ?, ?, ?)
                """)
            var conflicts: [DataProblem] = []
            for (index, value) in values.enumerated() {
                do {
                    try insert.execute(arguments: [batchID, survey.rawValue, value.kpi.rawValue, value.group.rawValue,
                                                   value.period.rawValue, value.value])
                } catch let error as DatabaseError where error.resultCode == .SQLITE_CONSTRAINT {
                    let holder = try Int64.fetchOne(db, sql: """
                        SELECT batchId FROM kpiValue WHERE surveyId = ? AND kpiId = ? AND groupName = ? AND period = ?
                        """, arguments: [survey.rawValue, value.kpi.rawValue, value.group.rawValue, value.period.rawValue])
                    conflicts.append(table.problem(table.rows[index], column: nil, Message(.kpiAlreadyImported, [
                        "kpi": value.kpi.rawValue, "group": value.group.rawValue, "period": value.period.rawValue,
                        "batch": holder.map { "\($0)" } ?? "?"])))
                }
            }
            if !conflicts.isEmpty {
                throw WellBeingError.badData(Message(.kpiRepeats, ["file": table.fileName]), problems: conflicts)
            }
            return SmallImportOutcome(batchID: batchID, fileName: table.fileName, rowCount: values.count,
                                      periods: periods.map { PeriodLabel($0) },
                                      detail: Message(.detailKPIs, ["count": "\(catalog.kpis.count)"]))
        }
    }

    /// Imports population counts by respondent fields, and the margins to rake to, for one period or all.
    ///
    /// Only one population table per survey and period: a second is refused unless `replace` is set.
    public func importPopulation(path: String, survey requested: String?, period: PeriodLabel?, marginSpec: String?,
                                 encoding: TextEncoding?, sheet: String? = nil, replace: Bool) throws -> SmallImportOutcome {
        let survey = try resolveSurvey(requested)
        let instrument = try instrument(for: survey).instrument
        let table = try TableFile.read(path: path, encoding: encoding, sheet: sheet)
        let population = try ObjectiveDataParser.population(table, instrument: instrument, marginSpec: marginSpec)
        let periodKey = period?.rawValue ?? ""
        return try write { db in
            try handleRepeatedFile(db, kind: .population, survey: survey, sha256: table.sha256, fileName: table.fileName,
                                   replace: replace)
            try replaceOrRefuseTable(db, "populationCell", what: Message(.tablePopulation), survey: survey, period: period,
                                     replace: replace)
            let batchID = try insertBatch(db, kind: .population, survey: survey, instrumentID: nil, fileName: table.fileName,
                                          sha256: table.sha256, rowCount: population.cells.count, rejectedCount: 0,
                                          periods: period.map { [$0.rawValue] } ?? [], encoding: table.encodingName,
                                          options: population.marginSpec)
            let fields = population.fields.joined(separator: ",")
            let insert = try db.makeStatement(sql: """
                INSERT INTO populationCell (batchId, surveyId, period, fields, cell, count) VALUES (?, ?, ?, ?, ?, ?)
                """)
            for cell in population.cells {
                try insert.execute(arguments: [batchID, survey.rawValue, periodKey, fields,
                                               cell.values.joined(separator: StoredBlockFormat.valueSeparator), cell.count])
            }
            return SmallImportOutcome(batchID: batchID, fileName: table.fileName, rowCount: population.cells.count,
                                      periods: period.map { [$0] } ?? [],
                                      detail: Message(.detailMargins, ["spec": population.marginSpec, "total": "\(Int(population.total.rounded()))"]))
        }
    }

    /// Imports reference figures (`indicator,mean,sd,source`) for one period or all.
    public func importReference(path: String, survey requested: String?, period: PeriodLabel?, encoding: TextEncoding?, sheet: String? = nil,
                                replace: Bool) throws -> SmallImportOutcome {
        let survey = try resolveSurvey(requested)
        let instrument = try instrument(for: survey).instrument
        let kpiIDs = try read { db in
            Set(try String.fetchAll(db, sql: "SELECT DISTINCT kpiId FROM kpiDefinition WHERE surveyId = ?",
                                    arguments: [survey.rawValue]))
        }
        let table = try TableFile.read(path: path, encoding: encoding, sheet: sheet)
        let figures = try ObjectiveDataParser.referenceFigures(table, instrument: instrument, kpiIDs: kpiIDs)
        // A row's own period, else --period, else every period ("").
        func key(_ row: (figure: ReferenceFigure, period: String?)) -> String { row.period ?? period?.rawValue ?? "" }
        let periods = Set(figures.map(key)).filter { !$0.isEmpty }.sorted()
        return try write { db in
            try handleRepeatedFile(db, kind: .reference, survey: survey, sha256: table.sha256, fileName: table.fileName,
                                   replace: replace)
            var clashing: [(indicator: String, period: String, batch: Int64)] = []
            for row in figures {
                if let batch = try Int64.fetchOne(db, sql: """
                    SELECT batchId FROM referenceFigure WHERE surveyId = ? AND period = ? AND indicator = ?
                    """, arguments: [survey.rawValue, key(row), row.figure.indicator]) {
                    clashing.append((row.figure.indicator, key(row), batch))
                }
            }
            if !clashing.isEmpty {
                if replace {
                    for clash in clashing {
                        try db.execute(sql: "DELETE FROM referenceFigure WHERE surveyId = ? AND period = ? AND indicator = ?",
                                       arguments: [survey.rawValue, clash.period, clash.indicator])
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
            for row in figures {
                try db.execute(sql: """
                    INSERT INTO referenceFigure (batchId, surveyId, period, indicator, mean, sd, source) VALUES (?, ?, ?, ?, ?, ?, ?)
                    """, arguments: [batchID, survey.rawValue, key(row), row.figure.indicator, row.figure.mean,
                                     row.figure.standardDeviation, row.figure.source])
            }
            let mode = Message(figures.contains { $0.figure.standardDeviation == nil } ? .detailBenchmarks : .detailReference)
            return SmallImportOutcome(batchID: batchID, fileName: table.fileName, rowCount: figures.count,
                                      periods: periods.map { PeriodLabel($0) }, detail: mode)
        }
    }

    /// The KPI catalogue of `survey` (each KPI as last imported).
    public func kpiCatalog(survey: SurveyID) throws -> KPICatalog {
        try read { db in
            let rows = try Row.fetchAll(db, sql: """
                SELECT * FROM kpiDefinition WHERE surveyId = ? AND batchId = (
                    SELECT max(batchId) FROM kpiDefinition AS latest WHERE latest.surveyId = kpiDefinition.surveyId
                    AND latest.kpiId = kpiDefinition.kpiId)
                ORDER BY category, kpiId
                """, arguments: [survey.rawValue])
            return KPICatalog(survey: survey, kpis: rows.map { row in
                KPIDefinition(id: KPIID(row["kpiId"] as String), name: LocalizedText(ja: row["nameJa"], en: row["nameEn"]),
                              category: IndicatorID(row["category"] as String), direction: row["direction"],
                              unit: row["unit"], source: row["source"])
            })
        }
    }

    /// The KPI values of `survey` for `period`.
    public func kpiValues(survey: SurveyID, period: PeriodLabel) throws -> [KPIValue] {
        try read { db in
            try Row.fetchAll(db, sql: "SELECT kpiId, groupName, value FROM kpiValue WHERE surveyId = ? AND period = ? ORDER BY kpiId, groupName",
                             arguments: [survey.rawValue, period.rawValue]).map {
                KPIValue(kpi: KPIID($0[0] as String), group: GroupName($0[1] as String), period: period, value: $0[2])
            }
        }
    }

    /// Imports how many people were drawn into the sample, by stratum, for one period or all.
    ///
    /// One sample table per survey and period: a second is refused unless `replace` is set.
    public func importSample(path: String, survey requested: String?, period: PeriodLabel?, encoding: TextEncoding?, sheet: String? = nil,
                             replace: Bool) throws -> SmallImportOutcome {
        let survey = try resolveSurvey(requested)
        let instrument = try instrument(for: survey).instrument
        let table = try TableFile.read(path: path, encoding: encoding, sheet: sheet)
        let sample = try ObjectiveDataParser.sampleSizes(table, instrument: instrument)
        let periodKey = period?.rawValue ?? ""
        return try write { db in
            try handleRepeatedFile(db, kind: .sample, survey: survey, sha256: table.sha256, fileName: table.fileName,
                                   replace: replace)
            try replaceOrRefuseTable(db, "sampleCell", what: Message(.tableSample), survey: survey, period: period, replace: replace)
            let batchID = try insertBatch(db, kind: .sample, survey: survey, instrumentID: nil, fileName: table.fileName,
                                          sha256: table.sha256, rowCount: sample.cells.count, rejectedCount: 0,
                                          periods: period.map { [$0.rawValue] } ?? [], encoding: table.encodingName,
                                          options: sample.fields.joined(separator: "*"))
            let insert = try db.makeStatement(sql: """
                INSERT INTO sampleCell (batchId, surveyId, period, fields, cell, drawn) VALUES (?, ?, ?, ?, ?, ?)
                """)
            for cell in sample.cells {
                try insert.execute(arguments: [batchID, survey.rawValue, periodKey, sample.fields.joined(separator: ","),
                                               cell.values.joined(separator: StoredBlockFormat.valueSeparator), Int(cell.count)])
            }
            return SmallImportOutcome(batchID: batchID, fileName: table.fileName, rowCount: sample.cells.count,
                                      periods: period.map { [$0] } ?? [],
                                      detail: Message(.detailStrata, ["fields": sample.fields.joined(separator: "*"), "total": "\(sample.total)"]))
        }
    }

    /// Refuses a second table (population margins, sample sizes) for the same survey and period, or with
    /// `replace` deletes the batch that holds the first.
    private func replaceOrRefuseTable(_ db: Database, _ table: String, what: Message, survey: SurveyID, period: PeriodLabel?,
                                      replace: Bool) throws {
        guard let earlier = try Int64.fetchOne(db, sql: "SELECT DISTINCT batchId FROM \(table) WHERE surveyId = ? AND period = ?",
                                               arguments: [survey.rawValue, period?.rawValue ?? ""]) else { return }
        if replace {
            try db.execute(sql: "DELETE FROM batch WHERE id = ?", arguments: [earlier])
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
                let rows = try Row.fetchAll(db, sql: """
                    SELECT fields, cell, drawn FROM sampleCell WHERE surveyId = ? AND period = ? ORDER BY cell
                    """, arguments: [survey.rawValue, key])
                guard let first = rows.first else { continue }
                return SampleTable(fields: (first[0] as String).components(separatedBy: ","), cells: rows.map {
                    PopulationTable.Cell(values: ($0[1] as String).components(separatedBy: StoredBlockFormat.valueSeparator),
                                         count: Double($0[2] as Int))
                })
            }
            return nil
        }
    }

    /// The population table for `survey` in `period` (a period-specific one before one for all periods).
    public func population(survey: SurveyID, period: PeriodLabel) throws -> PopulationTable? {
        try read { db in
            for key in [period.rawValue, ""] {
                let rows = try Row.fetchAll(db, sql: """
                    SELECT populationCell.fields, populationCell.cell, populationCell.count, batch.options
                    FROM populationCell JOIN batch ON batch.id = populationCell.batchId
                    WHERE populationCell.surveyId = ? AND populationCell.period = ? ORDER BY populationCell.rowid
                    """, arguments: [survey.rawValue, key])
                guard let first = rows.first else { continue }
                let fields = (first[0] as String).components(separatedBy: ",")
                let cells = rows.map {
                    PopulationTable.Cell(values: ($0[1] as String).components(separatedBy: StoredBlockFormat.valueSeparator),
                                         count: $0[2])
                }
                let margins = try ObjectiveDataParser.parseMargins(first[3] as String, fields: fields, fileName: "store")
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
                for row in try Row.fetchAll(db, sql: "SELECT indicator, mean, sd, source FROM referenceFigure WHERE surveyId = ? AND period = ?",
                                            arguments: [survey.rawValue, key]) {
                    figures[row[0]] = ReferenceFigure(indicator: row[0], mean: row[1], standardDeviation: row[2] as Double?,
                                                      source: row[3])
                }
            }
            return figures
        }
    }
}
