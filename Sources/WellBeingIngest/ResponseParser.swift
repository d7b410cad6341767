import Foundation
import WellBeingCore

/// One validated respondent, in the compact form the store keeps.
///
/// The period, group and attributes are codes into the parser's value lists (`periodValues`,
/// `groupValues`, `attributeValues`), which only grow while a file is read.
public struct RespondentRow: Sendable {
    /// The physical line the row starts on.
    public var line: Int
    public var respondentKey: String
    public var periodCode: Int
    public var groupCode: Int
    /// One code per instrument attribute ("" is a value too: an empty cell).
    public var attributeCodes: [Int]
    public var designWeight: Double?
    /// One byte per item in the instrument's item order: 0 = missing, otherwise the answer + 1.
    public var answers: [UInt8]
    /// Non-empty free-text answers: the free-text column's position in the instrument, and the text.
    public var freeText: [(field: Int, text: String)]
}

/// A row refused during a lenient (`--on-error skip`) import, with its original cells and reasons.
public struct RejectedRow: Sendable {
    public var line: Int
    public var cells: [String]
    public var problems: [DataProblem]

    public init(line: Int, cells: [String], problems: [DataProblem]) {
        self.line = line
        self.cells = cells
        self.problems = problems
    }
}

/// Turns a survey CSV into validated respondent rows, streaming, with every problem located by file,
/// physical line and column.
public final class ResponseParser {
    /// How many problems are kept in memory; the rest are only counted.
    public static let problemLimit = 10_000

    private let instrument: Instrument
    private let reader: RecordSource
    private let fixedPeriod: PeriodLabel?
    private let itemReaders: [AnswerReader]
    /// Every item's `codeOfNumber` table, one after the other (1,000 entries each), for the fast path.
    private let numberCodes: [Int16]
    private let periods: FieldInterner
    private let groups: FieldInterner
    private let attributes: [FieldInterner]

    /// Tells whether a respondent id is already stored for a period: returns where (for the message) or nil.
    public var storedRespondent: ((_ period: String, _ key: String) -> String?)?

    /// The periods seen so far; `RespondentRow.periodCode` indexes this list.
    public var periodValues: [String] { periods.values }
    /// The groups seen so far; `RespondentRow.groupCode` indexes this list.
    public var groupValues: [String] { groups.values }
    /// For each attribute, the values seen so far; `RespondentRow.attributeCodes` index these lists.
    public var attributeValues: [[String]] { attributes.map(\.values) }

    /// - Parameter fixedPeriod: the `--period` value; when nil the instrument's period column is read.
    public init(instrument: Instrument, reader: RecordSource, fixedPeriod: PeriodLabel?) {
        self.instrument = instrument
        self.reader = reader
        self.fixedPeriod = fixedPeriod
        itemReaders = instrument.items.map { AnswerReader(scale: instrument.scale(of: $0)) }
        numberCodes = itemReaders.flatMap(\.codeOfNumber)
        let derivation = instrument.respondent.period?.derivation ?? .value
        periods = FieldInterner { text in
            if text.isEmpty { return Message(.periodEmpty) }
            if derivation == .year && !(text.utf8.count == 4 && text.utf8.allSatisfy { $0 >= 0x30 && $0 <= 0x39 }) {
                return Message(.periodNoYear)
            }
            return nil
        }
        let group = instrument.respondent.group
        let allowedGroups = Set(group.values.map(\.rawValue))
        groups = FieldInterner { text in
            if text.isEmpty { return Message(.groupEmpty, ["label": group.label.ja]) }
            if !allowedGroups.isEmpty && !allowedGroups.contains(text) {
                return Message(.groupNotListed, ["values": group.values.map(\.rawValue).joined(separator: ", ")])
            }
            return nil
        }
        attributes = instrument.respondent.attributes.map { attribute in
            let allowed = Set(attribute.values)
            return FieldInterner { text in
                if !text.isEmpty && !allowed.isEmpty && !allowed.contains(text) {
                    return Message(.attributeNotListed, ["values": attribute.values.joined(separator: ", ")])
                }
                return nil
            }
        }
    }

