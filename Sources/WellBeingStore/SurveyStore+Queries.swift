import Foundation
import GRDB
import WellBeingCore
import WellBeingIngest

/// A survey in the store, with its periods and respondent counts.
public struct StoredSurvey: Sendable, Hashable {
    public var id: SurveyID
    public var instrumentVersion: String
    public var periods: [PeriodLabel: Int]
}

extension SurveyStore {
    /// Every survey with responses, and the respondents per period.
    public func surveys() throws -> [StoredSurvey] {
        try read { db in
            let rows = try Row.fetchAll(db, sql: """
                SELECT surveyId, period, sum(rowCount) AS n FROM respondentBlock GROUP BY surveyId, period
                ORDER BY surveyId, period
                """)
            var surveys: [SurveyID: StoredSurvey] = [:]
            for row in rows {
                let id = SurveyID(row["surveyId"] as String)
                let version = try String.fetchOne(db, sql: """
                    SELECT instrument.version FROM batch JOIN instrument ON instrument.id = batch.instrumentId
                    WHERE batch.surveyId = ? ORDER BY batch.id DESC LIMIT 1
                    """, arguments: [id.rawValue]) ?? "?"
                surveys[id, default: StoredSurvey(id: id, instrumentVersion: version, periods: [:])]
                    .periods[PeriodLabel(row["period"] as String)] = row["n"]
            }
            return surveys.values.sorted { $0.id < $1.id }
        }
    }

    /// The survey a command means: `requested`, or the only survey in the store.
    public func resolveSurvey(_ requested: String?) throws -> SurveyID {
        let known = try read { db in
            try String.fetchAll(db, sql: "SELECT DISTINCT surveyId FROM instrument ORDER BY surveyId")
        }
        if let requested {
            guard known.contains(requested) else {
                throw WellBeingError(.usage, "The store has no survey '\(requested)'"
                    + (known.isEmpty ? "; import responses first." : "; it has \(known.joined(separator: ", "))."))
            }
            return SurveyID(requested)
        }
        switch known.count {
        case 0: throw WellBeingError(.usage, "The store holds no survey yet. Import responses first: "
                    + "wellbeing import responses FILE --instrument Surveys/lwc.yaml --period 2025")
        case 1: return SurveyID(known[0])
        default: throw WellBeingError(.usage, "The store holds several surveys (\(known.joined(separator: ", "))); "
                    + "say which with --survey.")
        }
    }

    /// The instrument most recently imported for `survey`.
    public func instrument(for survey: SurveyID) throws -> LoadedInstrument {
        let row = try read { db in
            try Row.fetchOne(db, sql: """
                SELECT instrument.yaml, instrument.fileName FROM instrument
                LEFT JOIN batch ON batch.instrumentId = instrument.id
                WHERE instrument.surveyId = ? ORDER BY batch.id DESC, instrument.id DESC LIMIT 1
                """, arguments: [survey.rawValue])
        }
        guard let row else {
            throw WellBeingError(.usage, "The store has no instrument for the survey '\(survey)'.")
        }
        return try InstrumentLoader.parse(row["yaml"], fileName: row["fileName"])
    }

