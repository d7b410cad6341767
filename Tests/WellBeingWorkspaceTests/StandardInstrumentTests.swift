import Foundation
import Testing
import WellBeingTestSupport
@testable import WellBeingAnalysis
@testable import WellBeingCore
@testable import WellBeingIngest
@testable import WellBeingStore
import WellBeingWorkspace

/// The Digital Agency's standard questionnaire (`Surveys/lwc.yaml`), local versions (`extends:`), and a
/// Google Forms export of it.
@Suite struct StandardInstrumentTests {
    /// The official item list: id, block, category_id, category, text, scale, reverse, …
    static func officialItems() throws -> [[String: String]] {
        let text = try String(contentsOfFile: Paths.sharedData("lwc-standard-items.tsv"), encoding: .utf8)
        let lines = text.split(separator: "\n").map { $0.components(separatedBy: "\t") }
        let header = lines[0]
        return lines.dropFirst().map { Dictionary(uniqueKeysWithValues: zip(header, $0)) }
    }

    @Test func theStandardInstrumentIsTheOfficialQuestionnaire() throws {
        let instrument = try InstrumentLoader.load(path: Paths.survey("lwc.yaml")).instrument
        let official = try Self.officialItems()
        #expect(official.count == 50)
        // Every id, wording, scale, reverse flag and category, in the official order.
        #expect(instrument.categories.flatMap(\.itemIDs).map(\.rawValue) == official.filter { !$0["category_id"]!.isEmpty }.map { $0["id"]! })
        #expect(instrument.headlines.map(\.itemID.rawValue) == ["h1", "h2", "h3", "h4"])
        for row in official {
            let id = row["id"]!
            let item = try #require(instrument.items.first { $0.id.rawValue == id }, "\(id)")
            #expect(item.text.ja == row["text"], "\(id) wording")
            let scale = instrument.scale(of: item)
            #expect("\(scale.minimum)-\(scale.maximum)" == row["scale"], "\(id) scale")
            #expect(item.isReversed == (row["reverse"] == "1"), "\(id) reverse")
            if let categoryID = row["category_id"], !categoryID.isEmpty {
                let category = try #require(instrument.categories.first { $0.itemIDs.contains(item.id) })
                #expect(category.id.rawValue == categoryID, "\(id) category")
                #expect(category.name.ja == row["category"], "\(id) category name")
                let group = try #require(instrument.factorGroups.first { $0.id == category.factorGroup })
                #expect(group.name.ja == row["block"], "\(id) factor group")
            }
        }
        #expect(instrument.categories.map(\.id.rawValue) == (1...24).map { String(format: "c%02d", $0) })
        #expect(instrument.outcome?.itemID.rawValue == "h1")
        #expect(instrument.items.filter(\.isReversed).map(\.id.rawValue) == ["i06"])
        let agree = try #require(instrument.scales["agree5"])
        #expect(agree.labels[1]?.ja == "全くあてはまらない" && agree.labels[5]?.ja == "非常にあてはまる")
        #expect(instrument.categories.filter { $0.itemIDs.count == 1 }.count == 9)
        #expect(instrument.respondent.idIsOptional)
        #expect(instrument.respondent.group.column.name == "居住地区")
        #expect(instrument.respondent.attributes.map(\.column.name) == ["年代", "性別", "回答方法"])
        #expect(instrument.respondent.attributes.map(\.isOptional) == [false, false, true])
        #expect(instrument.respondent.attributes.last?.isResponseMode == true)
    }

    /// The fixture's coded file rewritten the way Google Forms exports it: a タイムスタンプ column, no respondent
    /// id, the official wording as headers, 自由記述 for the comment.
    static func googleFormsExport(of path: String, in folder: TemporaryFolder) throws -> String {
        let official = Dictionary(uniqueKeysWithValues: try officialItems().map { ($0["id"]!, $0["text"]!) })
        let text = try String(contentsOfFile: path, encoding: .utf8)
        var lines = text.components(separatedBy: "\n")
        let header = lines[0].components(separatedBy: ",")
        let renamed = header.map { name -> String in
            switch name {
            case "submitted_at": return "タイムスタンプ"
            case "comment": return "自由記述"
            default: return official[name].map { "\"\($0)\"" } ?? name
            }
        }
        lines[0] = renamed.dropFirst().joined(separator: ",")
        for index in 1..<lines.count where !lines[index].isEmpty && lines[index].hasPrefix("R") {
            // Drop the id; the date becomes "2024/09/01 10:00:00".
            var fields = lines[index].components(separatedBy: ",")
            let date = fields[1].replacingOccurrences(of: "-", with: "/")
            fields[1] = date + " 10:\(String(format: "%02d", index % 60)):00"
            lines[index] = fields.dropFirst().joined(separator: ",")
        }
        return try folder.write("フォームの回答.csv", lines.joined(separator: "\n"))
    }

