import Foundation
import WellBeingCore

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
            let rows = try db.fetchAll("""
                SELECT surveyId, period, CAST(sum(rowCount) AS BIGINT) AS n FROM respondentBlock GROUP BY surveyId, period
                ORDER BY surveyId, period
                """)
            var surveys: [SurveyID: StoredSurvey] = [:]
            for row in rows {
                let id = SurveyID(try row.text(0))
                let version = try db.fetchOne("""
                    SELECT instrument.version FROM batch JOIN instrument ON instrument.id = batch.instrumentId
                    WHERE batch.surveyId = ? ORDER BY batch.id DESC LIMIT 1
                    """, [id.rawValue]).map { try $0.text(0) } ?? "?"
                surveys[id, default: StoredSurvey(id: id, instrumentVersion: version, periods: [:])]
                    .periods[PeriodLabel(try row.text(1))] = try row.int(2)
            }
            return surveys.values.sorted { $0.id < $1.id }
        }
    }

    /// The survey a command means: `requested`, or the only survey in the store.
    public func resolveSurvey(_ requested: String?) throws -> SurveyID {
        let known = try read { db in
            try db.fetchTexts("SELECT DISTINCT surveyId FROM instrument").sorted { StoreOrder.precedes([$0], [$1]) }
        }
        if let requested {
            guard known.contains(requested) else {
                throw WellBeingError(.usage, known.isEmpty ? Message(.noSurveyYet)
                    : Message(.noSurveyNamed, ["survey": requested, "known": known.joined(separator: ", ")]))
            }
            return SurveyID(requested)
        }
        switch known.count {
        case 0: throw WellBeingError(.usage, Message(.noSurveyYet))
        case 1: return SurveyID(known[0])
        default: throw WellBeingError(.usage, Message(.severalSurveys, ["known": known.joined(separator: ", ")]))
        }
    }

    /// The instrument most recently imported for `survey`.
    public func instrument(for survey: SurveyID) throws -> LoadedInstrument {
        let row = try read { db in
            try db.fetchOne("""
                SELECT instrument.yaml, instrument.fileName FROM instrument
                LEFT JOIN batch ON batch.instrumentId = instrument.id
                WHERE instrument.surveyId = ? ORDER BY batch.id IS NULL, batch.id DESC, instrument.id DESC LIMIT 1
                """, [survey.rawValue])
        }
        guard let row else {
            throw WellBeingError(.usage, Message(.noInstrumentFor, ["survey": survey.rawValue]))
        }
        return try instruments.decode(try row.text(0), fileName: try row.text(1))
    }

    /// Loads every respondent of `survey` in `period` into compact columns.
    ///
    /// Rows imported with another version of the instrument are mapped onto the current one by item id;
    /// items the older version lacked count as missing.
    public func responses(survey: SurveyID, period: PeriodLabel) throws -> ResponseMatrix {
        let current = try instrument(for: survey).instrument
        let itemCount = current.items.count
        return try read { db in
            // Layout of every instrument version used in this period: where each current item stands in that
            // version's answer bytes (-1: absent), and how many items the version stores.
            var layouts: [Int64: (positions: [Int], itemCount: Int)] = [:]
            let batchInstruments = try db.fetchAll("""
                SELECT batch.id, instrument.id, instrument.yaml, instrument.fileName FROM batch
                JOIN instrument ON instrument.id = batch.instrumentId
                WHERE batch.surveyId = ? AND batch.kind = 'responses' ORDER BY batch.id
                """, [survey.rawValue])
            var layoutOfInstrument: [Int64: (positions: [Int], itemCount: Int)] = [:]  // each stored version parsed once
            for row in batchInstruments {
                let batchID = try row.integer(0)
                let instrumentID = try row.integer(1)
                if layoutOfInstrument[instrumentID] == nil {
                    let old = try instruments.decode(try row.text(2), fileName: try row.text(3)).instrument
                    try Self.refuseChangedScales(old: old, current: current, batch: batchID)
                    let oldIndex = old.itemIndex
                    layoutOfInstrument[instrumentID] = (current.items.map { oldIndex[$0.id] ?? -1 }, old.items.count)
                }
                layouts[batchID] = layoutOfInstrument[instrumentID]
            }
            // The valid answer bytes of each item: 0 (missing) or answer + 1 within the item's scale.
            let lowestByte = current.items.map { UInt8(current.scale(of: $0).minimum + 1) }
            let highestByte = current.items.map { UInt8(current.scale(of: $0).maximum + 1) }
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

            // Blocks in (batch, position) order: the summation order, the same on every backend.
            try db.forEachRow("""
                SELECT batchId, rowCount, itemCount, attributeCount, groupNames, groupCodes, attributeValues,
                       attributeCodes, designWeights, answers, id
                FROM respondentBlock WHERE surveyId = ? AND period = ? ORDER BY batchId, id
                """, [survey.rawValue, period.rawValue]) { block in
                let batchID = try block.integer(0)
                let rows = try block.int(1)
                let storedItems = try block.int(2)
                let storedAttributes = try block.int(3)
                let blockID = try block.integer(10)
                func damaged(_ detail: String) -> WellBeingError {
                    WellBeingError(.badData, Message(.storeBlockDamaged, ["path": path, "batch": "\(batchID)", "block": "\(blockID)",
                                                                          "detail": "\(detail)"]))
                }
                let groupData = try block.blob(5)
                let attributeData = try block.blob(7)
                let weightData = try block.optionalBlob(8)
                let answerData = try block.blob(9)
                guard rows > 0, storedAttributes >= 0, storedItems == (layouts[batchID]?.itemCount ?? itemCount) else {
                    throw damaged("\(rows) rows of \(storedItems) answers do not fit the batch's instrument")
                }
                guard groupData.count == rows * 2, attributeData.count == rows * storedAttributes * 2,
                      weightData.map({ $0.count == rows * 8 }) ?? true, answerData.count == rows * storedItems else {
                    throw damaged("its columns do not hold \(rows) rows")
                }
                // Block-local codes → codes of this matrix.
                let localNames = StoredBlockFormat.split(try block.text(4), by: StoredBlockFormat.valueSeparator)
                guard !localNames.contains(where: \.isEmpty) else { throw damaged("a group without a name") }
                let localGroups = localNames.map { name -> Int32 in
                    if let code = groupLookup[name] { return code }
                    let code = Int32(groupNames.count)
                    groupLookup[name] = code
                    groupNames.append(name)
                    return code
                }
                let lists = StoredBlockFormat.split(try block.text(6), by: StoredBlockFormat.listSeparator)
                guard storedAttributes == 0 || lists.count == storedAttributes else {
                    throw damaged("\(lists.count) attribute value lists for \(storedAttributes) attributes")
                }
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
                let badGroup: Int? = groupData.withUnsafeBytes { raw in
                    for row in 0..<rows {
                        let code = Int(UInt16(littleEndian: raw.loadUnaligned(fromByteOffset: row * 2, as: UInt16.self)))
                        guard code < localGroups.count else { return code }
                        groupCodes.append(localGroups[code])
                    }
                    return nil
                }
                if let badGroup { throw damaged("group code \(badGroup) of \(localGroups.count) group(s)") }
                let badAttribute: (Int, Int)? = attributeData.withUnsafeBytes { raw in
                    for attribute in 0..<attributeCount {
                        if attribute >= storedAttributes {
                            attributeCodes[attribute].append(contentsOf: repeatElement(localAttributes[attribute][0], count: rows))
                            continue
                        }
                        let local = localAttributes[attribute]
                        for row in 0..<rows {
                            let offset = (row * storedAttributes + attribute) * 2
                            let code = Int(UInt16(littleEndian: raw.loadUnaligned(fromByteOffset: offset, as: UInt16.self)))
                            guard code < local.count else { return (attribute, code) }
                            attributeCodes[attribute].append(local[code])
                        }
                    }
                    return nil
                }
                if let (attribute, code) = badAttribute {
                    throw damaged("code \(code) of attribute \(current.respondent.attributes[attribute].column.name)")
                }
                if let weightData {
                    let badWeight = weightData.withUnsafeBytes { raw -> Double? in
                        for row in 0..<rows {
                            let weight = Double(bitPattern: UInt64(littleEndian: raw.loadUnaligned(fromByteOffset: row * 8, as: UInt64.self)))
                            guard weight.isFinite, weight >= 0 else { return weight }
                            weights.append(weight)
                        }
                        return nil
                    }
                    if let badWeight { throw damaged("a design weight of \(badWeight)") }
                } else {
                    allWeighted = false
                }
                let layout = layouts[batchID]?.positions ?? identity
                let start = answers.count
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
                let badAnswer: (row: Int, item: Int, byte: UInt8)? = answers.withUnsafeBufferPointer { all in
                    var offset = start
                    for row in 0..<rows {
                        for item in 0..<itemCount {
                            let byte = all[offset]
                            if byte != 0 && (byte < lowestByte[item] || byte > highestByte[item]) { return (row, item, byte) }
                            offset += 1
                        }
                    }
                    return nil
                }
                if let badAnswer {
                    let item = current.items[badAnswer.item]
                    throw damaged("row \(badAnswer.row + 1) holds the answer \(Int(badAnswer.byte) - 1) to \(item.id), "
                        + "outside \(current.scale(of: item).rangeText)")
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

    /// Refuses to combine answers to an item whose scale or scoring differs between two stored versions of
    /// the instrument: old answers are mapped onto the current instrument by item id, and averaging answers
    /// on 0–10 with answers on 1–5 (or reverse-scored with plain ones) would give meaningless figures.
    static func refuseChangedScales(old: Instrument, current: Instrument, batch: Int64) throws {
        let oldIndex = old.itemIndex
        for item in current.items {
            guard let position = oldIndex[item.id] else { continue }
            let before = old.items[position]
            guard let oldScale = old.scales[before.scaleID], let newScale = current.scales[item.scaleID] else { continue }
            let sameScale = oldScale.minimum == newScale.minimum && oldScale.maximum == newScale.maximum
            guard !sameScale || before.isReversed != item.isReversed else { continue }
            let change = sameScale
                ? Message(item.isReversed ? .changeNowReversed : .changeNoLongerReversed)
                : Message(.changeRange, ["new": newScale.rangeText, "old": oldScale.rangeText])
            throw WellBeingError(.badData, Message(.itemScaleChanged, [
                "item": item.id.rawValue, "batch": "\(batch)", "survey": old.id.rawValue,
                "old": old.version, "current": current.version]).localizingArgument("change", change))
        }
    }

    /// Free-text answers of `survey` in `period`, with the respondent's group, in import order.
    public func freeText(survey: SurveyID, period: PeriodLabel) throws -> [(group: GroupName, field: String, text: String)] {
        try read { db in
            try db.fetchAll("""
                SELECT groupName, field, text FROM freeText WHERE surveyId = ? AND period = ? ORDER BY batchId, seq
                """, [survey.rawValue, period.rawValue]).map {
                (GroupName(try $0.text(0)), try $0.text(1), try $0.text(2))
            }
        }
    }

    /// The first and last day the respondents of `survey` in `period` answered, over every batch whose period came
    /// from a date column; nil when none did.
    public func answeredDays(survey: SurveyID, period: PeriodLabel) throws -> AnsweredDays? {
        try read { db in
            guard let row = try db.fetchOne("SELECT MIN(firstDay), MAX(lastDay) FROM answeredDays WHERE surveyId = ? AND period = ?",
                                            [survey.rawValue, period.rawValue]),
                  let first = try row.optionalText(0), let last = try row.optionalText(1) else { return nil }
            return AnsweredDays(first: first, last: last)
        }
    }
}
