import Foundation
import WellBeingCore

/// One validated respondent, in the compact form the store keeps.
public struct RespondentRow: Sendable {
    /// The physical line the row starts on.
    public var line: Int
    public var respondentKey: String
    public var group: String
    public var period: String
    /// Attribute values in the instrument's attribute order ("" when the cell was empty).
    public var attributes: [String]
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

/// What a parse found: counts, the periods seen, and the problems (all of them counted, the first
/// `problemLimit` kept).
public struct ResponseParseSummary: Sendable {
    public var acceptedRows = 0
    public var rejectedRows = 0
    public var blankRows = 0
    public var periods: Set<String> = []
    public var problems: [DataProblem] = []
    public var problemCount = 0
    /// Header cells that no instrument field claimed (timestamps, e-mail addresses, …).
    public var ignoredColumns: [String] = []
    public var header: [String] = []
}

/// Turns a survey CSV into validated respondent rows, streaming, with every problem located by file,
/// physical line and column.
public final class ResponseParser {
    /// How many problems are kept in memory; the rest are only counted.
    public static let problemLimit = 10_000

    private let instrument: Instrument
    private let reader: CSVReader
    private let fixedPeriod: PeriodLabel?
    private let itemReaders: [AnswerReader]

    /// Tells whether a respondent id is already stored for a period: returns where (for the message) or nil.
    public var storedRespondent: ((_ period: String, _ key: String) -> String?)?

    /// - Parameter fixedPeriod: the `--period` value; when nil the instrument's period column is read.
    public init(instrument: Instrument, reader: CSVReader, fixedPeriod: PeriodLabel?) {
        self.instrument = instrument
        self.reader = reader
        self.fixedPeriod = fixedPeriod
        itemReaders = instrument.items.map { AnswerReader(scale: instrument.scale(of: $0)) }
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
        var seenKeys: [String: Int] = [:]
        var row = RespondentRow(line: 0, respondentKey: "", group: "", period: "", attributes: [],
                                designWeight: nil, answers: [], freeText: [])
        var rowProblems: [DataProblem] = []
        let fileName = reader.displayName
        let groupValues = Set(instrument.respondent.group.values.map(\.rawValue))
        let attributeValues = instrument.respondent.attributes.map { Set($0.values) }

        try reader.forEachRecord { record in
            guard let columns = layout else {
                let header = (0..<record.fieldCount).map { record.displayString($0) }
                summary.header = header
                let found = try ColumnLayout(header: header, instrument: instrument, fileName: fileName,
                                             needsPeriodColumn: fixedPeriod == nil, line: record.line)
                summary.ignoredColumns = found.ignored
                layout = found
                return
            }
            if record.isBlank { summary.blankRows += 1; return }
            rowProblems.removeAll(keepingCapacity: true)
            func problem(_ column: Int?, _ value: String?, _ reason: String) {
                let name = column.map { columns.header[$0] }
                rowProblems.append(DataProblem(
                    location: SourceLocation(file: fileName, line: record.line, column: name,
                                             columnNumber: column.map { $0 + 1 }),
                    value: value, reason: reason))
            }
            func text(_ column: Int) -> String? {
                guard let value = record.string(column) else {
                    problem(column, record.displayString(column), "is not valid \(reader.sourceEncoding.displayName) text")
                    return nil
                }
                if value.utf8.contains(0) {
                    problem(column, nil, "contains a NUL byte; the file looks damaged")
                    return nil
                }
                return value.trimmingCharacters(in: .whitespaces)
            }

            if record.fieldCount != columns.header.count {
                problem(nil, nil, "has \(record.fieldCount) fields but the header has \(columns.header.count); "
                        + "check for a missing or extra delimiter, or an unquoted comma")
            } else {
                if let malformed = record.malformedField {
                    problem(malformed, record.displayString(malformed),
                            "has text after its closing quote; quote the whole value and double any quote inside it")
                }
                row.line = record.line
                row.respondentKey = text(columns.id) ?? ""
                if row.respondentKey.isEmpty && rowProblems.isEmpty {
                    problem(columns.id, nil, "the respondent id is empty")
                } else if let first = seenKeys[row.respondentKey] {
                    problem(columns.id, row.respondentKey, "appears twice in this file (first on line \(first))")
                }
                row.group = text(columns.group) ?? ""
                if row.group.isEmpty {
                    problem(columns.group, nil, "the \(instrument.respondent.group.label.ja) (group) is empty")
                } else if !groupValues.isEmpty && !groupValues.contains(row.group) {
                    problem(columns.group, row.group, "is not one of the instrument's groups: "
                            + instrument.respondent.group.values.map(\.rawValue).joined(separator: ", "))
                }
                if let fixedPeriod {
                    row.period = fixedPeriod.rawValue
                } else if let periodColumn = columns.period, let periodText = text(periodColumn) {
                    row.period = derivePeriod(periodText)
                    if row.period.isEmpty {
                        problem(periodColumn, periodText, instrument.respondent.period?.derivation == .year
                                ? "does not start with a four-digit year" : "the period is empty")
                    }
                }
                if !row.respondentKey.isEmpty, !row.period.isEmpty,
                   let holder = storedRespondent?(row.period, row.respondentKey) {
                    problem(columns.id, row.respondentKey,
                            "was already imported for \(instrument.id) \(row.period) \(holder)")
                }
                row.attributes.removeAll(keepingCapacity: true)
                for (position, column) in columns.attributes.enumerated() {
                    let value = text(column) ?? ""
                    if !value.isEmpty, !attributeValues[position].isEmpty, !attributeValues[position].contains(value) {
                        problem(column, value, "is not one of: " + instrument.respondent.attributes[position].values
                                .joined(separator: ", "))
                    }
                    row.attributes.append(value)
                }
                row.designWeight = nil
                if let weightColumn = columns.weight {
                    let weightText = text(weightColumn) ?? ""
                    if let weight = Double(weightText), weight.isFinite, weight >= 0 {
                        row.designWeight = weight
                    } else {
                        problem(weightColumn, weightText, weightText.isEmpty
                                ? "the design weight is empty" : "is not a design weight (a number ≥ 0)")
                    }
                }
                if row.answers.count != columns.items.count {
                    row.answers = [UInt8](repeating: 0, count: columns.items.count)
                }
                for (position, column) in columns.items.enumerated() {
                    switch itemReaders[position].read(record.bytes(column)) {
                    case let .value(code):
                        row.answers[position] = code
                    case let .invalid(reason):
                        row.answers[position] = 0
                        problem(column, record.displayString(column), reason)
                    }
                }
                row.freeText.removeAll(keepingCapacity: true)
                for (position, column) in columns.freeText.enumerated() {
                    if let value = text(column), !value.isEmpty { row.freeText.append((position, value)) }
                }
            }
            if rowProblems.isEmpty {
                seenKeys[row.respondentKey] = record.line
                summary.periods.insert(row.period)
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
            throw WellBeingError.badData("'\(fileName)' has no header line.", problems: [
                DataProblem(location: SourceLocation(file: fileName, line: 1),
                            reason: "the file is empty; expected a header line naming the columns")])
        }
        return summary
    }

    private func derivePeriod(_ text: String) -> String {
        guard let source = instrument.respondent.period else { return text }
        switch source.derivation {
        case .value:
            return text
        case .year:
            let year = text.prefix(4)
            return year.count == 4 && year.allSatisfy(\.isASCII) && year.allSatisfy(\.isNumber) ? String(year) : ""
        }
    }
}

/// Which CSV column holds which instrument field.
struct ColumnLayout {
    var header: [String]
    var id: Int
    var group: Int
    var period: Int?
    var attributes: [Int]
    var weight: Int?
    var items: [Int]
    var freeText: [Int]
    var ignored: [String]