    @Test func aGoogleFormsExportGivesTheFiguresOfTheCodedFile() throws {
        let folder = try TemporaryFolder()
        let fixture = (Paths.shared as NSString).appendingPathComponent("fixtures/lwc-standard-3000")
        let coded = (fixture as NSString).appendingPathComponent("responses_2024.csv")
        let forms = try Self.googleFormsExport(of: coded, in: folder)
        let instrument = try InstrumentLoader.load(path: Paths.survey("lwc.yaml"))
        var results: [IndicatorResults] = []
        for file in [coded, forms] {
            let store = try SurveyStore()
            let outcome = try importResponses(store, file, instrument: instrument, period: nil)
            #expect(outcome.importedRows == 1364)
            #expect(outcome.ignoredColumns.isEmpty, "\(outcome.ignoredColumns)")
            _ = try store.importPopulation(path: (fixture as NSString).appendingPathComponent("population.csv"), survey: "lwc",
                                           period: nil, marginSpec: "年代*性別,居住地区", encoding: nil, replace: false)
            let matrix = try store.responses(survey: SurveyID("lwc"), period: PeriodLabel("2024"))
            results.append(try IndicatorEngine(matrix: matrix, population: try store.population(survey: SurveyID("lwc"), period: PeriodLabel("2024")),
                                               options: AnalysisOptions(weighting: .raked)).run())
        }
        #expect(results[0].estimates == results[1].estimates)
        #expect(results[0].reliability == results[1].reliability)
    }

    // MARK: Local versions

    static let local = """
        extends: ../Surveys/lwc.yaml
        version: "city-1"
        respondent:
          group:
            values: [北区, 南区]
        headline:
          - {id: f1, text: 住み続けたい}
        """

    @Test func aLocalVersionAddsDistrictsAndQuestions() throws {
        let folder = try TemporaryFolder()
        let path = try folder.write("city.yaml", Self.local.replacingOccurrences(of: "../Surveys/lwc.yaml", with: Paths.survey("lwc.yaml")))
        let loaded = try InstrumentLoader.load(path: path)
        let instrument = loaded.instrument
        #expect(instrument.id.rawValue == "lwc")
        #expect(instrument.version == "city-1")
        #expect(instrument.respondent.group.values.map(\.rawValue) == ["北区", "南区"])
        #expect(instrument.headlines.map(\.itemID.rawValue) == ["h1", "h2", "h3", "h4", "f1"])
        #expect(instrument.scale(of: instrument.items.last!).rangeText == "1–5")  // the base's default scale
        #expect(instrument.items.count == 51)
        // The stored text holds both files, and reads back to the same instrument without the base file.
        #expect(loaded.yaml.contains(InstrumentLoader.fileMarker + "lwc.yaml"))
        #expect(loaded.yaml.contains(InstrumentLoader.fileMarker + "city.yaml"))
        let reread = try InstrumentLoader.parse(loaded.yaml, fileName: "city.yaml")
        #expect(reread.instrument == instrument)
        #expect(reread.sha256 == loaded.sha256)
    }

    @Test func anOptionalResponseModeColumnIsReadWhenThereAndEmptyWhenNot() throws {
        let instrument = try InstrumentLoader.load(path: Paths.survey("examples/fujisawa.yaml"))
        let store = try SurveyStore()
        try importResponses(store, Paths.survey("samples/citizen-2024-sjis.csv"), instrument: instrument, period: nil)
        try importResponses(store, Paths.survey("samples/citizen-2025.csv"), instrument: instrument, period: nil)
        // 2024 (paper and web) records the mode; the 2025 Google Forms export has no such column.
        let paper = try store.responses(survey: SurveyID("lwc"), period: PeriodLabel("2024"))
        let counts = Dictionary(grouping: paper.attributeCodes[2], by: { paper.attributeValues[2][Int($0)] }).mapValues(\.count)
        // Counted by hand in the Shift_JIS bytes: ",郵送," and ",Web," stand once per row.
        let bytes = [UInt8](try Data(contentsOf: URL(fileURLWithPath: Paths.survey("samples/citizen-2024-sjis.csv"))))
        func occurrences(_ text: String) -> Int {
            let needle = [UInt8](text.data(using: .shiftJIS)!)
            return (0...(bytes.count - needle.count)).filter { bytes[$0] == needle[0] && Array(bytes[$0..<$0 + needle.count]) == needle }.count
        }
        #expect(counts == ["郵送": occurrences(",郵送,"), "Web": occurrences(",Web,")])
        #expect(counts.values.reduce(0, +) == 909)
        let web = try store.responses(survey: SurveyID("lwc"), period: PeriodLabel("2025"))
        #expect(web.attributeValues[2] == [""])
        let profiles = SurveyTabulation.profiles(matrix: web, population: nil)
        #expect(profiles.map(\.field) == ["居住地区", "年代", "性別"])  // nothing to say about a column the file lacked
    }

