import Foundation
import Testing
import WellBeingTestSupport
@testable import WellBeingAnalysis
@testable import WellBeingCLI
@testable import WellBeingCore
@testable import WellBeingIngest
@testable import WellBeingReport
@testable import WellBeingStore
import WellBeingWorkspace

/// The demo's city report as a city would publish it: in the reader's language only, with the survey's
/// particulars, a reading guide and the plain means, and laid out for A4 paper.
@Suite(.serialized) struct CityReportTests {
    /// The demo report's document and input, in `language`.
    static func demoReport(_ language: Language, about: ReportAbout? = nil) throws -> (ReportDocument, ReportInput) {
        let (_, storePath) = try AnalysisCommandTests.demo.get()
        let store = try SurveyStore(path: storePath, access: .read)
        return try ReportJob.build(store: store, survey: "lwc", period: "2025", previous: "2024", options: AnalysisOptions(),
                                   language: language, includeComments: false, about: about)
    }

    /// Every text of a document a reader sees: headings, paragraphs, notes, table headers and cells, chart titles
    /// and the text drawn in the charts.
    static func texts(_ document: ReportDocument) -> [String] {
        func table(_ table: ResultTable) -> [String] { table.headers + table.rows.flatMap { $0.map(ResultTable.display) } }
        func chart(_ chart: SVGChart) -> [String] {
            let drawn = chart.svg.components(separatedBy: "<text").dropFirst().map { part in
                String(part.drop { $0 != ">" }.dropFirst().prefix { $0 != "<" })
            }
            return [chart.title] + drawn + table(chart.table)
        }
        var texts = [document.title, document.subtitle]
        for block in document.blocks {
            switch block {
            case let .heading(_, text, _), let .paragraph(text), let .note(text): texts.append(text)
            case let .bullets(items): texts += items
            case let .table(result, caption, _): texts += [caption] + table(result)
            case let .chart(item): texts += chart(item)
            case let .chartGrid(items, result, caption): texts += items.flatMap(chart) + [caption] + table(result)
            case let .shadeKey(entries): texts += entries.map(\.label)
            }
        }
        return texts.map { text in
            text.replacingOccurrences(of: "&amp;", with: "&").replacingOccurrences(of: "&lt;", with: "<")
                .replacingOccurrences(of: "&gt;", with: ">").replacingOccurrences(of: "&#39;", with: "'")
        }
    }

    /// Names the report quotes from imported files as they are: the boundaries' credit and the plans' names.
    static func importedNames(_ input: ReportInput) -> [String] {
        [input.boundaries?.credit].compactMap { $0 } + (input.planTargets?.rows.map(\.target.plan) ?? [])
    }

    static func matches(_ pattern: String, in text: String) -> [String] {
        let expression = try! NSRegularExpression(pattern: pattern)
        return expression.matches(in: text, range: NSRange(text.startIndex..., in: text)).map { (text as NSString).substring(with: $0.range) }
    }

