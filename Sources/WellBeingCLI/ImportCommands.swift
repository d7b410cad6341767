import ArgumentParser
import Foundation
import WellBeingCore
import WellBeingIngest
import WellBeingReport
import WellBeingStore
import WellBeingWorkspace

/// `wellbeing import …`: survey responses, KPIs, population margins, reference figures.
struct Import: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Import a survey CSV, KPI values, population margins, sample sizes, reference figures, district boundaries or a plan's targets.",
        subcommands: [ImportResponses.self, ImportKPIs.self, ImportPopulation.self, ImportSample.self, ImportReference.self,
                      ImportBoundaries.self, ImportTargets.self])
}

struct ImportResponses: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "responses",
        abstract: "Import survey responses (CSV or an .xlsx workbook) described by an instrument file.",
        discussion: """
            The file is validated row by row. By default one bad value and nothing is written; every problem
            is listed as file:line: column name (number): 'value' reason.

            Examples:
              wellbeing import responses survey2025.csv --instrument lwc --period 2025
              wellbeing import responses survey2025.csv --instrument city.yaml --period 2025
              wellbeing import responses export.csv --instrument Surveys/lwc.yaml --on-error skip --rejects rejected.csv
              wellbeing import responses sjis.csv --instrument Surveys/lwc.yaml --period 2025 --encoding cp932 --dry-run
              wellbeing import responses 回答.xlsx --instrument Surveys/lwc.yaml --period 2025 --sheet Sheet1
            """)

    @OptionGroup var storeOptions: StoreOptions
    @OptionGroup var languageOption: LanguageOption

    @Argument(help: ArgumentHelp("The survey file: CSV (UTF-8, Shift_JIS/CP932 or UTF-16; comma or tab) or an .xlsx "
                                 + "workbook (Microsoft Forms, Excel, LibreOffice, Google Sheets).", valueName: "file"))
    var file: String

    @Option(help: ArgumentHelp("The instrument that describes the survey: a file, or the name of a bundled one "
                               + "(lwc; see wellbeing instruments).", valueName: "path|name"))
    var instrument: String

    @Option(help: ArgumentHelp("The period of every row (otherwise read from the instrument's period column).",
                               valueName: "label"))
    var period: String?

    @Option(help: ArgumentHelp("Force the file's encoding instead of detecting it.", valueName: "utf-8|cp932|utf-16"))
    var encoding: TextEncoding?

    @Option(help: ArgumentHelp("For an .xlsx workbook: the sheet to read, by name or number (default: the first).",
                               valueName: "name|N"))
    var sheet: String?

    @Option(name: .customLong("on-error"),
            help: ArgumentHelp("abort: nothing is written if any row is bad. skip: import the valid rows.",
                               valueName: "abort|skip"))
    var onError: ErrorPolicy = .abort

    @Option(help: ArgumentHelp("With --on-error skip: write the rejected rows and their reasons to this CSV.",
                               valueName: "file"))
    var rejects: String?

    @Flag(name: .customLong("dry-run"), help: "Validate and count only; write nothing.")
    var dryRun = false

    @Flag(help: "Import the file again in place of the batch it was imported as before.")
    var replace = false

    func validate() throws {
        if rejects != nil && onError != .skip {
            throw ValidationError(Message(.rejectsNeedsSkip).text(in: Console.language))
        }
        if let period, period.trimmingCharacters(in: .whitespaces).isEmpty {
            throw ValidationError(Message(.periodEmptyOption).text(in: Console.language))
        }
    }

    func run() throws {
        try reportingFailures {
            let instrument = try BundledData.resolve(self.instrument, as: .instrument)
            let loaded = try InstrumentLoader.load(path: instrument)
            let inputs = [ProtectedFile(path: file, role: Message(.roleSurveyFile)),
                          ProtectedFile(path: instrument, role: Message(.roleInstrument))]
                + loaded.files.dropFirst().map { ProtectedFile(path: $0, role: Message(.roleExtendedInstrument)) }
                + storeOptions.protectedFiles
            if let rejects, rejects != "-" {
                try OutputPaths.refuseCollision(output: rejects, option: "--rejects", with: inputs)
            }
            let label = (file as NSString).lastPathComponent
            // The rows rejected by the attempt that counts: an import may run twice (see below).
            var rejectsFile: RejectsFile?
            defer { rejectsFile?.discardUnlessCommitted() }
            // The progress text is made once, here: the callback runs on the import's reading thread.
            let progressLabel = Message(.progressImporting, ["file": label]).text(in: Console.language)
            let request = ResponseImport.Request(
                path: file, instrument: loaded, instrumentFileName: (instrument as NSString).lastPathComponent,
                period: period.map { PeriodLabel($0.trimmingCharacters(in: .whitespaces)) }, encoding: encoding, sheet: sheet,
                errorPolicy: onError, dryRun: dryRun, replace: replace)
            // A first import may run twice (on a store another process created meanwhile): each attempt starts its
            // own rejects file.
            let (outcome, shownPath) = try ResponseImport.run(request, store: storeOptions.path, rejects: {
                rejectsFile?.discardUnlessCommitted()
                rejectsFile = try rejects.map { try RejectsFile(argument: $0) }
                return rejectsFile.map { writer in { try writer.append($0) } }
            }, onProgress: { Console.progress(progressLabel, done: $0.bytesRead, total: $0.fileBytes) })
            Console.endProgress()
            Console.message(ImportSummary.describe(outcome, store: shownPath, language: Console.language))
            if let rejectsFile {
                do {
                    try rejectsFile.commit()
                } catch let error as WellBeingError where !dryRun {
                    throw error.adding(advice: Message(.importKept, ["batch": "\(outcome.batchID ?? 0)"]))
                }
            }
        }
    }
}