    init(header: [String], instrument: Instrument, fileName: String, needsPeriodColumn: Bool, line: Int) throws {
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
                    location: SourceLocation(file: fileName, line: line),
                    reason: "columns " + matches.map { "\($0 + 1) ('\(header[$0])')" }.joined(separator: " and ")
                        + " both match '\(column.name)'; rename or remove one"))
            }
            guard let match = matches.first else {
                if required { missing.append(column.name) }
                return nil
            }
            claimed.formUnion(matches)
            return match
        }

        let respondent = instrument.respondent
        id = find(respondent.idColumn) ?? 0
        group = find(respondent.group.column) ?? 0
        if needsPeriodColumn {
            if let source = respondent.period {
                period = find(source.column)
            } else {
                throw WellBeingError(.usage, "The instrument '\(instrument.id)' has no period column, so give the "
                    + "period with --period (for example --period 2025).")
            }
        }
        attributes = respondent.attributes.map { find($0.column) ?? 0 }
        weight = respondent.weightColumn.flatMap { find($0) }
        items = instrument.items.map { find($0.column, question: $0.text) ?? 0 }
        freeText = respondent.freeTextColumns.compactMap { find($0, required: false) }
        ignored = header.indices.filter { !claimed.contains($0) }.map { header[$0] }

        if !missing.isEmpty {
            let shown = missing.prefix(20).joined(separator: ", ") + (missing.count > 20 ? ", …" : "")
            problems.append(DataProblem(
                location: SourceLocation(file: fileName, line: line),
                reason: "the header lacks \(missing.count) column(s) the instrument '\(instrument.id)' needs: \(shown). "
                    + "The header has: " + header.prefix(12).joined(separator: ", ") + (header.count > 12 ? ", …" : "")))
        }
        var seen: [String: Int] = [:]
        for (index, name) in normalized.enumerated() where claimed.contains(index) {
            if let first = seen[name], first != index {
                problems.append(DataProblem(location: SourceLocation(file: fileName, line: line, column: header[index],
                                                                     columnNumber: index + 1),
                                            reason: "this header appears twice (first in column \(first + 1))"))
            }
            seen[name] = index
        }
        if !problems.isEmpty {
            throw WellBeingError.badData("The header of '\(fileName)' does not fit the instrument '\(instrument.id)':",
                                         problems: problems)
        }
    }
}
