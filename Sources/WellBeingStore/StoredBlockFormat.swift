import Foundation
import WellBeingCore

/// How a `RespondentBlock` is laid out in the `respondentBlock` table: ids and value lists as text joined
/// by control characters (validation keeps those out of values), codes as little-endian two-byte
/// integers, weights as eight-byte doubles, answers one byte each.
enum StoredBlockFormat {
    /// Separates values inside a text column (U+001F).
    static let valueSeparator = "\u{1F}"
    /// Separates the value lists of different attributes (U+001E).
    static let listSeparator = "\u{1E}"

    /// Splits a stored value list; an empty text is one empty value.
    static func split(_ text: String, by separator: String) -> [String] {
        text.components(separatedBy: separator)
    }

    /// The integers' bytes, least significant first, whatever the machine's byte order.
    static func littleEndian<T: FixedWidthInteger>(_ values: [T]) -> Data {
        #if _endian(little)
        return values.withUnsafeBytes { Data($0) }
        #else
        return values.map(\.littleEndian).withUnsafeBytes { Data($0) }
        #endif
    }

    /// Writes blocks (one row each, in the order they come) and their free-text answers (numbered within
    /// the batch, so that both backends give them back in import order).
    final class Writer {
        private let db: any StoreTransaction
        private let batchID: Int64
        private let survey: SurveyID
        private let itemCount: Int
        private let attributeCount: Int
        private var freeTextCount: Int64 = 0

        init(db: any StoreTransaction, batchID: Int64, instrument: Instrument) {
            self.db = db
            self.batchID = batchID
            survey = instrument.id
            itemCount = instrument.items.count
            attributeCount = instrument.respondent.attributes.count
        }

        func write(_ block: RespondentBlock) throws {
            try db.executeSoon("""
                INSERT INTO respondentBlock (batchId, surveyId, period, rowCount, itemCount, attributeCount,
                    respondentKeys, groupNames, groupCodes, attributeValues, attributeCodes, designWeights, answers)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                """, [
                batchID, survey.rawValue, block.period, block.count, itemCount, attributeCount,
                block.respondentKeys.joined(separator: valueSeparator),
                block.groupNames.joined(separator: valueSeparator),
                littleEndian(block.groupCodes),
                block.attributeValues.map { $0.joined(separator: valueSeparator) }.joined(separator: listSeparator),
                littleEndian(block.attributeCodes),
                block.designWeights.map { weights in littleEndian(weights.map(\.bitPattern)) },
                Data(block.answers),
            ])
            let rows = block.freeText.map { entry -> [StoreValue] in
                freeTextCount += 1
                return [.integer(batchID), .text(survey.rawValue), .text(block.period), .text(entry.group), .text(entry.field),
                        .text(entry.text), .integer(freeTextCount)]
            }
            try db.insertRows(into: "freeText", columns: ["batchId", "surveyId", "period", "groupName", "field", "text", "seq"],
                              rows: rows)
        }
    }
}