/// The `--rejects` file: the rejected rows with their line and reasons, as CSV for Excel, mode 0600.
///
/// Rows are written to a temporary file beside the target while the import runs (on the import's reading
/// thread), and moved into place only by `commit()`, after the import has committed: a failed import leaves
/// an earlier file of that name as it was. `-` means standard output; a device such as `/dev/null` is
/// written into, never replaced.
final class RejectsFile: @unchecked Sendable {
    private enum Target {
        case file(String)
        case stream(String)  // standard output ("-") or an existing device or pipe
    }

    private let target: Target
    private let displayName: String
    private let stagingPath: String
    private let descriptor: Int32
    private var writer = CSVWriter()
    private var rows = 0
    private var pendingRows = 0
    private var committed = false
    /// The language of messages, taken when the file is made: rows are added on the import's reading thread.
    private let language = Console.language

    init(argument: String) throws {
        displayName = argument
        let staging: String
        if argument == "-" {
            target = .stream("-")
            staging = NSTemporaryDirectory()
        } else {
            let resolved = OutputPaths.canonicalPath(argument)
            switch FileKind.of(resolved) {
            case .missing, .regularFile:
                target = .file(resolved)
                staging = (resolved as NSString).deletingLastPathComponent
            case .directory:
                throw WellBeingError(.cannotCreateOutput, Message(.rejectsIsFolder, [
                    "path": argument, "example": (argument as NSString).appendingPathComponent("rejected.csv")]))
            case .characterDevice, .fifo:
                target = .stream(argument)
                staging = NSTemporaryDirectory()
            case let kind:
                throw WellBeingError(.cannotCreateOutput, Message(.rejectsIsNot, ["path": argument])
                    .localizingArgument("kind", Message(kind.phraseKey)))
            }
            if FileKind.of(staging) != .directory {
                throw WellBeingError(.cannotCreateOutput, Message(.rejectsFolderMissing, ["path": argument, "folder": staging]))
            }
        }
        let name = argument == "-" ? "rejects" : (argument as NSString).lastPathComponent
        stagingPath = (staging as NSString).appendingPathComponent(
            ".\(name).partial-\(getpid())-\(UInt32.random(in: 0...UInt32.max))")
        descriptor = open(stagingPath, O_CREAT | O_EXCL | O_WRONLY | O_CLOEXEC, 0o600)
        guard descriptor >= 0 else {
            throw WellBeingError(.cannotCreateOutput, Message(.cannotWriteRejects, ["path": argument, "reason": OutputPaths.systemError()]))
        }
        writer.append(texts: ["line", "problems", "cells"])
    }

