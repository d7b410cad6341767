import ArgumentParser
import Foundation
import WellBeingAnalysis
import WellBeingCore
import WellBeingIngest
import WellBeingReport
import WellBeingStore
import WellBeingWorkspace

extension ReportFormat: ExpressibleByArgument {}

struct Report: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Write the periodic well-being report (HTML and/or Markdown with SVG charts).",
        discussion: """
            One self-contained HTML file (no network needed, prints on A4) and/or a Markdown file with its
            charts as SVG files beside it. Japanese by default, English with --lang en. Free-text answers
            appear only with --comments, with e-mail addresses and phone numbers masked.

            Examples:
              wellbeing report --period 2025 --previous 2024
              wellbeing report --period 2025 --lang en --format md --out Reports/council
            """)

    @OptionGroup var storeOptions: StoreOptions
    @Option(help: ArgumentHelp("The period to report.", valueName: "label")) var period: String
    @Option(help: ArgumentHelp("The earlier period to compare with.", valueName: "label")) var previous: String?
    @Option(help: "html, md, both, xlsx (every table as one Excel workbook) or all.") var format: ReportFormat = .both
    @Option(help: ArgumentHelp("The folder to write into.", valueName: "dir")) var out: String = "Reports"
    @Flag(help: "Include free-text answers (e-mail addresses and phone numbers masked).") var comments = false
    @Option(help: ArgumentHelp("Map these indicators by district too, beside the headline ones (needs imported boundaries).",
                               valueName: "id,id,…"))
    var maps: String?
    @Option(help: ArgumentHelp("A YAML file with the survey's particulars (purpose, population, sampling, method, fieldwork, "
                               + "publisher, contact), as the instrument's report: block; it replaces that block.", valueName: "file"))
    var about: String?
    @OptionGroup var selection: AnalysisSelection

    func run() throws {
        try reportingFailures {
            let store = try storeOptions.openForReading()
            // --by chooses the breakdown sections (default: one per attribute, 年代別 and 性別); the report's
            // groups stay the instrument's.
            var options = selection.options
            options.breakdown = nil
            let breakdowns = try selection.by.map { [try Breakdown($0)] }
            let particulars = try about.map { try InstrumentLoader.loadAbout(path: $0) }
            let written = try ReportJob.write(store: store, survey: selection.survey, period: period, previous: previous,
                                              options: options, language: selection.lang ?? .ja, format: format,
                                              folder: out, includeComments: comments, breakdowns: breakdowns,
                                              maps: maps.map { $0.split(separator: ",").map { IndicatorID($0.trimmingCharacters(in: .whitespaces)) } },
                                              about: particulars)
            for path in written { Console.say(Message(.wrote, ["path": path])) }
        }
    }
}

extension ReportJob {
    /// Builds the report and writes its files into `folder` (never over the store or its journal files).
    static func write(store: SurveyStore, survey requested: String?, period: String, previous: String?,
                      options: AnalysisOptions, language: Language, format: ReportFormat, folder: String,
                      includeComments: Bool, breakdowns requestedBreakdowns: [Breakdown]? = nil,
                      maps: [IndicatorID]? = nil, about: ReportAbout? = nil) throws -> [String] {
        let bundle = try bundle(store: store, survey: requested, period: period, previous: previous, options: options,
                                language: language, format: format, includeComments: includeComments,
                                breakdowns: requestedBreakdowns, maps: maps, about: about)
        return try ReportFiles.write(bundle, folder: folder, protecting: SurveyStore.protectedFiles(of: store.path))
    }
}
