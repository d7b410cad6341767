import Foundation
import Testing
import WellBeingTestSupport
@testable import WellBeingCore
@testable import WellBeingIngest

/// The shipped instruments, and every kind of mistake an instrument file can hold.
@Suite struct InstrumentTests {
    @Test func lwcMatchesTheReferenceItemList() throws {
        let instrument = try InstrumentLoader.load(path: Paths.survey("lwc-synthetic.yaml")).instrument
        #expect(instrument.categories.map(\.id.rawValue) == (1...24).map { String(format: "c%02d", $0) })
        #expect(instrument.factorGroups.map(\.name.ja) == ["生活環境", "地域の人間関係", "自分らしい生き方"])
        // items.csv: item, category_id, category, group, reverse, text
        let lines = try String(contentsOfFile: Paths.lwc("items.csv"), encoding: .utf8)
            .split(separator: "\n").dropFirst().map { $0.split(separator: ",").map(String.init) }
        #expect(lines.count == 48)
        for fields in lines {
            let item = try #require(instrument.items.first { $0.id.rawValue == fields[0] })
            let category = try #require(instrument.categories.first { $0.itemIDs.contains(item.id) })
            #expect(category.id.rawValue == fields[1])
            #expect(category.name.ja == fields[2])
            let group = try #require(instrument.factorGroups.first { $0.id == category.factorGroup })
            #expect(group.name.ja == fields[3])
            #expect(item.isReversed == (fields[4] == "1"), "reverse flag of \(fields[0])")
        }
        #expect(instrument.items.filter(\.isReversed).map(\.id.rawValue) == ["q08", "q30", "q32", "q40"])
        #expect(instrument.headlines.map(\.itemID.rawValue) == ["life_satisfaction", "happiness"])
        #expect(instrument.outcome?.itemID.rawValue == "life_satisfaction")
        let rating = instrument.scale(of: instrument.items.first { $0.id.rawValue == "life_satisfaction" }!)
        #expect(rating.minimum == 0 && rating.maximum == 10 && rating.topBoxFrom == 7)
        let agree = try #require(instrument.scales["agree5"])
        #expect(agree.labels[1]?.ja == "全くそう思わない" && agree.labels[5]?.ja == "とてもそう思う")
        #expect(agree.topBoxFrom == 4)
        #expect(instrument.respondent.group.values.count == 13)
    }

    @Test func staffSurveyHasTiersAndTargets() throws {
        let instrument = try InstrumentLoader.load(path: Paths.survey("staff-dx.yaml")).instrument
        #expect(instrument.respondent.group.values.map(\.rawValue) == ["第1階層", "第2階層", "第3階層", "第4階層", "第5階層"])
        let skills = instrument.categories.filter { $0.factorGroup == "skills" }
        #expect(skills.count == 10)
        #expect(skills.allSatisfy { $0.targetGroups.count == 1 })
        #expect(instrument.categories.filter { $0.factorGroup == "mindset" }.count == 3)
        #expect(instrument.outcome != nil)
    }

    @Test(arguments: ["lwc.yaml", "staff-dx.yaml", "wineq.yaml"])
    func shippedInstrumentsLoad(_ name: String) throws {
        _ = try InstrumentLoader.load(path: Paths.survey(name))
    }

    struct Mistake: CustomTestStringConvertible, Sendable {
        var name: String
        var yaml: String
        /// Text the message must contain, and the YAML line it must name (if any).
        var says: String
        var line: Int?
        var testDescription: String { name }
    }

    static let base = """
        id: t
        version: "1"
        title: テスト
        respondent:
          id: id
          group: g
        scales:
          s5: {range: [1, 5]}
          s10: {range: [0, 10]}
        categories:
          - id: c1
            name: カテゴリ
            items:
              - {id: q1, text: 質問1, scale: s5}
        """

