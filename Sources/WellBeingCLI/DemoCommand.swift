import ArgumentParser
import Foundation
import WellBeingAnalysis
import WellBeingCore
import WellBeingIngest
import WellBeingReport
import WellBeingStore
import WellBeingWorkspace

/// `wellbeing demo`: a fresh store from the bundled samples, and what it holds.
struct Demo: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Build a fresh store from the bundled samples and show what it holds.",
        discussion: """
            Imports a synthetic citizen survey on the Digital Agency's standard questionnaire, in a city's
            local version (examples/fujisawa.yaml: 13 districts, two questions of its own), for two years: 2024
            in Shift_JIS as Excel saves it, 2025 as a Google Forms export. Then its population margins, KPIs,
            public benchmarks (reference/), a plan's targets (samples/targets.csv), illustrative district
            boundaries and the staff DX survey, into a new store; prints the headline indicators, and writes the
            citizen and staff reports (Japanese and English, HTML and Markdown) into Reports/demo/ under the
            current folder. Works in any folder: the samples are the bundled files (see wellbeing instruments).
            If it fails, what it had made is removed.

            Examples:
              wellbeing demo
              wellbeing demo --out /tmp/wellbeing-demo --reports /tmp/wellbeing-demo/reports
            """)

    @Option(help: ArgumentHelp("Folder for the demo store (default: a new temporary folder); an existing store there "
                               + "is never replaced.", valueName: "dir"))
    var out: String?

    @Option(help: ArgumentHelp("The folder with the instruments and samples/ (default: the bundled files; see "
                               + "wellbeing instruments).", valueName: "dir"))
    var surveys: String?

    @Option(help: ArgumentHelp("Where to write the sample reports.", valueName: "dir"))
    var reports: String = "Reports/demo"

    func run() throws {
        try reportingFailures {
            let surveys = try self.surveys ?? BundledData.folder()
            var made = DemoLeftovers(reports: reports)
            do {
                try build(from: surveys, leftovers: &made)
            } catch {
                // Nothing half-made stays behind: not the store (which would block the next try), nor reports.
                let removed = made.remove()
                guard !removed.isEmpty else { throw error }
                let note = Message(.demoRemoved, ["paths": removed.joined(separator: ", ")])
                if let failure = error as? WellBeingError, failure.adviceMessage == nil { throw failure.adding(advice: note) }
                Console.say(note)
                throw error
            }
        }
    }

    /// Imports the samples into a new store and writes the reports, noting in `leftovers` what it creates.
    private func build(from surveys: String, leftovers: inout DemoLeftovers) throws {
        let folder = try demoFolder(leftovers: &leftovers)
        let storePath = (folder as NSString).appendingPathComponent("wellbeing.sqlite")
        // Never replaces a store: an existing file at the demo's store path is refused.
        let store = try SurveyStore(path: storePath, access: .createNew)
        leftovers.store = storePath
        // Closed before a failed run's files are removed (and at the end of a good one).
        defer { store.close() }
        let samples = (surveys as NSString).appendingPathComponent("samples")
        func path(_ name: String) -> String { (samples as NSString).appendingPathComponent(name) }
        func instrument(_ name: String) throws -> (LoadedInstrument, String) {
            let file = (surveys as NSString).appendingPathComponent(name)
            return (try InstrumentLoader.load(path: file), name)
        }

        let (lwc, lwcName) = try instrument("examples/fujisawa.yaml")
        for file in ["citizen-2024-sjis.csv", "citizen-2025.csv"] {
            let outcome = try store.importResponses(ResponseImportRequest(
                source: try ResponseFile(path: path(file), instrument: lwc.instrument, period: nil),
                instrument: lwc, instrumentFileName: lwcName))
            Console.message(ImportSummary.describe(outcome, store: storePath, language: Console.language))
        }
        let population = try store.importPopulation(path: path("population.csv"), survey: "lwc", period: nil,
                                                    marginSpec: "年代*性別,居住地区", encoding: nil, replace: false)
        Console.say(Message(.demoPopulation, ["batch": "\(population.batchID)"]).localizingArgument("detail", population.detail))
        let kpis = try store.importKPIs(valuesPath: path("kpis.csv"),
                                        catalogPath: (surveys as NSString).appendingPathComponent("kpis-lwc.yaml"),
                                        survey: "lwc", encoding: nil, replace: false)
        Console.say(Message(.demoKPIs, ["count": "\(kpis.rowCount)", "batch": "\(kpis.batchID)"]).localizingArgument("detail", kpis.detail))
        for period in ["2024", "2025"] {
            let sample = try store.importSample(path: path("sample-\(period).csv"), survey: "lwc", period: PeriodLabel(period),
                                                encoding: nil, replace: false)
            Console.say(Message(.demoSample, ["period": period, "batch": "\(sample.batchID)"]).localizingArgument("detail", sample.detail))
        }
        // Public benchmarks: Osaka Prefecture's means of the 50 questions beside 2024, the national 幸福度 beside 2025.
        for (file, period) in [("osaka-2024.csv", "2024"), ("national-2025.csv", "2025")] {
            let reference = try store.importReference(
                path: (surveys as NSString).appendingPathComponent("reference/\(file)"), survey: "lwc",
                period: PeriodLabel(period), encoding: nil, replace: false)
            Console.say(Message(reference.detail.key == .detailBenchmarks ? .demoBenchmarks : .demoReference,
                                ["count": "\(reference.rowCount)", "file": file, "period": period, "batch": "\(reference.batchID)"]))
        }
        // Illustrative district boundaries (not real geography), so that the report shows its maps.
        let boundaryFile = try BoundaryFile.read(
            path: path("demo-districts.geojson"), key: "地区", mappingPath: nil,
            credit: "図示用の架空の地区境界（実際の地理ではありません）/ Illustrative boundaries, not real geography",
            instrument: lwc.instrument)
        let boundaries = try store.importBoundaries(boundaryFile, key: "地区", survey: SurveyID("lwc"), replace: false)
        Console.say(Message(.demoBoundaries, ["count": "\(boundaries.districtCount)", "batch": "\(boundaries.batchID)"]))
        // A plan's targets for 2025 on the 2024 baseline, so that the report shows 計画の目標と進捗.
        let targets = try store.importTargets(path: path("targets.csv"), survey: "lwc", encoding: nil, replace: false)
        Console.say(Message(.demoTargets, ["count": "\(targets.rowCount)", "batch": "\(targets.batchID)"]))

        let (staff, staffName) = try instrument("staff-dx.yaml")
        let staffOutcome = try store.importResponses(ResponseImportRequest(
            source: try ResponseFile(path: path("staff-dx-2025.csv"), instrument: staff.instrument, period: PeriodLabel("2025")),
            instrument: staff, instrumentFileName: staffName))
        Console.message(ImportSummary.describe(staffOutcome, store: storePath, language: Console.language))
        let staffPopulation = try store.importPopulation(path: path("staff-population.csv"), survey: "staff-dx",
                                                         period: nil, marginSpec: nil, encoding: nil, replace: false)
        Console.say(Message(.demoStaff, ["batch": "\(staffPopulation.batchID)"]).localizingArgument("detail", staffPopulation.detail))

        Console.output("\n" + Message(.demoHolds, ["path": storePath]).text(in: Console.language) + "\n")
        let rows = try store.surveys().flatMap { survey in
            survey.periods.keys.sorted().map { period in
                [survey.id.rawValue, survey.instrumentVersion, period.rawValue, String(survey.periods[period] ?? 0)]
            }
        }
        Console.output(TextTable(headers: [MessageKey.colSurvey, .colInstrument, .colPeriods, .colRespondents].map { Message($0).text(in: Console.language) },
                                 alignments: [.left, .left, .left, .right], rows: rows).render())
        for survey in try store.surveys() {
            guard let period = survey.periods.keys.max() else { continue }
            let analysis = try PeriodAnalysis(store: store, survey: survey.id.rawValue, period: period.rawValue,
                                              options: AnalysisOptions())
            Console.output("\n" + Message(.demoHeadline, ["summary": analysis.summaryText(in: Console.language)]).text(in: Console.language) + "\n")
            let headline = Set(analysis.instrument.headlines.map { IndicatorID($0.itemID.rawValue) })
            var results = analysis.results
            results.estimates = results.estimates.filter { $0.group == nil && headline.contains($0.indicator) }
            Console.output(ResultTables.indicatorsText(results, instrument: analysis.instrument, language: Console.language).renderText())
        }
        var written: [String] = []
        for language in [Language.ja, .en] {
            written += try ReportJob.write(store: store, survey: "lwc", period: "2025", previous: "2024",
                                           options: AnalysisOptions(), language: language, format: .both,
                                           folder: reports, includeComments: false)
            written += try ReportJob.write(store: store, survey: "staff-dx", period: "2025", previous: nil,
                                           options: AnalysisOptions(), language: language, format: .both,
                                           folder: reports, includeComments: false)
        }
        Console.output("\n" + Message(.demoReports).text(in: Console.language) + "\n" + written.map { "  \($0)\n" }.joined())
        Console.output("\n" + Message(.demoTry, ["path": storePath]).text(in: Console.language) + "\n")
    }

    private func demoFolder(leftovers: inout DemoLeftovers) throws -> String {
        if let out {
            leftovers.folder = DemoLeftovers.firstMissingFolder(of: out)
            do {
                try FileManager.default.createDirectory(atPath: out, withIntermediateDirectories: true)
            } catch {
                throw WellBeingError(.cannotCreateOutput, Message(.cannotCreateFolder, ["path": out, "reason": error.localizedDescription]))
            }
            return out
        }
        let folder = (NSTemporaryDirectory() as NSString).appendingPathComponent("wellbeing-demo-\(getpid())-\(UInt32.random(in: 0...UInt32.max))")
        do {
            try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        } catch {
            throw WellBeingError(.cannotCreateOutput, Message(.cannotCreateTemporary, ["reason": error.localizedDescription]))
        }
        leftovers.folder = folder
        return folder
    }
}