    /// No kana or kanji in the English report except in what the instrument gives no English for: here the
    /// benchmark sources, quoted as their files say.
    @Test func theEnglishReportHasNoJapanese() throws {
        let (document, input) = try Self.demoReport(.en)
        // Texts quoted as the imported files give them: the benchmark sources, the boundaries' credit, the plans' names.
        let quoted = Set(input.storedBenchmarks.map(\.source) + Self.importedNames(input))
        var leftovers: [String] = []
        for var text in Self.texts(document) {
            for source in quoted { text = text.replacingOccurrences(of: source, with: "") }
            // A quoted text may be wrapped over lines in a chart: its pieces are quoted too.
            leftovers += Self.matches(#"[\p{Hiragana}\p{Katakana}\p{Han}（）「」、。〜・]+"#, in: text)
                .filter { piece in !quoted.contains { $0.contains(piece) } }
        }
        #expect(leftovers.isEmpty, "\(Set(leftovers).sorted())")
        // The districts, age bands and sexes by the instrument's English names.
        let all = Self.texts(document).joined(separator: "\n")
        for name in ["Goshomi", "Shonan-Oba", "Under 30", "70 and over", "Men", "Women"] { #expect(all.contains(name), "\(name)") }
        // The Markdown and the workbook say the same.
        let folder = try TemporaryFolder()
        try ReportFiles.write(document, folder: folder.path, baseName: "r", format: .all)
        var markdown = try String(contentsOfFile: folder.file("r.md"), encoding: .utf8)
        for source in quoted { markdown = markdown.replacingOccurrences(of: MarkdownRenderer.escape(source), with: "") }
        #expect(Self.matches(#"[\p{Hiragana}\p{Katakana}\p{Han}]+"#, in: markdown).isEmpty)
    }

    /// No Latin-script words in the Japanese report outside names, ids, hashes, file names and the few terms a
    /// Japanese statistical report writes in Latin letters (n, p, q, r, KPI, SHA-256, R and its package).
    @Test func theJapaneseReportHasNoEnglishLeftovers() throws {
        let (document, input) = try Self.demoReport(.ja)
        let instrument = input.instrument
        var allowed: Set<String> = ["n", "p", "q", "r", "x", "R", "KPI", "SHA-256", "ID", "CV", "RMSE", "wellbeing", "survey",
                                    "Benjamini", "Hochberg", "Web", "Well-Being", instrument.id.rawValue, instrument.version]
        allowed.formUnion(instrument.indicatorIDs.map(\.rawValue))
        allowed.formUnion(instrument.items.map(\.id.rawValue))
        allowed.formUnion(input.provenance.flatMap { [$0.fileName, $0.sha256] })
        // Names quoted from the imported files: the benchmark sources, the KPI ids in notes.
        let quoted = input.storedBenchmarks.map(\.source) + Self.importedNames(input) + input.provenance.flatMap { [$0.fileName, $0.sha256] }
            + [input.instrumentSHA256]
        let words = Self.texts(document).flatMap { Self.matches(#"[A-Za-z][A-Za-z0-9._-]*[A-Za-z0-9]|[A-Za-z]"#, in: $0) }
        let leftovers = Set(words).subtracting(allowed).filter { word in
            !quoted.contains { $0.contains(word) } && word.range(of: #"^[a-z0-9]+(_[a-z0-9]+)+$"#, options: .regularExpression) == nil
        }
        #expect(leftovers.isEmpty, "\(leftovers.sorted())")
        let all = Self.texts(document).joined(separator: "\n")
        for phrase in ["重み付け raked", "1e-10", "）（反復", "調査期間（集計単位）", " の推定値も", "lwc 版"] {
            #expect(!all.contains(phrase), "\(phrase)")
        }
        // The provenance table names the kinds of files in Japanese.
        let provenance = try #require(document.blocks.lazy.compactMap { block -> ResultTable? in
            if case let .table(table, "出典と処理の記録", _) = block { return table }
            return nil
        }.first)
        #expect(Set(provenance.rows.map { ResultTable.display($0[1]) }).isSubset(of: ["回答", "人口", "客観指標", "配布数", "比較値・参照値", "計画の目標", "地区境界"]))
    }

    /// The particulars of the instrument's report: block, the reading guide, the plain means by district, and the
    /// unweighted appendix said so.
    @Test(arguments: [Language.ja, .en])
    func thePartsEveryCityReportHas(_ language: Language) throws {
        let (document, input) = try Self.demoReport(language)
        let all = Self.texts(document).joined(separator: "\n")
        let about = try #require(input.instrument.about)
        for part in [about.purpose, about.population, about.sampling, about.method, about.publisher, about.contact] {
            let text = try #require(part?.text(in: language))
            #expect(all.contains(text), "\(text)")
        }
        #expect(all.contains(language == .ja ? "調査期間: 2025年9月1日〜9月30日" : "Fieldwork: 1 September to 30 September 2025"))
        let headings = document.blocks.compactMap { block -> String? in
            if case let .heading(_, text, _) = block { return text }
            return nil
        }
        #expect(headings.contains(language == .ja ? "この報告書の見方" : "How to read this report"))
        #expect(headings.contains(language == .ja ? "居住地区別の平均（重み付き）" : "Means by district (weighted)"))
        #expect(all.contains(language == .ja ? "単純集計（重み付けなし）" : "Answers (unweighted)"))
        // The plain means are the JSON's, withheld where the JSON withholds them.
        let means = try #require(document.blocks.lazy.compactMap { block -> ResultTable? in
            if case let .table(table, caption, _) = block, caption == headings.first(where: { $0.hasSuffix(language == .ja ? "の平均（重み付き）" : "(weighted)") }) {
                return table
            }
            return nil
        }.first)
        for (row, id) in zip(means.rows, input.instrument.categories.map(\.id) + input.instrument.headlines.map { IndicatorID($0.itemID.rawValue) }) {
            for (offset, group) in input.results.groups.enumerated() {
                let estimate = try #require(input.results.estimate(id, group: group))
                let cell = ResultTable.display(row[3 + offset])
                if let reason = estimate.withheld {
                    #expect(cell == ReportText(language: language).withheld(reason))
                } else {
                    #expect(cell.replacingOccurrences(of: "*", with: "") == ResultTable.fixed(estimate.mean!, decimals: 2), "\(id) \(group)")
                }
            }
        }
    }

    /// Benchmarks: this year's compared with a test, every other stored one listed with its source and year; the
    /// one-comparison sentence does not speak of many comparisons.
    @Test func everyStoredBenchmarkIsShownWithItsSourceAndYear() throws {
        let (document, input) = try Self.demoReport(.ja)
        let all = Self.texts(document).joined(separator: "\n")
        #expect(input.storedBenchmarks.contains { $0.period == "2024" } && input.storedBenchmarks.contains { $0.period == "2025" })
        for benchmark in input.storedBenchmarks { #expect(all.contains(benchmark.source), "\(benchmark.source)") }
        let others = try #require(document.blocks.lazy.compactMap { block -> ResultTable? in
            if case let .table(table, "ほかの年の比較値", _) = block { return table }
            return nil
        }.first)
        #expect(others.rows.count == input.storedBenchmarks.filter { $0.period == "2024" }.count)
        #expect(!all.contains("比較を 1 件行っているため"))
        // The year stands before the source, not in a second bracket after the source's own (…)（2024）.
        #expect(all.contains("2024 年: ") && !all.contains("）（2024）"))
    }