    static let mistakes: [Mistake] = [
        Mistake(name: "unknown scale", yaml: base.replacingOccurrences(of: "scale: s5}", with: "scale: s7}"),
                says: "unknown scale", line: 14),
        Mistake(name: "duplicate item", yaml: base + "\n      - {id: q1, text: また, scale: s5}", says: "used twice", line: 15),
        Mistake(name: "duplicate column", yaml: base + "\n      - {id: q2, text: また, scale: s5, column: q1}",
                says: "claimed by both", line: nil),
        Mistake(name: "reverse flag on 0–10", yaml: base.replacingOccurrences(of: "scale: s5}", with: "scale: s10, reverse: true}"),
                says: "cannot be reverse-coded", line: nil),
        Mistake(name: "category with no items", yaml: base + "\n  - {id: c2, name: 空, items: []}", says: "no items", line: 15),
        Mistake(name: "missing code inside the range",
                yaml: base.replacingOccurrences(of: "s5: {range: [1, 5]}", with: "s5: {range: [1, 5], missing: [3]}"),
                says: "outside the answer range", line: nil),
        Mistake(name: "unknown key", yaml: base.replacingOccurrences(of: "scale: s5}", with: "scale: s5, revers: true}"),
                says: "unknown key 'revers'", line: 14),
        Mistake(name: "bad range", yaml: base.replacingOccurrences(of: "s5: {range: [1, 5]}", with: "s5: {range: [5, 1]}"),
                says: "0 ≤ min < max ≤ 250", line: nil),
        Mistake(name: "label outside range",
                yaml: base.replacingOccurrences(of: "s5: {range: [1, 5]}", with: "s5: {range: [1, 5], labels: {7: 謎}}"),
                says: "outside the scale's range", line: nil),
        Mistake(name: "two outcomes", yaml: base + """

            headline:
              - {id: h1, text: 満足, scale: s10, outcome: true}
              - {id: h2, text: 幸福, scale: s10, outcome: true}
            """, says: "only one headline item", line: nil),
        Mistake(name: "items of different scales",
                yaml: base + "\n      - {id: q2, text: 別, scale: s10}", says: "share one scale", line: nil),
        Mistake(name: "missing group", yaml: base.replacingOccurrences(of: "  group: g\n", with: ""),
                says: "group column is missing", line: nil),
        Mistake(name: "not YAML", yaml: "id: [unclosed\nversion: 1", says: "not valid YAML", line: nil),
        Mistake(name: "empty file", yaml: "", says: "empty", line: nil),
        Mistake(name: "duplicate key", yaml: base + "\nid: again", says: "not valid YAML", line: nil),
        Mistake(name: "bad survey id", yaml: base.replacingOccurrences(of: "id: t\n", with: "id: \"a b\"\n"),
                says: "letters, digits", line: 1),
        Mistake(name: "unknown factor group", yaml: base.replacingOccurrences(of: "    name: カテゴリ", with: "    name: カテゴリ\n    group: nowhere"),
                says: "unknown factor group", line: nil),
    ]

    @Test(arguments: mistakes)
    func mistakeIsReportedWithItsPlace(_ mistake: Mistake) throws {
        let error = wellBeingError { _ = try InstrumentLoader.parse(mistake.yaml, fileName: "t.yaml") }
        let found = try #require(error, "no error for \(mistake.name)")
        #expect(found.kind == .badData)
        #expect(found.description.contains(mistake.says), "\(found.description)")
        #expect(found.description.contains("t.yaml"))
        if let line = mistake.line {
            #expect(found.problems.contains { $0.location.line == line }, "\(found.problems)")
        }
    }

    @Test func allProblemsAreReportedTogether() throws {
        let yaml = Self.base.replacingOccurrences(of: "scale: s5}", with: "scale: s7, revers: 1}")
        let error = try #require(wellBeingError { _ = try InstrumentLoader.parse(yaml, fileName: "t.yaml") })
        #expect(error.problems.count >= 2)
    }

    @Test func headerMatchingIgnoresWidthCaseAndLineBreaks() {
        #expect(HeaderMatcher.normalize("ＱＯ１") == HeaderMatcher.normalize("qo1"))
        #expect(HeaderMatcher.normalize("  近くに\n医療機関が  ある ") == HeaderMatcher.normalize("近くに 医療機関が ある"))
    }
}
