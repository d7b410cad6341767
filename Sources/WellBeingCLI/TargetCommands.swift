import ArgumentParser
import Foundation
import WellBeingAnalysis
import WellBeingCore
import WellBeingReport
import WellBeingStore
import WellBeingWorkspace

/// `wellbeing import targets FILE`: a plan's targets (DESIGN §23).
struct ImportTargets: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "targets",
        abstract: "Import a plan's targets (indicator,target,direction,period[,baseline_period][,plan][,measure][,group]).",
        discussion: """
            One row per target: the indicator (a category, headline item, question or KPI, by id or name), the
            target value, higher or lower (高い・以上 / 低い・以下), the period it is for, and optionally the
            baseline period, the plan's name, the measure (mean, top2 in percent, or deviation for 偏差値; a KPI's
            target is on its own value) and a group (a district; empty: the whole area). Every problem is listed
            with its line and column, and nothing is written until the file is clean.

            Examples:
              wellbeing import targets Surveys/samples/targets.csv
              wellbeing import targets 目標.xlsx --sheet 目標 --replace
            """)

    @OptionGroup var storeOptions: StoreOptions
    @OptionGroup var languageOption: LanguageOption
    @Argument(help: ArgumentHelp("The target table: CSV or an .xlsx workbook.", valueName: "file")) var file: String
    @OptionGroup var options: SmallImportOptions

    func run() throws {
        try reportingFailures {
            let store = try storeOptions.openExistingForWriting()
            let outcome = try store.importTargets(path: file, survey: options.survey, encoding: options.encoding,
                                                  sheet: options.sheet, replace: options.replace)
            if !outcome.replacedBatches.isEmpty {
                Console.say(Message(.replacedBatches, ["batches": outcome.replacedBatches.map(String.init).joined(separator: ", ")]))
            }
            Console.say(Message(.importedTargets, ["count": "\(outcome.rowCount)", "file": outcome.fileName, "batch": "\(outcome.batchID)",
                                                   "periods": outcome.periods.map(\.rawValue).joined(separator: ", ")]))
        }
    }
}

/// `wellbeing progress --period P`: each target's estimate, interval, baseline, status and progress.
struct Progress: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "How far the plan's targets are met, given the survey's uncertainty.",
        discussion: """
            For each target of the period: the estimate and its 95 % confidence interval, the baseline period's
            estimate, the target, and a status: achieved (the whole interval beyond the target), not_achieved
            (the whole interval short of it), not_distinguishable (the interval contains the target, an end
            exactly on it included), no_estimate (withheld or missing, with the reason). Progress is
            (estimate − baseline) / (target − baseline), with the trend's SE of the difference divided by
            |target − baseline|. A KPI has no SE: its value is compared as it is.

            Examples:
              wellbeing progress --period 2025
              wellbeing progress --period 2025 --groups --format csv > progress.csv
              wellbeing progress --period 2025 --by 年代 --format json
            """)

    @OptionGroup var storeOptions: StoreOptions
    @Option(help: ArgumentHelp("The period the targets are for.", valueName: "label")) var period: String
    @Flag(help: "Also compare every group (district) with the whole-area targets.") var groups = false
    @OptionGroup var selection: AnalysisSelection
    @OptionGroup var output: OutputOptions

    struct Output: Encodable {
        var survey: String
        var period: String
        var weighting: String?
        var minN: Int
        var targets: [TargetProgressRow]
        enum CodingKeys: String, CodingKey { case survey, period, weighting, minN = "min_n", targets }
    }

    func validate() throws {
        for (option, given) in [("--standardize", selection.standardize != nil), ("--small-area", selection.smallArea != nil)] where given {
            throw ValidationError(Message(.progressNoOption, ["option": option]).text(in: Console.language))
        }
    }

    func run() throws {
        try reportingFailures {
            let store = try storeOptions.openForReading()
            let progress = try store.snapshot { snapshot in
                try PlanProgress(store: snapshot, survey: selection.survey, period: period, options: selection.options,
                                 by: selection.by, eachGroup: groups)
            }
            if !progress.summaryParts.isEmpty {
                Console.message(progress.summaryParts.map { $0.text(in: selection.language) }.joined())
            }
            Console.say(TargetTables.summary(progress.rows))
            try emit(Output(survey: progress.survey.rawValue, period: period, weighting: progress.weighting?.rawValue,
                            minN: selection.minimumN, targets: progress.rows),
                     text: TargetTables.progressText(progress.rows, instrument: progress.instrument, catalog: progress.catalog,
                                                     minimumN: selection.minimumN, language: selection.language),
                     csv: TargetTables.progressCSV(progress.rows, minimumN: selection.minimumN), output: output,
                     sheet: selection.language == .ja ? "目標と進捗 \(period)" : "progress \(period)",
                     names: { TargetTables.indicatorName($0, instrument: progress.instrument, catalog: progress.catalog, selection.language) },
                     protecting: storeOptions.protectedFiles)
        }
    }
}