    deinit {
        if descriptor >= 0 { close(descriptor) }
        discardUnlessCommitted()
    }

    /// Removes the staged file of an import that did not commit. Called by the command itself before it exits:
    /// the reading thread may still hold this object when the process ends, so `deinit` alone can come too late.
    func discardUnlessCommitted() {
        if !committed { unlink(stagingPath) }
    }

    /// Adds one rejected row (called on the import's reading thread).
    func append(_ row: RejectedRow) throws {
        let reasons = row.problems.map { problem -> String in
            var text = problem.location.column.map { "\($0): " } ?? ""
            if let value = problem.value { text += "'\(value)' " }
            return text + problem.reason
        }
        writer.append([.number(String(row.line)), .text(reasons.joined(separator: "; "))] + row.cells.map { .text($0) })
        rows += 1
        pendingRows += 1
        if pendingRows >= 512 {
            do {
                try flush()
            } catch let error as WellBeingError {
                throw error.adding(advice: Message(.nothingImported))
            }
        }
    }

    private func flush() throws {
        try Self.writeAll(Array(writer.document.utf8), to: descriptor, naming: Message(.nameRejectsFile).text(in: language))
        writer = CSVWriter(includesByteOrderMark: false)
        pendingRows = 0
    }

    /// Moves the rows into place; call it once the import has committed.
    func commit() throws {
        try flush()
        guard fsync(descriptor) == 0 else {
            throw WellBeingError(.ioFailure, Message(.writingRejectsFailed, ["reason": OutputPaths.systemError()]))
        }
        switch target {
        case let .file(path):
            guard rename(stagingPath, path) == 0 else {
                throw WellBeingError(.ioFailure, Message(.cannotWriteRejects, ["path": path, "reason": OutputPaths.systemError()]))
            }
            committed = true
            if rows > 0 { Console.say(Message(.wroteRejects, ["count": "\(rows)", "file": displayName])) }
        case let .stream(name):
            let bytes = try Data(contentsOf: URL(fileURLWithPath: stagingPath))
            let output = name == "-" ? STDOUT_FILENO : open(name, O_WRONLY | O_CLOEXEC)
            guard output >= 0 else {
                throw WellBeingError(.cannotCreateOutput, Message(.cannotWriteRejects, ["path": name, "reason": OutputPaths.systemError()]))
            }
            defer { if output != STDOUT_FILENO { close(output) } }
            try Self.writeAll(Array(bytes), to: output, naming: name == "-" ? Message(.nameStandardOutput).text(in: Console.language) : "'\(name)'")
        }
    }

    private static func writeAll(_ bytes: [UInt8], to descriptor: Int32, naming name: String) throws {
        let failure = OutputPaths.writeAll(bytes, to: descriptor)
        if failure != 0 {
            throw WellBeingError(.ioFailure, Message(.writingFailed, ["name": name, "reason": OutputPaths.systemError(failure)]))
        }
    }
}

