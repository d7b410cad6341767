extension Instrument {
    /// What `other` defines differently from this instrument, in a few lines a clerk can check against the
    /// files: questions added, gone or changed (which of text, scale, reverse, column), scales changed, and
    /// the other parts by their YAML key. Empty when both define the same (only comments or layout differ).
    ///
    /// - Parameter limit: the most lines returned; the rest are summed up in the last one.
    public func differences(to other: Instrument, limit: Int = 12) -> [Message] {
        guard self != other else { return [] }
        var lines: [Message] = []
        let otherItems = Dictionary(other.items.map { ($0.id, $0) }, uniquingKeysWith: { first, _ in first })
        let ownIDs = Set(items.map(\.id))
        for item in items {
            guard let changed = otherItems[item.id] else {
                lines.append(Message(.diffItemRemoved, ["id": item.id.rawValue]))
                continue
            }
            var fields: [String] = []
            if item.text != changed.text { fields.append("text") }
            if item.scaleID != changed.scaleID { fields.append("scale") }
            if item.isReversed != changed.isReversed { fields.append("reverse") }
            if item.column != changed.column { fields.append("column") }
            if !fields.isEmpty {
                lines.append(Message(.diffItemChanged, ["id": item.id.rawValue, "fields": fields.joined(separator: ", ")]))
            }
        }
        for item in other.items where !ownIDs.contains(item.id) {
            lines.append(Message(.diffItemAdded, ["id": item.id.rawValue]))
        }
        for id in Set(scales.keys).union(other.scales.keys).sorted() where scales[id] != other.scales[id] {
            lines.append(Message(.diffScaleChanged, ["id": id]))
        }
        let parts: [(String, Bool)] = [
            ("title", title != other.title), ("respondent", respondent != other.respondent),
            ("categories", categories != other.categories), ("headline", headlines != other.headlines),
            ("factor_groups", factorGroups != other.factorGroups), ("design", design != other.design),
        ]
        for (part, differs) in parts where differs {
            lines.append(Message(.diffPartChanged, ["part": part]))
        }
        if lines.isEmpty { lines.append(Message(.diffPartChanged, ["part": "items"])) }  // the order of the items
        guard lines.count > limit else { return lines }
        return Array(lines.prefix(limit - 1)) + [Message(.andMore, ["count": "\(lines.count - limit + 1)"])]
    }
}