    /// Loads every respondent of `survey` in `period` into compact columns.
    ///
    /// Rows imported with another version of the instrument are mapped onto the current one by item id;
    /// items the older version lacked count as missing.
    public func responses(survey: SurveyID, period: PeriodLabel) throws -> ResponseMatrix {
        let current = try instrument(for: survey).instrument
        let itemCount = current.items.count
        return try read { db in
            // Layout of every instrument version used in this period, mapped onto the current items.
            var layouts: [Int64: [Int]] = [:]
            let batchInstruments = try Row.fetchAll(db, sql: """
                SELECT batch.id, instrument.id, instrument.yaml, instrument.fileName FROM batch
                JOIN instrument ON instrument.id = batch.instrumentId
                WHERE batch.surveyId = ? AND batch.kind = 'responses'
                """, arguments: [survey.rawValue])
            var layoutOfInstrument: [Int64: [Int]] = [:]  // each stored version parsed once
            for row in batchInstruments {
                let instrumentID: Int64 = row[1]
                if layoutOfInstrument[instrumentID] == nil {
                    let oldIndex = try InstrumentLoader.parse(row[2], fileName: row[3]).instrument.itemIndex
                    layoutOfInstrument[instrumentID] = current.items.map { oldIndex[$0.id] ?? -1 }
                }
                layouts[row[0]] = layoutOfInstrument[instrumentID]
            }
            let identity = Array(0..<itemCount)

            var groupLookup: [String: Int32] = [:]
            var groupNames: [String] = []
            let attributeCount = current.respondent.attributes.count
            var attributeLookup = [[String: Int32]](repeating: [:], count: attributeCount)
            var attributeNames = [[String]](repeating: [], count: attributeCount)
            var groupCodes: [Int32] = []
            var attributeCodes = [[Int32]](repeating: [], count: attributeCount)
            var weights: [Double] = []
            var allWeighted = true
            var answers: [UInt8] = []
            var count = 0

            let blocks = try Row.fetchCursor(db, sql: """
                SELECT batchId, rowCount, itemCount, attributeCount, groupNames, groupCodes, attributeValues,
                       attributeCodes, designWeights, answers
                FROM respondentBlock WHERE surveyId = ? AND period = ? ORDER BY id
                """, arguments: [survey.rawValue, period.rawValue])
            while let block = try blocks.next() {
                let batchID: Int64 = block[0]
                let rows: Int = block[1]
                let storedItems: Int = block[2]
                let storedAttributes: Int = block[3]
                // Block-local codes → codes of this matrix.
                let localGroups = StoredBlockFormat.split(block[4], by: StoredBlockFormat.valueSeparator).map { name -> Int32 in
                    if let code = groupLookup[name] { return code }
                    let code = Int32(groupNames.count)
                    groupLookup[name] = code
                    groupNames.append(name)
                    return code
                }
                let lists = StoredBlockFormat.split(block[6], by: StoredBlockFormat.listSeparator)
                var localAttributes: [[Int32]] = []
                for attribute in 0..<attributeCount {
                    let values = attribute < lists.count && attribute < storedAttributes
                        ? StoredBlockFormat.split(lists[attribute], by: StoredBlockFormat.valueSeparator) : [""]
                    localAttributes.append(values.map { value in
                        if let code = attributeLookup[attribute][value] { return code }
                        let code = Int32(attributeNames[attribute].count)
                        attributeLookup[attribute][value] = code
                        attributeNames[attribute].append(value)
                        return code
                    })
                }
                let groupData: Data = block[5]
                groupData.withUnsafeBytes { raw in
                    for row in 0..<rows { groupCodes.append(localGroups[Int(raw.loadUnaligned(fromByteOffset: row * 2, as: UInt16.self))]) }
                }
                let attributeData: Data = block[7]
                attributeData.withUnsafeBytes { raw in
                    for attribute in 0..<attributeCount {
                        if attribute >= storedAttributes {
                            attributeCodes[attribute].append(contentsOf: repeatElement(localAttributes[attribute][0], count: rows))
                            continue
                        }
                        for row in 0..<rows {
                            let offset = (row * storedAttributes + attribute) * 2
                            attributeCodes[attribute].append(localAttributes[attribute][Int(raw.loadUnaligned(fromByteOffset: offset, as: UInt16.self))])
                        }
                    }
                }
                if let weightData = block[8] as Data? {
                    weightData.withUnsafeBytes { raw in
                        for row in 0..<rows { weights.append(raw.loadUnaligned(fromByteOffset: row * 8, as: Double.self)) }
                    }
                } else {
                    allWeighted = false
                }
                let answerData: Data = block[9]
                let layout = layouts[batchID] ?? identity
                if layout == identity && storedItems == itemCount {
                    answers.append(contentsOf: answerData)
                } else {
                    answerData.withUnsafeBytes { (raw: UnsafeRawBufferPointer) in
                        for row in 0..<rows {
                            for old in layout {
                                answers.append(old >= 0 && old < storedItems ? raw[row * storedItems + old] : 0)
                            }
                        }
                    }
                }
                count += rows
            }
            // Report order: the instrument's listed groups first, then any others by name.
            let listed = current.respondent.group.values.map(\.rawValue)
            let ordered = listed.filter { groupLookup[$0] != nil } + groupNames.filter { !listed.contains($0) }.sorted()
            let position = Dictionary(uniqueKeysWithValues: ordered.enumerated().map { ($0.element, Int32($0.offset)) })
            let remap = groupNames.map { position[$0]! }
            groupCodes = groupCodes.map { remap[Int($0)] }
            // Attribute values sorted, codes remapped.
            for attribute in 0..<attributeCount {
                let sorted = attributeNames[attribute].sorted()
                let sortedPosition = Dictionary(uniqueKeysWithValues: sorted.enumerated().map { ($0.element, Int32($0.offset)) })
                let attributeRemap = attributeNames[attribute].map { sortedPosition[$0]! }
                attributeCodes[attribute] = attributeCodes[attribute].map { attributeRemap[Int($0)] }
                attributeNames[attribute] = sorted
            }
            return ResponseMatrix(instrument: current, period: period, groups: ordered.map { GroupName($0) },
                                  groupCodes: groupCodes, attributeValues: attributeNames, attributeCodes: attributeCodes,
                                  designWeights: allWeighted && count > 0 ? weights : nil, answers: answers,
                                  respondentCount: count)
        }
    }

    /// Free-text answers of `survey` in `period`, with the respondent's group, in import order.
    public func freeText(survey: SurveyID, period: PeriodLabel) throws -> [(group: GroupName, field: String, text: String)] {
        try read { db in
            try Row.fetchAll(db, sql: """
                SELECT groupName, field, text FROM freeText WHERE surveyId = ? AND period = ? ORDER BY rowid
                """, arguments: [survey.rawValue, period.rawValue]).map {
                (GroupName($0[0] as String), $0[1] as String, $0[2] as String)
            }
        }
    }
}
