import Foundation
import WellBeingCore

extension SurveyStore {
    /// Imports a plan's target table (DESIGN §23) as one batch of `survey`.
    ///
    /// A target already stored for the same plan, indicator, measure, group and period is refused, each listed with
    /// its line and the batch that holds it; with `replace` every batch holding one of them is deleted first, so a
    /// revised table replaces the earlier one whole.
    ///
    /// - Parameter rows: the checked targets (read by WellBeingIngest), each with the line it stands on in `table`.
    public func importTargets(_ rows: [(target: PlanTarget, line: Int)], survey: SurveyID, table: ImportedFile, sheet: String?,
                              replace: Bool) throws -> SmallImportOutcome {
        return try write(survey: survey) { db in
            var replaced: [Int64] = []
            if replace, let earlier = try db.fetchInteger("SELECT id FROM batch WHERE kind = ? AND surveyId = ? AND sha256 = ?",
                                                          [Batch.Kind.targets.rawValue, survey.rawValue, table.sha256]) {
                replaced.append(earlier)
            }
            try handleRepeatedFile(db, kind: .targets, survey: survey, sha256: table.sha256, fileName: table.fileName,
                                   replace: replace)
            var holders: [String: Int64] = [:]
            try db.forEachRow("SELECT plan, indicator, measure, groupName, period, batchId FROM planTarget WHERE surveyId = ?",
                              [survey.rawValue]) { row in
                holders[[try row.text(0), try row.text(1), try row.text(2), try row.text(3), try row.text(4)]
                    .joined(separator: "\u{1F}")] = try row.integer(5)
            }
            var conflicts: [DataProblem] = []
            var clashing: Set<Int64> = []
            for (target, line) in rows {
                guard let holder = holders[Self.targetKey(target)] else { continue }
                clashing.insert(holder)
                conflicts.append(DataProblem(location: SourceLocation(file: table.fileName, line: line, sheet: sheet),
                                             message: Message(.targetAlreadyImported, [
                                                "indicator": target.indicator, "period": target.period.rawValue,
                                                "batch": "\(holder)"])))
            }
            if !conflicts.isEmpty && !replace {
                throw WellBeingError.badData(Message(.targetsRepeat, ["file": table.fileName]), problems: conflicts)
            }
            for batch in clashing.sorted() {
                try db.execute("DELETE FROM batch WHERE id = ?", [batch])
                replaced.append(batch)
            }
            let periods = Set(rows.map(\.target.period.rawValue)).sorted()
            let plans = rows.map(\.target.plan).filter { !$0.isEmpty }.reduce(into: [String]()) { if !$0.contains($1) { $0.append($1) } }
            let batchID = try insertBatch(db, kind: .targets, survey: survey, instrumentID: nil, fileName: table.fileName,
                                          sha256: table.sha256, rowCount: rows.count, rejectedCount: 0,
                                          periods: periods, encoding: table.encodingName, options: plans.joined(separator: ", "))
            try db.insertRows(into: "planTarget", columns: [
                "batchId", "surveyId", "seq", "plan", "indicator", "measure", "groupName", "period", "baselinePeriod", "target",
                "direction",
            ], rows: rows.enumerated().map { position, row in
                let target = row.target
                return [.integer(batchID), .text(survey.rawValue), .integer(Int64(position)), .text(target.plan),
                        .text(target.indicator), .text(target.measure.rawValue), .text(target.group?.rawValue ?? ""),
                        .text(target.period.rawValue), .text(target.baselinePeriod?.rawValue ?? ""), .real(target.target),
                        .text(target.direction.rawValue)]
            })
            var outcome = SmallImportOutcome(batchID: batchID, fileName: table.fileName, rowCount: rows.count,
                                             periods: periods.map { PeriodLabel($0) },
                                             detail: Message(.detailTargets, ["count": "\(rows.count)"]))
            outcome.replacedBatches = replaced
            return outcome
        }
    }

    /// The targets of `survey` for `period` (every period when nil), in the order they were imported.
    public func targets(survey: SurveyID, period: PeriodLabel? = nil) throws -> [PlanTarget] {
        try read { db in
            var sql = """
                SELECT plan, indicator, measure, groupName, period, baselinePeriod, target, direction FROM planTarget
                WHERE surveyId = ?
                """
            var arguments: [StoreValue] = [.text(survey.rawValue)]
            if let period {
                sql += " AND period = ?"
                arguments.append(.text(period.rawValue))
            }
            return try db.fetchAll(sql + " ORDER BY batchId, seq", arguments).map { row in
                let group = try row.text(3), baseline = try row.text(5)
                return PlanTarget(indicator: try row.text(1), measure: PlanTarget.Measure(rawValue: try row.text(2)) ?? .mean,
                                  group: group.isEmpty ? nil : GroupName(group), period: PeriodLabel(try row.text(4)),
                                  baselinePeriod: baseline.isEmpty ? nil : PeriodLabel(baseline), target: try row.real(6),
                                  direction: PlanTarget.Direction(rawValue: try row.text(7)) ?? .higher, plan: try row.text(0))
            }
        }
    }

    static func targetKey(_ target: PlanTarget) -> String {
        [target.plan, target.indicator, target.measure.rawValue, target.group?.rawValue ?? "", target.period.rawValue]
            .joined(separator: "\u{1F}")
    }
}