    /// The gap table's threshold column is 1.96 × the SE the flag uses, and every listed gap exceeds it.
    @Test func theGapThresholdIsTheOneTheFlagUses() throws {
        let (document, input) = try Self.demoReport(.ja)
        let table = try #require(document.blocks.lazy.compactMap { block -> ResultTable? in
            if case let .table(table, "主観と客観のギャップ", _) = block { return table }
            return nil
        }.first)
        #expect(table.headers.contains("判定の基準（1.96 × 標準誤差）"))
        let flagged = try #require(input.comparison).filter(\.flagged).sorted { abs($0.gap!) > abs($1.gap!) }
        #expect(table.rows.count == flagged.count)
        for (row, comparison) in zip(table.rows, flagged) {
            guard case let .number(threshold?, _) = row[5], case let .number(gap?, _) = row[4] else {
                Issue.record("no threshold in \(row)")
                continue
            }
            #expect(abs(threshold - 1.96 * comparison.gapStandardError!) < 1e-9)
            #expect(abs(gap) > ReportBuilder.rounded(threshold, 1) - 0.05)
        }
    }

    /// The instrument's `report:` block is checked like the rest (a bad date named with its place), and
    /// `report --about FILE` replaces it.
    @Test func theReportBlockIsCheckedAndAboutReplacesIt() throws {
        let folder = try TemporaryFolder()
        let bad = try folder.write("about.yaml", "purpose: {ja: 目的}\nfieldwork: {from: 2025-09-31, to: 2025-08-01}\nowner: x\n")
        let error = try #require(wellBeingError { _ = try InstrumentLoader.loadAbout(path: bad) })
        #expect(error.kind == .badData)
        let text = error.text(in: .en)
        #expect(text.contains("about.yaml") && text.contains("2025-09-31") && text.contains("owner"), "\(text)")
        let good = try folder.write("good.yaml", "purpose: {ja: 別の目的, en: Another purpose}\nfieldwork: {from: 2025-10-01, to: 2025-11-15}\n")
        let about = try InstrumentLoader.loadAbout(path: good)
        let (document, _) = try Self.demoReport(.en, about: about)
        let all = Self.texts(document).joined(separator: "\n")
        #expect(all.contains("Purpose: Another purpose") && all.contains("Fieldwork: 1 October to 15 November 2025"))
        #expect(!all.contains("Published by"))
        // An old instrument without English value names or a report: block still loads and reports.
        let plain = try InstrumentLoader.parse(try String(contentsOfFile: Paths.fixture("mini.yaml"), encoding: .utf8), fileName: "mini.yaml")
        #expect(plain.instrument.about == nil)
        #expect(plain.instrument.respondent.valueText("北区", in: .en) == "北区")
    }

    /// `{value: 男性, en: Men}`: the answers keep the value; English reports print the name; a mistyped key is named.
    @Test func valuesMayCarryEnglishNames() throws {
        let original = try String(contentsOfFile: Paths.fixture("mini.yaml"), encoding: .utf8)
        let yaml = original.replacingOccurrences(of: "values: [髙島, 北区, ①番町]", with: "values: [{value: 髙島, en: Takashima}, 北区, {value: ①番町, en: Ichibancho}]")
        let loaded = try InstrumentLoader.parse(yaml, fileName: "mini.yaml")
        let respondent = loaded.instrument.respondent
        #expect(respondent.group.values.map(\.rawValue) == ["髙島", "北区", "①番町"])
        #expect(respondent.valueText("髙島", in: .en) == "Takashima" && respondent.valueText("髙島", in: .ja) == "髙島")
        #expect(respondent.valueText("北区", in: .en) == "北区")
        let wrong = original.replacingOccurrences(of: "values: [髙島, 北区, ①番町]", with: "values: [{value: 髙島, english: Takashima}, 北区, ①番町]")
        let error = try #require(wellBeingError { _ = try InstrumentLoader.parse(wrong, fileName: "mini.yaml") })
        #expect(error.text(in: .en).contains("english"), "\(error.text(in: .en))")
    }

    static var playwright: Bool {
        (try? runPython(["-c", "import playwright.sync_api"]))?.status == 0 && ReportTests.chromium != nil
    }

    /// The demo report (Japanese and English) laid out by Chromium at an A4 page's width with the print
    /// stylesheet: no table wider than the page, no cell clipped or narrower than its longest word. Runs in CI
    /// (.ci/run installs Playwright); elsewhere only when Playwright and Chromium are there.
    @Test(.enabled(if: ProcessInfo.processInfo.environment["CI"] != nil || CityReportTests.playwright,
                   "Playwright for Python or Chromium is missing (.ci/run installs them)"))
    func tablesFitAnA4Page() throws {
        let folder = try TemporaryFolder()
        for language in [Language.ja, .en] {
            let (document, _) = try Self.demoReport(language)
            try ReportFiles.write(document, folder: folder.path, baseName: "lwc-\(language.rawValue)", format: .html)
        }
        let (status, text) = try runPython([(Paths.root as NSString).appendingPathComponent("Tests/print-layout.py"),
                                            folder.file("lwc-ja.html"), folder.file("lwc-en.html")])
        #expect(status == 0, "\(text)")
        // Both files were measured, each with its tables.
        for name in ["lwc-ja.html", "lwc-en.html"] {
            #expect(text.contains("\(name): ") && !text.contains("\(name): 0 tables"), "\(text)")
        }
    }
}
