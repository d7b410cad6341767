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

/// Reports: golden files in both languages and formats, self-containment, escaping, the staff report,
/// masking of comments, and a real render in headless Chromium.
@Suite(.serialized) struct ReportTests {
    /// The reference fixture (both waves, margins) with the sample KPIs: the same store on every run.
    static let store: Result<SurveyStore, Error> = Result {
        let store = try SurveyStore()
        try importResponses(store, Paths.lwc("responses.csv"), instrument: try InstrumentLoader.load(path: Paths.survey("lwc-synthetic.yaml")),
                            period: nil)
        _ = try store.importPopulation(path: Paths.lwc("population.csv"), survey: "lwc", period: nil,
                                       marginSpec: "age_band*sex,region", encoding: nil, replace: false)
        _ = try store.importKPIs(valuesPath: Paths.survey("samples/kpis.csv"), catalogPath: Paths.survey("kpis-lwc.yaml"),
                                 survey: "lwc", encoding: nil, replace: false)
        // Mean-only benchmarks (a headline item and a single question) and the numbers drawn, for the report's
        // comparison and response-rate sections.
        _ = try store.importReference(path: Paths.fixture("benchmark-synthetic.csv"), survey: "lwc", period: PeriodLabel("2025"),
                                      encoding: nil, replace: false)
        _ = try store.importSample(path: (Paths.shared as NSString).appendingPathComponent("fixtures/strat-4000/sample_2025.csv"),
                                   survey: "lwc", period: PeriodLabel("2025"), encoding: nil, replace: false)
        return store
    }

    static func write(language: Language, format: ReportFormat = .both, comments: Bool = false) throws -> TemporaryFolder {
        let folder = try TemporaryFolder()
        _ = try ReportJob.write(store: try store.get(), survey: "lwc", period: "2025", previous: "2024", options: AnalysisOptions(),
                                language: language, format: format, folder: folder.path, includeComments: comments)
        return folder
    }

    /// Compares a generated file with its snapshot; `UPDATE_SNAPSHOTS=1` rewrites the snapshots instead.
    static func matchesSnapshot(_ path: String, name: String) throws {
        let snapshot = (Paths.root as NSString).appendingPathComponent("Tests/WellBeingTests/Snapshots/\(name)")
        let actual = try String(contentsOfFile: path, encoding: .utf8)
        if ProcessInfo.processInfo.environment["UPDATE_SNAPSHOTS"] == "1" {
            try actual.write(toFile: snapshot, atomically: true, encoding: .utf8)
            return
        }
        let expected = try String(contentsOfFile: snapshot, encoding: .utf8)
        if actual != expected {
            let a = actual.components(separatedBy: "\n"), e = expected.components(separatedBy: "\n")
            let first = zip(a, e).enumerated().first { $0.element.0 != $0.element.1 }?.offset ?? min(a.count, e.count)
            Issue.record("\(name) differs from its snapshot at line \(first + 1):\n- \(first < e.count ? e[first] : "")\n+ \(first < a.count ? a[first] : "")")
        }
    }

    @Test(arguments: [Language.ja, .en])
    func reportsMatchTheirGoldenFiles(_ language: Language) throws {
        let folder = try Self.write(language: language)
        let base = language == .ja ? "lwc-2025" : "lwc-2025-en"
        try Self.matchesSnapshot(folder.file("\(base).html"), name: "\(base).html")
        try Self.matchesSnapshot(folder.file("\(base).md"), name: "\(base).md")
        try Self.matchesSnapshot(folder.file("\(base)-charts/drivers.svg"), name: "\(base)-drivers.svg")
    }

    @Test func sameStoreGivesTheSameBytes() throws {
        let first = try Self.write(language: .ja), second = try Self.write(language: .ja)
        for name in ["lwc-2025.html", "lwc-2025.md", "lwc-2025-charts/radar-0.svg"] {
            #expect(try Data(contentsOf: URL(fileURLWithPath: first.file(name))) == Data(contentsOf: URL(fileURLWithPath: second.file(name))))
        }
    }

    @Test func htmlNamesNoExternalResource() throws {
        let folder = try Self.write(language: .ja, format: .html)
        let html = try String(contentsOfFile: folder.file("lwc-2025.html"), encoding: .utf8)
        for pattern in ["<script", "<link", "@import", "url(", "src=", "http://", "https://", "//cdn"] {
            #expect(!html.contains(pattern), "the report contains \(pattern)")
        }
        #expect(html.contains("@page { size: A4"))
        #expect(html.contains("<title id=\"chart-drivers-title\">"))
        #expect(html.contains("<desc id="))
        #expect(!FileManager.default.fileExists(atPath: folder.file("lwc-2025.md")))
    }

