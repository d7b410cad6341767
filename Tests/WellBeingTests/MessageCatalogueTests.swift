import Foundation
import Testing
import WellBeingTestSupport
@testable import WellBeingCore

/// The message catalogue (issue 11): every message in both languages with the same placeholders, none left
/// unfilled, and the main errors word for word in Japanese and English.
@Suite struct MessageCatalogueTests {
    static func placeholders(_ template: String) -> Set<String> {
        let regex = try! NSRegularExpression(pattern: #"\{([A-Za-z]+)\}"#)
        let range = NSRange(template.startIndex..., in: template)
        return Set(regex.matches(in: template, range: range).map { String(template[Range($0.range(at: 1), in: template)!]) })
    }

    @Test(arguments: MessageKey.allCases)
    func everyMessageExistsInBothLanguages(_ key: MessageKey) throws {
        let entry = try #require(MessageCatalogue.entries[key], "\(key) has no entry")
        #expect(!entry.en.isEmpty && !entry.ja.isEmpty)
        // Japanese may leave out a value that the location already shows (a YAML path instead of "the title"),
        // but never names one that English lacks.
        #expect(Self.placeholders(entry.ja).isSubset(of: Self.placeholders(entry.en)), "\(key): placeholders differ")
        // Japanese text is Japanese (a few column names are the same words in both).
        if ![.colSHA256, .colKPIs, .kindKPIs].contains(key) {
            #expect(entry.ja.unicodeScalars.contains { $0.value > 0x3000 }, "\(key): the Japanese text has no Japanese")
        }
        // Filled with every placeholder, nothing is left untranslated or unfilled.
        let arguments = Dictionary(uniqueKeysWithValues: Self.placeholders(entry.en).map { ($0, "X") })
        for language in Language.allCases {
            let text = Message(key, arguments).text(in: language)
            #expect(Self.placeholders(text).isEmpty, "\(key) in \(language): \(text)")
        }
    }

    /// The server's wording of a message that names command-line options: it names none, and says no value the
    /// message it replaces was not given.
    @Test(arguments: Array(MessageCatalogue.webWording.keys).sorted { $0.rawValue < $1.rawValue })
    func theWebWordingNamesNoOption(_ key: MessageKey) throws {
        let web = try #require(MessageCatalogue.webWording[key])
        let original = try #require(MessageCatalogue.entries[key]), replacement = try #require(MessageCatalogue.entries[web])
        #expect(Self.placeholders(replacement.en).isSubset(of: Self.placeholders(original.en)), "\(web)")
        for text in [replacement.en, replacement.ja] {
            #expect(text.range(of: #"--[a-z]"#, options: .regularExpression) == nil, "\(web): \(text)")
        }
        #expect(Message(key, ["file": "a.csv"]).onTheWeb.key == web)
    }

    /// One place renders messages: no error, problem, refusal or console line in the sources is an English
    /// sentence of its own; they all go through `Message` and the catalogue.
    @Test func noMessageIsBuiltOutsideTheCatalogue() throws {
        let patterns = [#"WellBeingError\([\w.]+, ""#, #"reason: ""#, #"Refusal\(reason: ""#, #"Console\.(message|output)\("[^"]*[A-Za-z]{2,}"#,
                        #"ValidationError\(""#, #"\.badData\(""#]
        let sources = (Paths.root as NSString).appendingPathComponent("Sources")
        let files = FileManager.default.enumerator(atPath: sources)!.compactMap { $0 as? String }.filter { $0.hasSuffix(".swift") }
        #expect(files.count > 40)
        var found: [String] = []
        for file in files {
            let text = try String(contentsOfFile: (sources as NSString).appendingPathComponent(file), encoding: .utf8)
            for (number, line) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
                for pattern in patterns where line.range(of: pattern, options: .regularExpression) != nil {
                    found.append("\(file):\(number + 1): \(line.trimmingCharacters(in: .whitespaces))")
                }
            }
        }
        #expect(found.isEmpty, "user-facing text built outside the catalogue:\n\(found.joined(separator: "\n"))")
    }

    @Test func aMissingArgumentShowsAsAPlaceholder() {
        // What the test above would catch: a message rendered without its value.
        #expect(Message(.outsideRange, ["min": "1"]).text(in: .ja) == "は 1〜{max} の範囲外です")
    }

    @Test func languageFromTheEnvironment() {
        #expect(Language.fromEnvironment([:]) == .en)
        #expect(Language.fromEnvironment(["LANG": "ja_JP.UTF-8"]) == .ja)
        #expect(Language.fromEnvironment(["LANG": "ja_JP.UTF-8", "LC_ALL": "C"]) == .en)
        #expect(Language.fromEnvironment(["LANG": "C.UTF-8", "WELLBEING_LANG": "ja"]) == .ja)
        #expect(Language.fromEnvironment(["LANG": "ja_JP.UTF-8", "WELLBEING_LANG": "en"]) == .en)
        #expect(Language.fromEnvironment(["LC_MESSAGES": "ja_JP.eucJP", "LANG": "en_US.UTF-8"]) == .ja)
    }

    /// The errors a clerk meets most, word for word, through the built executable.
    @Test func mainErrorsInBothLanguages() throws {
        let folder = try TemporaryFolder()
        try folder.write("bad.csv", "id,地区,sex,q1,q2,q3,q4,ls,comment\nA1,北区,男性,4,2,5,3,7,\nA2,北区,男性,9x,2,5,3,7,\nA3,横浜,女性,1,2,7,3,7,\n")
        let arguments = ["import", "responses", "bad.csv", "--instrument", Paths.fixture("mini.yaml"), "--period", "2025",
                         "--store", "s.sqlite"]
        let english = try CommandLineTests.run(arguments, in: folder.path)
        let japanese = try CommandLineTests.run(arguments, environment: ["WELLBEING_LANG": "ja"], in: folder.path)
        let labels = "1 全くそう思わない, 2 あまりそう思わない, 3 どちらともいえない, 4 ややそう思う, 5 とてもそう思う"
        #expect(english.status == 65 && japanese.status == 65)
        #expect(english.errors == """
            error: 'bad.csv' has 3 problem(s) in 2 row(s); nothing was imported. Fix them and import again, or use --on-error skip --rejects FILE to import the valid rows:
              bad.csv:3: column q1 (4): '9x' is neither a number nor an answer label of the scale 1–5 (\(labels))
              bad.csv:4: column 地区 (2): '横浜' is not one of the instrument's groups: 髙島, 北区, ①番町
              bad.csv:4: column q3 (6): '7' is outside 1–5

            """)
        #expect(japanese.errors == """
            エラー: 'bad.csv' の 2 行に 3 件の問題があるため、何も取り込んでいません。直してから取り込み直すか、--on-error skip --rejects ファイル名 で正しい行だけを取り込んでください:
              bad.csv:3: q1 列（4 列目）: '9x' は 1–5 (\(labels)) の数値でも選択肢の文言でもありません
              bad.csv:4: 地区 列（2 列目）: '横浜' は調査票の区分（髙島, 北区, ①番町）のいずれでもありません
              bad.csv:4: q3 列（6 列目）: '7' は 1〜5 の範囲外です

            """)
        // The store that is not there, and the summary of a good import.
        let missing = try CommandLineTests.run(["batches", "--store", "none.sqlite", "--lang", "ja"], in: folder.path)
        #expect(missing.status == 66 && missing.errors == "エラー: 'none.sqlite' にストアがありません。先に調査を取り込むか、--store でストアを指定してください。\n")
        let good = try CommandLineTests.run(["import", "responses", Paths.fixture("mini-utf8.csv"), "--instrument", Paths.fixture("mini.yaml"),
                                             "--period", "2025", "--store", "s.sqlite", "--lang", "ja"], in: folder.path)
        #expect(good.status == 0)
        #expect(good.errors.hasPrefix("'mini-utf8.csv'（UTF-8）から回答者 3 人を期間 2025 のバッチ 1 として s.sqlite に取り込みました。"), "\(good.errors)")
        let repeated = try CommandLineTests.run(["import", "responses", Paths.fixture("mini-utf8.csv"), "--instrument", Paths.fixture("mini.yaml"),
                                                 "--period", "2025", "--store", "s.sqlite", "--lang", "ja"], in: folder.path)
        #expect(repeated.status == 65 && repeated.errors.contains("はバッチ 1（'mini-utf8.csv'、"), "\(repeated.errors)")
    }
}