    @Test func theShippedExampleLoads() throws {
        let instrument = try InstrumentLoader.load(path: Paths.survey("examples/fujisawa.yaml")).instrument
        #expect(instrument.respondent.group.values.count == 13)
        #expect(instrument.headlines.map(\.itemID.rawValue) == ["h1", "h2", "h3", "h4", "f1", "f2"])
    }

    struct ChainMistake: CustomTestStringConvertible, Sendable {
        var name: String
        var files: [String: String]
        var says: String
        /// The place the message must name: `file:line`.
        var place: String
        var testDescription: String { name }
    }

    static let chainMistakes: [ChainMistake] = [
        ChainMistake(name: "missing base", files: ["city.yaml": "version: \"1\"\nextends: nowhere.yaml\n"],
                     says: "cannot be found", place: "city.yaml:2"),
        ChainMistake(name: "cycle", files: ["a.yaml": "extends: b.yaml\n", "b.yaml": "# b\nextends: a.yaml\n"],
                     says: "a cycle: a.yaml → b.yaml → a.yaml", place: "b.yaml:2"),
        ChainMistake(name: "redefined item", files: [
            "city.yaml": "extends: LWC\ncategories:\n  - id: c99\n    name: 独自\n    items:\n      - {id: i05, text: 上書き}\n"],
                     says: "redefines the item 'i05' of lwc.yaml:", place: "city.yaml:6"),
        ChainMistake(name: "redefined category", files: [
            "city.yaml": "extends: LWC\ncategories:\n  - id: c01\n    name: 独自\n    items:\n      - {id: x1, text: 新しい}\n"],
                     says: "redefines the category 'c01' of lwc.yaml:", place: "city.yaml:3"),
        ChainMistake(name: "redefined scale", files: [
            "city.yaml": "extends: LWC\nscales:\n  agree5: {range: [1, 4]}\n"],
                     says: "redefines the scale 'agree5' of lwc.yaml:", place: "city.yaml:3"),
        ChainMistake(name: "redefined attribute", files: [
            "city.yaml": "extends: LWC\nrespondent:\n  attributes:\n    - {column: 年代, values: [若者]}\n"],
                     says: "redefines the attribute '年代' of lwc.yaml:", place: "city.yaml:4"),
        ChainMistake(name: "what a local version may not change", files: [
            "city.yaml": "extends: LWC\ndefault_scale: rating10\nrespondent:\n  period: when\n"],
                     says: "unknown key 'default_scale'", place: "city.yaml:2"),
        ChainMistake(name: "a group twice", files: [
            "base.yaml": "GROUPED", "city.yaml": "extends: base.yaml\nrespondent:\n  group:\n    values: [北区]\n"],
                     says: "is already a group", place: "city.yaml:4"),
    ]

    @Test(arguments: chainMistakes)
    func chainMistakesAreNamedWithBothPlaces(_ mistake: ChainMistake) throws {
        let folder = try TemporaryFolder()
        let grouped = try String(contentsOfFile: Paths.fixture("mini.yaml"), encoding: .utf8)
        for (name, text) in mistake.files {
            try folder.write(name, text == "GROUPED" ? grouped : text.replacingOccurrences(of: "LWC", with: Paths.survey("lwc.yaml")))
        }
        let entry = mistake.files.keys.contains("city.yaml") ? "city.yaml" : "a.yaml"
        let error = try #require(wellBeingError { _ = try InstrumentLoader.load(path: folder.file(entry)) })
        #expect(error.kind == .badData)
        #expect(error.description.contains(mistake.says), "\(error.description)")
        #expect(error.description.contains(mistake.place), "\(error.description)")
    }

    @Test func anItemRedefinedInOneFileIsStillADuplicate() throws {
        let folder = try TemporaryFolder()
        let path = try folder.write("city.yaml", "extends: \(Paths.survey("lwc.yaml"))\nheadline:\n  - {id: f1, text: あ}\n  - {id: f1, text: い}\n")
        let error = try #require(wellBeingError { _ = try InstrumentLoader.load(path: path) })
        #expect(error.description.contains("city.yaml:4: headline[1].id: 'f1' this item id is used twice"), "\(error.description)")
    }
}