    @Test func everyChartHasATitleADescriptionAndATable() throws {
        let folder = try Self.write(language: .en, format: .md)
        let markdown = try String(contentsOfFile: folder.file("lwc-2025-en.md"), encoding: .utf8)
        let files = try FileManager.default.contentsOfDirectory(atPath: folder.file("lwc-2025-en-charts"))
        let charts = files.filter { $0 != ReportFiles.manifestName }
        #expect(charts.count >= 18)
        // The chart folder lists the charts the tool wrote, and nothing else.
        #expect(ReportFiles.readManifest(in: folder.file("lwc-2025-en-charts")).sorted() == charts.sorted())
        for chart in charts {
            let svg = try String(contentsOfFile: folder.file("lwc-2025-en-charts/\(chart)"), encoding: .utf8)
            #expect(svg.contains("<title") && svg.contains("<desc"), "\(chart)")
            #expect(markdown.contains("](lwc-2025-en-charts/\(chart))"), "\(chart) is not linked")
        }
        #expect(markdown.contains("| --- |"))
        for section in ["Summary", "Data and method", "Headline indicators", "Subjective versus objective",
                        "Importance × satisfaction", "Changes since the previous survey", "Reliability", "Provenance"] {
            #expect(markdown.contains("## \(section)"), "\(section)")
        }
        #expect(markdown.contains("describe the character of each district; they are not a ranking"))
    }