/// What a demo run has created so far, to remove when it fails: the folders it made (the demo folder, the
/// report folder and any parents it had to make), else the store's files and the new entries of an existing
/// report folder. Whatever was there before the run is never touched.
struct DemoLeftovers {
    /// The outermost folder the run made for the store (everything in it is the run's).
    var folder: String?
    /// The store file, once created.
    var store: String?
    let reportsFolder: String
    /// The outermost report folder the run will make, or nil when the report folder exists.
    let newReportFolder: String?
    /// The entries of an existing report folder before the run.
    let reportEntries: Set<String>

    init(reports: String) {
        reportsFolder = reports
        newReportFolder = Self.firstMissingFolder(of: reports)
        reportEntries = Set((try? FileManager.default.contentsOfDirectory(atPath: reports)) ?? [])
    }

    /// The outermost missing folder on the way to `path` (`path` itself, or a parent), or nil if it exists.
    static func firstMissingFolder(of path: String) -> String? {
        guard FileKind.of(path) == .missing else { return nil }
        var missing = path
        var parent = OutputPaths.parentFolder(of: path)
        while !parent.isEmpty && parent != "/" && FileKind.of(parent) == .missing {
            missing = parent
            parent = OutputPaths.parentFolder(of: parent)
        }
        return missing
    }

    /// Removes what the run made; returns the paths removed.
    func remove() -> [String] {
        var removed: [String] = []
        func delete(_ path: String) {
            guard FileKind.of(path) != .missing || (try? FileManager.default.destinationOfSymbolicLink(atPath: path)) != nil else { return }
            if (try? FileManager.default.removeItem(atPath: path)) != nil { removed.append(path) }
        }
        if let folder {
            delete(folder)
        } else if let store {
            for file in SurveyStore.protectedFiles(of: store).map(\.path) { delete(file) }
        }
        if let newReportFolder {
            delete(newReportFolder)
        } else if FileKind.of(reportsFolder) == .directory {
            let now = (try? FileManager.default.contentsOfDirectory(atPath: reportsFolder)) ?? []
            for entry in now.sorted() where !reportEntries.contains(entry) {
                delete((reportsFolder as NSString).appendingPathComponent(entry))
            }
        }
        return removed
    }
}