    /// Reads every row; calls `accept` for each valid row and `reject` for each invalid one.
    ///
    /// - Throws: `badData` when the header does not fit the instrument or the file is not readable CSV.
    public func parse(
        accept: (RespondentRow) throws -> Void,
        reject: (RejectedRow) throws -> Void = { _ in }
    ) throws -> ResponseParseSummary {
        var summary = ResponseParseSummary()
        var layout: ColumnLayout?
        var seenKeys = KeyRegistry()
        var row = RespondentRow(line: 0, respondentKey: "", periodCode: 0, groupCode: 0,
                                attributeCodes: Array(repeating: 0, count: attributes.count),
                                designWeight: nil, answers: [], freeText: [])
        var rowProblems: [DataProblem] = []
        let fileName = reader.displayName
        let encodingName = reader.encodingName
        let sheet = reader.sheet
        var periodFromColumn = true
        if let fixedPeriod {
            periodFromColumn = false
            _ = Array(fixedPeriod.rawValue.utf8).withUnsafeBufferPointer { periods.code(of: $0) }
        }
        let derivation = instrument.respondent.period?.derivation ?? .value

        try reader.forEachRecord { record in
            guard let columns = layout else {
                if let malformed = record.malformedField {
                    throw WellBeingError.badData(Message(.headerNotWellFormed, ["file": fileName]), problems: [
                        DataProblem(location: SourceLocation(file: fileName, line: record.line, columnNumber: malformed + 1, sheet: sheet),
                                    message: record.malformedReason ?? Message(sheet == nil ? .headerTextAfterQuote : .headerExcelError))])
                }
                let header = (0..<record.fieldCount).map { record.displayString($0) }
                summary.header = header
                summary.headerLine = record.line
                let found = try ColumnLayout(header: header, instrument: instrument, fileName: fileName,
                                             needsPeriodColumn: fixedPeriod == nil, line: record.line, sheet: sheet)
                summary.ignoredColumns = found.ignored
                layout = found
                return
            }
            if record.isBlank { summary.blankRows += 1; return }
            rowProblems.removeAll(keepingCapacity: true)
            func problem(_ column: Int?, _ value: String?, _ reason: Message) {
                rowProblems.append(DataProblem(
                    location: SourceLocation(file: fileName, line: record.line, column: column.map { columns.header[$0] },
                                             columnNumber: column.map { $0 + 1 }, sheet: sheet),
                    value: value, message: reason))
            }
            /// The code of a column's value in `interner`, or nil after recording a problem.
            func code(_ interner: FieldInterner, _ column: Int, prefix: Int? = nil) -> Int? {
                var bytes = record.bytes(column).trimmingBlanks()
                if let prefix, bytes.count > prefix { bytes = UnsafeBufferPointer(rebasing: bytes[0..<prefix]) }
                switch interner.code(of: bytes) {
                case .notText:
                    problem(column, record.displayString(column), Message(.notValidText, ["encoding": encodingName]))
                    return nil
                case let .known(code, refusal):
                    if let refusal { problem(column, interner.values[code], refusal) }
                    return code
                }
            }

            var answeredDay: Int?
            if record.fieldCount != columns.header.count {
                problem(nil, nil, Message(.fieldCount, ["count": "\(record.fieldCount)", "expected": "\(columns.header.count)"]))
            } else {
                if let malformed = record.malformedField {
                    problem(malformed, record.displayString(malformed),
                            record.malformedReason ?? Message(sheet == nil ? .textAfterQuote : .excelErrorValue))
                }
                row.line = record.line
                if let idColumn = columns.id {
                    let keyBytes = record.bytes(idColumn).trimmingBlanks()
                    if keyBytes.isEmpty {
                        problem(idColumn, nil, Message(.idEmpty))
                        row.respondentKey = ""
                    } else if let key = String(validating: keyBytes, as: UTF8.self),
                              !keyBytes.contains(where: { $0 < 0x20 || $0 == 0x7F }) {
                        row.respondentKey = key
                        if let first = seenKeys.insert(keyBytes, line: record.line) {
                            problem(idColumn, key, Message(.idTwice, ["line": "\(first)"]))
                        }
                    } else {
                        problem(idColumn, record.displayString(idColumn), Message(.idUnusable))
                        row.respondentKey = ""
                    }
                } else {
                    row.respondentKey = "#\(record.line)"
                }
                row.groupCode = code(groups, columns.group) ?? 0
                if periodFromColumn, let periodColumn = columns.period {
                    let text = record.bytes(periodColumn).trimmingBlanks()
                    if derivation == .year { answeredDay = AnsweredDays.day(fromTimestamp: text) }
                    if derivation == .year, text.count > 4, Self.isDigitOrPoint(text[4]) {
                        // 45901.4375 is an Excel date serial, 20250901 a date without separators: not a year.
                        problem(periodColumn, record.displayString(periodColumn), Message(.notDateOrYear))
                    } else {
                        row.periodCode = code(periods, periodColumn, prefix: derivation == .year ? 4 : nil) ?? 0
                    }
                }
                if let idColumn = columns.id, !row.respondentKey.isEmpty, let storedRespondent,
                   let holder = storedRespondent(periods.values.isEmpty ? "" : periods.values[row.periodCode], row.respondentKey) {
                    problem(idColumn, row.respondentKey, Message(.idAlreadyImported, [
                        "survey": instrument.id.rawValue, "period": periods.values[row.periodCode], "where": holder]))
                }
                for (position, column) in columns.attributes.enumerated() {
                    if let column {
                        row.attributeCodes[position] = code(attributes[position], column) ?? 0
                    } else if case let .known(empty, _) = attributes[position].code(of: UnsafeBufferPointer(start: nil, count: 0)) {
                        row.attributeCodes[position] = empty  // an optional attribute the file lacks: no answer
                    }
                }
                row.designWeight = nil
                if let weightColumn = columns.weight {
                    let weightText = record.string(weightColumn)?.trimmingCharacters(in: .whitespaces) ?? ""
                    if let weight = Double(weightText), weight.isFinite, weight >= 0 {
                        if NumericBounds.isWeight(weight) {
                            row.designWeight = weight
                        } else {
                            problem(weightColumn, weightText, Message.weightOutside)
                        }
                    } else {
                        problem(weightColumn, weightText, Message(weightText.isEmpty ? .weightEmpty : .weightInvalid))
                    }
                }
                if row.answers.count != columns.items.count {
                    row.answers = [UInt8](repeating: 0, count: columns.items.count)
                }
                numberCodes.withUnsafeBufferPointer { numberCodes in
                    row.answers.withUnsafeMutableBufferPointer { answers in
                        for (position, column) in columns.items.enumerated() {
                            // Fast path: empty, or one to three ASCII digits looked up in the item's table.
                            let bytes = record.bytes(column)
                            if bytes.isEmpty { answers[position] = 0; continue }
                            if let value = AnswerReader.smallNumber(bytes) {
                                let code = numberCodes[position * 1000 + value]
                                if code >= 0 {
                                    answers[position] = UInt8(code)
                                    continue
                                }
                            }
                            switch itemReaders[position].read(bytes) {
                            case let .value(code):
                                answers[position] = code
                            case let .invalid(reason):
                                answers[position] = 0
                                problem(column, record.displayString(column), reason)
                            }
                        }
                    }
                }
                row.freeText.removeAll(keepingCapacity: true)
                for (position, column) in columns.freeText.enumerated() {
                    let bytes = record.bytes(column).trimmingBlanks()
                    if bytes.isEmpty { continue }
                    if let text = String(validating: bytes, as: UTF8.self) {
                        row.freeText.append((position, text))
                    } else {
                        problem(column, record.displayString(column), Message(.notValidText, ["encoding": encodingName]))
                    }
                }
            }
            if rowProblems.isEmpty {
                summary.periods.insert(periods.values[row.periodCode])
                if let answeredDay {
                    let period = periods.values[row.periodCode]
                    let known = summary.answeredDays[period]
                    summary.answeredDays[period] = min(known?.lowerBound ?? answeredDay, answeredDay)...max(known?.upperBound ?? answeredDay, answeredDay)
                }
                summary.acceptedRows += 1
                try accept(row)
            } else {
                summary.rejectedRows += 1
                summary.problemCount += rowProblems.count
                let room = ResponseParser.problemLimit - summary.problems.count
                if room > 0 { summary.problems.append(contentsOf: rowProblems.prefix(room)) }
                try reject(RejectedRow(line: record.line,
                                       cells: (0..<record.fieldCount).map { record.displayString($0) },
                                       problems: rowProblems))
            }
        }
        if layout == nil {
            throw WellBeingError.badData(Message(.noHeader, ["file": fileName]), problems: [
                DataProblem(location: SourceLocation(file: fileName, line: 1, sheet: sheet),
                            message: Message(sheet == nil ? .fileEmpty : .sheetEmpty))])
        }
        return summary
    }
}