struct ImportKPIs: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "kpis",
        abstract: "Import KPI values (kpi,group,period,value) with their catalogue.",
        discussion: """
            Example:
              wellbeing import kpis kpis.csv --catalog kpis-lwc
              wellbeing import kpis kpis.csv --catalog my-kpis.yaml
            """)

    @OptionGroup var storeOptions: StoreOptions
    @OptionGroup var languageOption: LanguageOption
    @Argument(help: ArgumentHelp("The KPI values CSV.", valueName: "file")) var file: String
    @Option(help: ArgumentHelp("The KPI catalogue: a YAML file, or the name of a bundled one (kpis-lwc).",
                               valueName: "file|name")) var catalog: String
    @OptionGroup var options: SmallImportOptions

    func run() throws {
        try reportingFailures {
            let catalog = try BundledData.resolve(self.catalog, as: .kpiCatalogue)
            let store = try storeOptions.openExistingForWriting()
            let outcome = try store.importKPIs(valuesPath: file, catalogPath: catalog, survey: options.survey,
                                               encoding: options.encoding, sheet: options.sheet, replace: options.replace)
            Console.say(Message(.importedKPIs, ["count": "\(outcome.rowCount)", "file": outcome.fileName, "batch": "\(outcome.batchID)",
                                                "periods": outcome.periods.map(\.rawValue).joined(separator: ", ")])
                .localizingArgument("detail", outcome.detail))
        }
    }
}

struct ImportPopulation: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "population",
        abstract: "Import population counts by respondent fields, for raking.",
        discussion: """
            The file holds counts by the cross of its fields, then count: region,age_band,sex,count.
            --margins says which marginal tables to rake to, in order; by default one per field.

            Example:
              wellbeing import population Surveys/samples/population.csv --margins 'age_band*sex,region'
            """)

    @OptionGroup var storeOptions: StoreOptions
    @OptionGroup var languageOption: LanguageOption
    @Argument(help: ArgumentHelp("The population CSV.", valueName: "file")) var file: String
    @Option(help: ArgumentHelp("The margins to rake to, in order, such as 'age_band*sex,region'.", valueName: "spec"))
    var margins: String?
    @Option(help: ArgumentHelp("The period these counts are for (default: every period).", valueName: "label"))
    var period: String?
    @OptionGroup var options: SmallImportOptions

    func run() throws {
        try reportingFailures {
            let store = try storeOptions.openExistingForWriting()
            let outcome = try store.importPopulation(path: file, survey: options.survey, period: period.map { PeriodLabel($0) },
                                                     marginSpec: margins, encoding: options.encoding, sheet: options.sheet,
                                                     replace: options.replace)
            Console.say(Message(.importedPopulation, ["count": "\(outcome.rowCount)", "file": outcome.fileName,
                                                      "batch": "\(outcome.batchID)"]).localizingArgument("detail", outcome.detail))
        }
    }
}

struct ImportSample: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "sample",
        abstract: "Import how many people were drawn into the sample, by stratum, for response rates.",
        discussion: """
            The file holds the strata's respondent fields (usually the district), then drawn: 居住地区,drawn.
            Reports then show the number drawn, the responses and the response rate.

            Example:
              wellbeing import sample drawn2025.csv --period 2025
            """)

    @OptionGroup var storeOptions: StoreOptions
    @OptionGroup var languageOption: LanguageOption
    @Argument(help: ArgumentHelp("The sample sizes CSV.", valueName: "file")) var file: String
    @Option(help: ArgumentHelp("The period the sample was drawn for (default: every period).", valueName: "label"))
    var period: String?
    @OptionGroup var options: SmallImportOptions

    func run() throws {
        try reportingFailures {
            let store = try storeOptions.openExistingForWriting()
            let outcome = try store.importSample(path: file, survey: options.survey, period: period.map { PeriodLabel($0) },
                                                 encoding: options.encoding, sheet: options.sheet, replace: options.replace)
            Console.say(Message(.importedSample, ["count": "\(outcome.rowCount)", "file": outcome.fileName,
                                                  "batch": "\(outcome.batchID)"]).localizingArgument("detail", outcome.detail))
        }
    }
}