    @Test func hostileNamesAreEscaped() throws {
        let hostile = "<script>alert('x')</script>&\"|*_"
        let yaml = try String(contentsOfFile: Paths.fixture("mini.yaml"), encoding: .utf8)
            .replacingOccurrences(of: "values: [髙島, 北区, ①番町]", with: "values: [\"\(hostile.replacingOccurrences(of: "\"", with: "\\\""))\", 北区, ①番町]")
            .replacingOccurrences(of: "name: {ja: 安心, en: Safety}", with: "name: {ja: \"<img src=x onerror=alert(1)>\", en: \"<b>bold</b>\"}")
        let loaded = try InstrumentLoader.parse(yaml, fileName: "mini.yaml")
        let store = try SurveyStore()
        let folder = try TemporaryFolder()
        var text = "id,地区,sex,q1,q2,q3,q4,ls,comment\n"
        for index in 0..<60 {
            let group = [hostile, "北区", "①番町"][index % 3].replacingOccurrences(of: "\"", with: "\"\"")
            text += "H\(index),\"\(group)\",男性,\(index % 5 + 1),\(index % 3 + 1),\(index % 4 + 1),3,\(index % 11),\"<script>x</script> mail a@b.jp\"\n"
        }
        try importResponses(store, try folder.write("h.csv", text), instrument: loaded)
        _ = try ReportJob.write(store: store, survey: "mini", period: "2025", previous: nil, options: AnalysisOptions(),
                                language: .ja, format: .both, folder: folder.path, includeComments: true)
        let html = try String(contentsOfFile: folder.file("mini-2025.html"), encoding: .utf8)
        #expect(!html.contains("<script>"))
        #expect(!html.contains("<img"))
        #expect(!html.contains("<b>bold"))
        #expect(html.contains("&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;&amp;&quot;"))
        #expect(!html.contains("a@b.jp"))
        let markdown = try String(contentsOfFile: folder.file("mini-2025.md"), encoding: .utf8)
        // In Markdown, a backslash before < makes it literal text.
        #expect(markdown.range(of: #"(?<!\\)<(script|img|b)"#, options: .regularExpression) == nil)
        #expect(markdown.contains("\\<script\\>"))
        for chart in try FileManager.default.contentsOfDirectory(atPath: folder.file("mini-2025-charts")) {
            let svg = try String(contentsOfFile: folder.file("mini-2025-charts/\(chart)"), encoding: .utf8)
            #expect(!svg.contains("<script") && !svg.contains("<img"), "\(chart)")
        }
    }

    @Test func commentsOnlyWhenAskedAndMasked() throws {
        let without = try Self.write(language: .ja, format: .md)
        let plain = try String(contentsOfFile: without.file("lwc-2025.md"), encoding: .utf8)
        #expect(!plain.contains("自由記述"))
        let with = try Self.write(language: .ja, format: .md, comments: true)
        let shown = try String(contentsOfFile: with.file("lwc-2025.md"), encoding: .utf8)
        #expect(shown.contains("## 自由記述"))
    }

    @Test(arguments: [
        ("連絡先は taro.yamada@example.co.jp です", "連絡先は [メール] です"),
        ("電話 090-1234-5678 まで", "電話 [電話番号] まで"),
        ("代表 0466(25)1111、FAX 0466-50-3400", "代表 [電話番号]、FAX [電話番号]"),
        ("＋81 466 25 1111", "[電話番号]"),
        ("+81 466 25 1111 へ", "[電話番号] へ"),
        ("２０２５年９月の回答", "２０２５年９月の回答"),
        ("ＭＡＩＬ：ｔａｒｏ＠ｅｘａｍｐｌｅ．ｊｐ", "ＭＡＩＬ：[メール]"),
        ("電話０９０－１２３４－５６７８", "電話[電話番号]"),
        ("2025-09-01 に参加", "2025-09-01 に参加"),
    ])
    func personalDataIsMasked(_ text: String, _ expected: String) {
        #expect(PersonalDataMask.mask(text) == expected)
    }

    @Test func staffReportHighlightsTargetTiers() throws {
        let store = try SurveyStore()
        try importResponses(store, Paths.survey("samples/staff-dx-2025.csv"),
                            instrument: try InstrumentLoader.load(path: Paths.survey("staff-dx.yaml")), period: "2025")
        let folder = try TemporaryFolder()
        _ = try ReportJob.write(store: store, survey: "staff-dx", period: "2025", previous: nil, options: AnalysisOptions(),
                                language: .ja, format: .md, folder: folder.path, includeComments: false)
        let markdown = try String(contentsOfFile: folder.file("staff-dx-2025.md"), encoding: .utf8)
        #expect(markdown.contains("## 目標階層とスキル"))
        #expect(markdown.contains("### DXマインドの階層別概況"))
        #expect(markdown.contains("◎"))
        #expect(markdown.contains("第1階層") && markdown.contains("第5階層"))
        #expect(!markdown.contains("主観と客観"))  // no KPIs for the staff survey
    }

    static var chromium: String? {
        ["/usr/bin/chromium", "/usr/bin/chromium-browser"].first { FileManager.default.isExecutableFile(atPath: $0) }
    }

    @Test(.enabled(if: ReportTests.chromium != nil, "headless Chromium is not installed (.ci/run installs it)"))
    func rendersInHeadlessChromium() throws {
        let folder = try Self.write(language: .ja, format: .html)
        let html = folder.file("lwc-2025.html")
        func chromium(_ arguments: [String]) throws -> Int32 {
            let process = Process()
            process.executableURL = URL(fileURLWithPath: Self.chromium!)
            process.arguments = ["--headless", "--no-sandbox", "--disable-gpu", "--user-data-dir=\(folder.file("profile"))",
                                 "--hide-scrollbars"] + arguments + ["file://\(html)"]
            process.standardOutput = FileHandle.nullDevice
            process.standardError = FileHandle.nullDevice
            try process.run()
            process.waitUntilExit()
            return process.terminationStatus
        }
        #expect(try chromium(["--window-size=1000,2400", "--screenshot=\(folder.file("page.png"))"]) == 0)
        #expect(try chromium(["--no-pdf-header-footer", "--print-to-pdf=\(folder.file("page.pdf"))"]) == 0)
        let png = try Data(contentsOf: URL(fileURLWithPath: folder.file("page.png")))
        #expect(png.starts(with: [0x89, 0x50, 0x4E, 0x47]))
        #expect(png.count > 50_000)  // a blank page compresses to a few kilobytes
        let pdf = try Data(contentsOf: URL(fileURLWithPath: folder.file("page.pdf")))
        #expect(pdf.starts(with: Array("%PDF".utf8)))
        let pages = String(decoding: pdf, as: UTF8.self).components(separatedBy: "/Type /Page").count - 1
        #expect(pages >= 5, "A4 pages: \(pages)")
    }
}

extension ReportTests {
    @Test func referenceFiguresAddAWholeAreaRadar() throws {
        let store = try SurveyStore()
        try importResponses(store, Paths.lwc("responses_2025.csv"), instrument: try InstrumentLoader.load(path: Paths.survey("lwc-synthetic.yaml")),
                            period: "2025")
        _ = try store.importReference(path: Paths.fixture("reference-synthetic.csv"), survey: nil, period: nil, encoding: nil, replace: false)
        let folder = try TemporaryFolder()
        _ = try ReportJob.write(store: store, survey: "lwc", period: "2025", previous: nil, options: AnalysisOptions(),
                                language: .en, format: .md, folder: folder.path, includeComments: false)
        let markdown = try String(contentsOfFile: folder.file("lwc-2025-en.md"), encoding: .utf8)
        #expect(markdown.contains("All: deviation scores against the reference figures"))
        #expect(FileManager.default.fileExists(atPath: folder.file("lwc-2025-en-charts/radar-all.svg")))
        #expect(markdown.contains("or against imported reference figures"))
    }
}