extension ResponseParser {
    static func isDigitOrPoint(_ byte: UInt8) -> Bool {
        (byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9")) || byte == UInt8(ascii: ".")
    }
}

/// Which CSV column holds which instrument field.
final class ColumnLayout {
    var header: [String]
    var id: Int?
    var group: Int
    var period: Int?
    /// The column of each attribute; nil for an optional attribute the file does not have.
    var attributes: [Int?]
    var weight: Int?
    var items: [Int]
    var freeText: [Int]
    var ignored: [String]

    init(header: [String], instrument: Instrument, fileName: String, needsPeriodColumn: Bool, line: Int,
         sheet: String? = nil) throws {
        self.header = header
        let normalized = header.map(HeaderMatcher.normalize)
        var problems: [DataProblem] = []
        var claimed: Set<Int> = []
        var missing: [String] = []

        func find(_ column: FieldColumn, question: LocalizedText? = nil, required: Bool = true) -> Int? {
            let keys = HeaderMatcher.keys(for: column, questionText: question)
            let matches = normalized.indices.filter { keys.contains(normalized[$0]) }
            if matches.count > 1 {
                problems.append(DataProblem(
                    location: SourceLocation(file: fileName, line: line, sheet: sheet),
                    message: Message(.headerMatchesTwice, [
                        "columns": matches.map { "\($0 + 1) ('\(header[$0])')" }.joined(separator: ", "), "name": column.name])))
            }
            guard let match = matches.first else {
                if required { missing.append(column.name) }
                return nil
            }
            claimed.formUnion(matches)
            return match
        }

        let respondent = instrument.respondent
        id = respondent.idColumn.flatMap { column in
            respondent.idIsOptional ? find(column, required: false) : (find(column) ?? 0)
        }
        group = find(respondent.group.column) ?? 0
        if needsPeriodColumn {
            if let source = respondent.period {
                period = find(source.column)
            } else {
                throw WellBeingError(.usage, Message(.noPeriodColumn, ["survey": instrument.id.rawValue]))
            }
        } else if let source = respondent.period {
            _ = find(source.column, required: false)  // known, though --period overrides it
        }
        attributes = respondent.attributes.map { attribute in
            attribute.isOptional ? find(attribute.column, required: false) : (find(attribute.column) ?? 0)
        }
        weight = respondent.weightColumn.flatMap { find($0) }
        items = instrument.items.map { find($0.column, question: $0.text) ?? 0 }
        freeText = respondent.freeTextColumns.compactMap { find($0, required: false) }
        ignored = header.indices.filter { !claimed.contains($0) }.map { header[$0] }

        if !missing.isEmpty {
            let shown = missing.prefix(20).joined(separator: ", ") + (missing.count > 20 ? ", …" : "")
            problems.append(DataProblem(
                location: SourceLocation(file: fileName, line: line, sheet: sheet),
                message: Message(.headerLacks, [
                    "count": "\(missing.count)", "survey": instrument.id.rawValue, "missing": shown,
                    "header": header.prefix(12).map(DataProblem.shortened).joined(separator: ", ") + (header.count > 12 ? ", …" : "")])))
        }
        var seen: [String: Int] = [:]
        for (index, name) in normalized.enumerated() where claimed.contains(index) {
            if let first = seen[name], first != index {
                problems.append(DataProblem(location: SourceLocation(file: fileName, line: line, column: header[index],
                                                                     columnNumber: index + 1, sheet: sheet),
                                            message: Message(.headerTwice, ["first": "\(first + 1)"])))
            }
            seen[name] = index
        }
        if !problems.isEmpty {
            throw WellBeingError.badData(Message(.headerDoesNotFit, ["file": fileName, "survey": instrument.id.rawValue]),
                                         problems: problems)
        }
    }
}