struct ImportReference: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "reference",
        abstract: "Import reference figures (indicator,mean,sd,source) for deviation scores.",
        discussion: """
            Example:
              wellbeing import reference reference.csv
              wellbeing import reference osaka-2024 --period 2024
            """)

    @OptionGroup var storeOptions: StoreOptions
    @OptionGroup var languageOption: LanguageOption
    @Argument(help: ArgumentHelp("The reference CSV, or the name of bundled reference figures (osaka-2024; see "
                                 + "wellbeing instruments).", valueName: "file|name")) var file: String
    @Option(help: ArgumentHelp("The period these figures are for (default: every period).", valueName: "label"))
    var period: String?
    @OptionGroup var options: SmallImportOptions

    func run() throws {
        try reportingFailures {
            let file = try BundledData.resolve(self.file, as: .reference)
            let store = try storeOptions.openExistingForWriting()
            let outcome = try store.importReference(path: file, survey: options.survey, period: period.map { PeriodLabel($0) },
                                                    encoding: options.encoding, sheet: options.sheet, replace: options.replace)
            Console.say(Message(.importedReference, ["count": "\(outcome.rowCount)", "file": outcome.fileName,
                                                     "batch": "\(outcome.batchID)"]))
        }
    }
}

struct ImportBoundaries: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "boundaries",
        abstract: "Import district boundaries (GeoJSON) for the report's maps and GeoJSON output.",
        discussion: """
            The file is a GeoJSON FeatureCollection of Polygon and MultiPolygon features in WGS 84 longitude/latitude
            (convert a shapefile with: ogr2ogr -f GeoJSON -t_srs EPSG:4326 out.geojson in.shp). --key names the
            property that holds the district, or, with --mapping, the area that a CSV area,district maps to a
            district; several features may belong to one district. Every problem is listed with its feature
            before anything is written. Files over 100 MB are refused.

            Examples:
              wellbeing import boundaries districts.geojson --key 地区 --credit "出典: 〇〇市 地区境界"
              wellbeing import boundaries r2ka27100.geojson --key S_NAME --mapping areas.csv --credit "出典: e-Stat 国勢調査 小地域境界（令和2年）"
            """)

    @OptionGroup var storeOptions: StoreOptions
    @OptionGroup var languageOption: LanguageOption
    @Argument(help: ArgumentHelp("The GeoJSON file.", valueName: "file")) var file: String
    @Option(help: ArgumentHelp("The feature property that names the district (or, with --mapping, the area).", valueName: "property"))
    var key: String
    @Option(help: ArgumentHelp("A CSV with columns area,district: which district each area (the --key value) belongs to.",
                               valueName: "file"))
    var mapping: String?
    @Option(help: ArgumentHelp("Where the boundaries come from, printed under every map.", valueName: "text"))
    var credit: String?
    @Option(help: ArgumentHelp("The survey the boundaries belong to (needed only when the store holds several).", valueName: "id"))
    var survey: String?
    @Flag(help: "Replace the boundaries imported earlier.")
    var replace = false

    func run() throws {
        try reportingFailures {
            let store = try storeOptions.openExistingForWriting()
            let survey = try store.resolveSurvey(self.survey)
            let instrument = try store.instrument(for: survey).instrument
            let boundaryFile = try BoundaryFile.read(path: file, key: key, mappingPath: mapping, credit: credit, instrument: instrument)
            let outcome = try store.importBoundaries(boundaryFile, key: key, survey: survey, replace: replace)
            Console.say(Message(.importedBoundaries, ["count": "\(outcome.areaCount)", "districts": "\(outcome.districtCount)",
                                                      "file": outcome.fileName, "batch": "\(outcome.batchID)"]))
            if !outcome.districtsWithoutArea.isEmpty {
                Console.say(Message(.boundariesWithoutDistricts, ["count": "\(outcome.districtsWithoutArea.count)",
                                                                  "list": outcome.districtsWithoutArea.map(\.rawValue).joined(separator: ", ")]))
            }
            if !outcome.unusedMappingAreas.isEmpty {
                let shown = outcome.unusedMappingAreas.prefix(12).joined(separator: ", ") + (outcome.unusedMappingAreas.count > 12 ? ", …" : "")
                Console.say(Message(.boundariesUnusedAreas, ["count": "\(outcome.unusedMappingAreas.count)", "list": shown]))
            }
        }
    }
}
