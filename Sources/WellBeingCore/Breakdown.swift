import Foundation

/// The respondent fields that estimates are broken down by instead of the instrument's group (`--by`):
/// one field (`年代`) or a cross (`年代*性別`). Nothing assumes the group is a place; a breakdown by age band
/// is computed exactly as one by district.
public struct Breakdown: Sendable, Hashable {
    /// The fields as the user named them, in order.
    public var fields: [String]

    /// Reads `年代`, `age_band*sex` and the like.
    public init(_ specification: String) throws {
        let fields = specification.split(separator: "*", omittingEmptySubsequences: false).map { $0.trimmingCharacters(in: .whitespaces) }
        guard !fields.isEmpty, !fields.contains(where: \.isEmpty) else {
            throw WellBeingError(.usage, Message(.byNotAField, ["spec": specification]))
        }
        guard Set(fields).count == fields.count else {
            throw WellBeingError(.usage, Message(.byFieldTwice, ["spec": specification]))
        }
        self.fields = fields
    }

    /// A breakdown by `fields`, named as the instrument names them (a name may itself hold `*`).
    public init(fields: [String]) {
        self.fields = fields
    }

    /// `年代*性別`, as the JSON and reports name it.
    public var specification: String { fields.joined(separator: "*") }

    /// What joins the values of a cross in a group's name: `30代 × 女性`.
    public static let separator = " × "
    /// The name of the group of respondents who left a field empty.
    public static let noAnswer = "無回答"
}

/// A respondent field a breakdown names: the group, or one of the attributes.
public enum RespondentField: Sendable, Hashable {
    case group
    case attribute(Int)
}

extension RespondentFields {
    /// The field whose column name or an alias is `name`, compared without full-width/half-width, letter case
    /// or surrounding blanks.
    public func field(named name: String) -> RespondentField? {
        func folded(_ text: String) -> String {
            text.precomposedStringWithCompatibilityMapping.trimmingCharacters(in: .whitespaces).lowercased()
        }
        func matches(_ column: FieldColumn) -> Bool {
            ([column.name] + column.aliases).contains { folded($0) == folded(name) }
        }
        if matches(group.column) { return .group }
        return attributes.firstIndex { matches($0.column) }.map { .attribute($0) }
    }

    /// What the field is called (地区, 年代).
    public func label(of field: RespondentField) -> LocalizedText {
        switch field {
        case .group: return group.label
        case let .attribute(index): return attributes[index].label
        }
    }
}

extension ResponseMatrix {
    /// The same respondents with the breakdown's fields (the group field or attributes, by column name or
    /// alias) as their groups: one group per value, or per combination present in a cross, in the order
    /// the instrument lists the values (others after them, sorted; an empty value as `無回答`).
    ///
    /// - Throws: `usage` for a field the instrument does not have, naming the ones it has.
    public func regrouped(by breakdown: Breakdown) throws -> ResponseMatrix {
        let respondent = instrument.respondent
        var fieldValues: [[String]] = []   // per field: value names, in report order
        var fieldCodes: [[Int32]] = []     // per field: each respondent's position in fieldValues
        for field in breakdown.fields {
            let names: [String], codes: [Int32], listed: [String]
            switch respondent.field(named: field) {
            case .group:
                (names, codes, listed) = (groups.map(\.rawValue), groupCodes, respondent.group.values.map(\.rawValue))
            case let .attribute(index):
                (names, codes, listed) = (attributeValues[index], attributeCodes[index], respondent.attributes[index].values)
            case nil:
                let known = [respondent.group.column.name] + respondent.attributes.map(\.column.name)
                throw WellBeingError(.usage, Message(.byUnknownField, ["field": field, "survey": instrument.id.rawValue,
                                                                       "known": known.joined(separator: ", ")]))
            }
            // Report order: the instrument's listed values, then the others sorted, no answer last.
            let present = Set(names)
            let ordered = listed.filter { present.contains($0) }
                + names.filter { !$0.isEmpty && !listed.contains($0) }.sorted()
                + (present.contains("") ? [""] : [])
            let position = Dictionary(uniqueKeysWithValues: ordered.enumerated().map { ($0.element, Int32($0.offset)) })
            let remap = names.map { position[$0]! }
            fieldValues.append(ordered.map { $0.isEmpty ? Breakdown.noAnswer : $0 })
            fieldCodes.append(codes.map { remap[Int($0)] })
        }
        // Combinations present, in the order of the fields' values (first field slowest).
        var combined = [Int64](repeating: 0, count: respondentCount)
        for (field, codes) in fieldCodes.enumerated() {
            let radix = Int64(fieldValues[field].count)
            for row in 0..<respondentCount { combined[row] = combined[row] * radix + Int64(codes[row]) }
        }
        // Combinations are dense and few (the product of the fields' value counts): a table beats hashing 1M keys.
        let span = fieldValues.reduce(Int64(1)) { $0 * Int64(max($1.count, 1)) }
        let present: [Int64]
        if span <= 1 << 20 {
            var seen = [Bool](repeating: false, count: Int(span))
            for key in combined { seen[Int(key)] = true }
            present = seen.indices.filter { seen[$0] }.map(Int64.init)
        } else {
            present = Array(Set(combined)).sorted()
        }
        let position = Dictionary(uniqueKeysWithValues: present.enumerated().map { ($0.element, Int32($0.offset)) })
        let names: [GroupName] = present.map { key in
            var remaining = key
            var parts: [String] = []
            for field in fieldValues.indices.reversed() {
                let radix = Int64(fieldValues[field].count)
                parts.insert(fieldValues[field][Int(remaining % radix)], at: 0)
                remaining /= radix
            }
            return GroupName(parts.joined(separator: Breakdown.separator))
        }
        var copy = self
        copy.groups = names
        if span <= 1 << 20 {
            var table = [Int32](repeating: -1, count: Int(span))
            for (key, code) in position { table[Int(key)] = code }
            copy.groupCodes = combined.map { table[Int($0)] }
        } else {
            copy.groupCodes = combined.map { position[$0]! }
        }
        return copy
    }
}
