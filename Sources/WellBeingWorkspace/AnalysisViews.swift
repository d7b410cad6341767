import Foundation
import WellBeingAnalysis
import WellBeingCore
import WellBeingReport
import WellBeingStore

/// How a result is rendered: the CLI's `--format` and the API's `format=`.
public enum ResultFormat: String, Sendable, CaseIterable {
    case table, csv, json, xlsx
    /// District boundaries with the estimates as properties (`indicators` only).
    case geojson
}

/// The options of the commands that compute indicators, as values: the CLI's options and the API's query
/// parameters both fill one in, so that the same options give the same figures.
public struct AnalysisRequest: Sendable {
    /// Which model `smallArea` asks for.
    public enum SmallAreaModel: String, Sendable, CaseIterable { case fh }

    public var survey: String?
    public var weights: Weighting?
    /// Estimates from fewer respondents are withheld (at least 1).
    public var minimumN = 10
    /// The language of messages, table headers and names.
    public var language: Language
    /// Estimate every question of the categories on its own too.
    public var items = false
    public var secondarySuppression = true
    /// A respondent field or a cross of fields (`年代`, `年代*性別`) to break down by instead of the group.
    public var by: String?
    public var standardize: String?
    public var smallArea: SmallAreaModel?
    public var saeMethod: FayHerriot.Method = .reml
    /// KPI ids, comma-separated.
    public var saeCovariates: String?

    public init(language: Language) { self.language = language }

    /// The KPI ids of `saeCovariates`.
    public var covariateIDs: [String] {
        (saeCovariates ?? "").split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
    }

    /// Refuses options that do not go together (`usage`); `by` and `standardize` are checked as breakdowns by
    /// `checkedBreakdowns()`.
    public func validate() throws {
        if smallArea == nil && (saeCovariates != nil || saeMethod != .reml) {
            throw WellBeingError(.usage, Message(.saeOptionsAlone))
        }
        if smallArea != nil && standardize != nil { throw WellBeingError(.usage, Message(.smallAreaWithStandardize)) }
        if minimumN < 1 { throw WellBeingError(.usage, Message(.minNAtLeastOne)) }
    }

    /// Parses `by` and `standardize` (`usage` when either is not a field or a cross of fields).
    public func checkedBreakdowns() throws {
        for value in [by, standardize] {
            guard let value else { continue }
            _ = try Breakdown(value)
        }
    }

    public var options: AnalysisOptions {
        var options = AnalysisOptions(weighting: weights, minimumN: minimumN, itemEstimates: items ? .all : .benchmarked,
                                      breakdown: by.flatMap { try? Breakdown($0) })
        options.secondarySuppression = secondarySuppression
        options.standardization = standardize.flatMap { try? Breakdown($0) }
        options.smallArea = smallArea.map { _ in
            var model = SmallAreaOptions(method: saeMethod)
            model.covariateKPIs = covariateIDs
            return model
        }
        return options
    }
}

/// A result ready for a front end: the file's bytes, and the lines said beside it (the CLI's standard error).
public struct AnalysisView: Sendable {
    /// The summary lines (who, how weighted), then notes, in the request's language, in the order said.
    public var messages: [String]
    /// The output in the requested format: text, CSV, JSON, GeoJSON or an .xlsx workbook.
    public var body: Data
    public var format: ResultFormat

    public init(messages: [String], body: Data, format: ResultFormat) {
        self.messages = messages
        self.body = body
        self.format = format
    }
}

/// Writes JSON with sorted keys, so output is the same on every run.
public enum JSONOutput {
    public static func encode<T: Encodable>(_ value: T) throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        return String(decoding: try encoder.encode(value), as: UTF8.self) + "\n"
    }
}

/// Renders a result in a format: a workbook holds the CSV's columns (the JSON's fields) on a sheet named
/// `sheet`, with a `name` column after `indicator` when `names` knows them, and a `note` column when `notes`
/// gives one per row.
public enum ResultRendering {
    public static func render<T: Encodable>(_ json: T, text: ResultTable, csv: ResultTable, format: ResultFormat,
                                            byteOrderMark: Bool, sheet: String, names: ((String) -> String)? = nil,
                                            notes: [String]? = nil) throws -> Data {
        switch format {
        case .geojson: throw WellBeingError(.usage, Message(.geojsonOnlyIndicators))
        case .json: return Data(try JSONOutput.encode(json).utf8)
        case .csv: return Data(csv.renderCSV(byteOrderMark: byteOrderMark).utf8)
        case .table: return Data(text.renderText().utf8)
        case .xlsx:
            var table = csv
            if let names, let column = table.headers.firstIndex(of: "indicator") {
                table.headers.insert("name", at: column + 1)
                for index in table.rows.indices {
                    guard case let .text(id) = table.rows[index][column] else { continue }
                    table.rows[index].insert(.text(names(id)), at: column + 1)
                }
            }
            if let notes, notes.count == table.rows.count {
                // Why a cell is empty, in words: a clerk reads it beside the figures.
                table.headers.append("note")
                for index in table.rows.indices { table.rows[index].append(.text(notes[index])) }
            }
            return try SpreadsheetWorkbook(sheets: [.init(name: sheet, table: table)], title: sheet).data()
        }
    }
}

/// The analysis commands' results (`indicators`, `compare`, `drivers`, `trend`, `batches`) as bytes, the same
/// for the command line and the server.
public enum AnalysisViews {
    /// Weighted estimates per group (or per `by`) and for the whole area.
    public static func indicators(store: SurveyStore, period: String, request: AnalysisRequest, format: ResultFormat,
                                  byteOrderMark: Bool = true) throws -> AnalysisView {
        let analysis = try PeriodAnalysis(store: store, survey: request.survey, period: period, options: request.options)
        return try indicators(analysis, store: store, period: period, request: request, format: format, byteOrderMark: byteOrderMark)
    }

    /// The same from an analysis already made: a server renders one analysis in several formats.
    public static func indicators(_ analysis: PeriodAnalysis, store: SurveyStore, period: String, request: AnalysisRequest,
                                  format: ResultFormat, byteOrderMark: Bool = true) throws -> AnalysisView {
        let language = request.language
        var messages = [analysis.summaryText(in: language)]
        messages += analysis.results.notes.map { note(note: $0, instrument: analysis.instrument, language: language) }
        if format == .geojson {
            guard analysis.results.breakdown == nil else { throw WellBeingError(.usage, Message(.geojsonNotByGroup)) }
            guard let boundaries = try store.boundaries(survey: analysis.results.survey) else {
                throw WellBeingError(.usage, Message(.geojsonNoBoundaries, ["survey": analysis.results.survey.rawValue]))
            }
            let text = try IndicatorGeoJSON.render(analysis.results, boundaries: boundaries, instrument: analysis.instrument,
                                                   language: language)
            return AnalysisView(messages: messages, body: Data(text.utf8), format: format)
        }
        let body = try ResultRendering.render(
            analysis.results,
            text: ResultTables.indicatorsText(analysis.results, instrument: analysis.instrument, language: language),
            csv: ResultTables.indicatorsCSV(analysis.results), format: format, byteOrderMark: byteOrderMark,
            sheet: language == .ja ? "指標 \(period)" : "indicators \(period)",
            names: { analysis.instrument.indicatorName(IndicatorID($0), in: language) },
            notes: analysis.results.estimates.map { ResultTables.estimateNote($0, minimumN: analysis.results.minimumN, language: language) })
        return AnalysisView(messages: messages, body: body, format: format)
    }

    /// `compare`'s JSON.
    struct CompareOutput: Encodable {
        var period: String
        var rows: [ComparisonRow]
        var notes: [AnalysisNote]
    }

    /// Citizens' scores beside the KPIs' scores; `usage` when the period has no KPI values or `by` is given.
    public static func compare(store: SurveyStore, period: String, request: AnalysisRequest, format: ResultFormat,
                               byteOrderMark: Bool = true) throws -> AnalysisView {
        let language = request.language
        if request.by != nil { throw WellBeingError(.usage, Message(.compareNoBy)) }
        let analysis = try PeriodAnalysis(store: store, survey: request.survey, period: period, options: request.options)
        guard let comparison = analysis.comparison() else {
            throw WellBeingError(.usage, Message(.noKPIValues, ["survey": analysis.results.survey.rawValue, "period": period]))
        }
        let notes = analysis.results.notes + comparison.notes
        let messages = [analysis.summaryText(in: language)]
            + notes.map { note(note: $0, instrument: analysis.instrument, language: language) }
        let body = try ResultRendering.render(
            CompareOutput(period: period, rows: comparison.rows, notes: notes),
            text: ResultTables.compareText(comparison.rows, instrument: analysis.instrument, language: language),
            csv: ResultTables.compareCSV(comparison.rows), format: format, byteOrderMark: byteOrderMark,
            sheet: language == .ja ? "主観と客観 \(period)" : "compare \(period)",
            names: { analysis.instrument.indicatorName(IndicatorID($0), in: language) })
        return AnalysisView(messages: messages, body: body, format: format)
    }

    /// `drivers`' JSON.
    struct DriversOutput: Encodable {
        var period: String
        var outcome: String?
        var rows: [DriverRow]
    }

    /// Each category's correlation with the outcome, and its quadrant.
    public static func drivers(store: SurveyStore, period: String, request: AnalysisRequest, format: ResultFormat,
                               byteOrderMark: Bool = true) throws -> AnalysisView {
        let language = request.language
        let analysis = try PeriodAnalysis(store: store, survey: request.survey, period: period, options: request.options)
        guard let outcome = analysis.instrument.outcome else {
            throw WellBeingError(.usage, Message(.noOutcome, ["survey": analysis.results.survey.rawValue]))
        }
        let rows = DriverAnalysis.rows(from: analysis.results).rows
        let body = try ResultRendering.render(
            DriversOutput(period: period, outcome: outcome.itemID.rawValue, rows: rows),
            text: ResultTables.driversText(rows, instrument: analysis.instrument, language: language),
            csv: ResultTables.driversCSV(rows), format: format, byteOrderMark: byteOrderMark,
            sheet: language == .ja ? "重要度 \(period)" : "drivers \(period)",
            names: { analysis.instrument.indicatorName(IndicatorID($0), in: language) })
        return AnalysisView(messages: [analysis.summaryText(in: language)], body: body, format: format)
    }

    /// `trend`'s JSON.
    struct TrendOutput: Encodable {
        var from: String
        var to: String
        /// The comparisons in the Benjamini–Hochberg family (rows with a p).
        var tests: Int
        var rows: [TrendRow]
    }

    /// What changed between two periods.
    public static func trend(store: SurveyStore, from: String, to: String, request: AnalysisRequest, format: ResultFormat,
                             byteOrderMark: Bool = true) throws -> AnalysisView {
        let language = request.language
        let trend = try PeriodTrend(store: store, survey: request.survey, from: from, to: to, options: request.options)
        let (earlier, later, rows) = (trend.earlier, trend.later, trend.rows)
        let messages = [earlier.summaryText(in: language), later.summaryText(in: language),
                        Message(.trendSummary, ["tests": "\(TrendAnalysis.tests(rows))"]).text(in: language)]
        let body = try ResultRendering.render(
            TrendOutput(from: from, to: to, tests: TrendAnalysis.tests(rows), rows: rows),
            text: ResultTables.trendText(rows, instrument: later.instrument, language: language),
            csv: ResultTables.trendCSV(rows), format: format, byteOrderMark: byteOrderMark,
            sheet: language == .ja ? "経年変化 \(from)-\(to)" : "trend \(from)-\(to)",
            names: { later.instrument.indicatorName(IndicatorID($0), in: language) })
        return AnalysisView(messages: messages, body: body, format: format)
    }

    /// Every imported file (batch); the table for people speaks `language`, CSV and workbooks keep the JSON's keys.
    /// An empty store's table is empty (the CLI says so instead).
    public static func batches(store: SurveyStore, language: Language, format: ResultFormat,
                               byteOrderMark: Bool = true) throws -> AnalysisView {
        let batches = try store.batches()
        if format == .geojson { throw WellBeingError(.usage, Message(.geojsonOnlyIndicators)) }
        let keys: [MessageKey] = [.colBatch, .colKind, .colSurvey, .colFile, .colRows, .colRejected, .colPeriods,
                                  .colEncoding, .colImported, .colSHA256]
        let people = format == .table
        let table = ResultTable(
            headers: people ? keys.map { Message($0).text(in: language) }
                : ["batch", "kind", "survey", "file", "rows", "rejected", "periods", "encoding", "imported", "sha256"],
            rows: batches.map { batch in
                [.integer(Int(batch.id)), .text(people ? kindMessage(batch.kind).text(in: language) : batch.kind.rawValue),
                 .text(batch.survey.rawValue), .text(batch.fileName), .integer(batch.rowCount), .integer(batch.rejectedCount),
                 .text(batch.periods.isEmpty ? (people ? Message(.allPeriods).text(in: language) : "all")
                       : batch.periods.map(\.rawValue).joined(separator: ",")),
                 .text(batch.encoding), .text(batch.importedAt), .text(String(batch.sha256.prefix(people ? 12 : 64)))]
            })
        let body = try ResultRendering.render(["batches": batches], text: table, csv: table, format: format,
                                              byteOrderMark: byteOrderMark, sheet: "batches")
        return AnalysisView(messages: [], body: body, format: format)
    }

    /// A batch's kind as a message, named in the reader's language.
    public static func kindMessage(_ kind: Batch.Kind) -> Message {
        switch kind {
        case .responses: return Message(.kindResponses)
        case .kpis: return Message(.kindKPIs)
        case .population: return Message(.kindPopulation)
        case .reference: return Message(.kindReference)
        case .sample: return Message(.kindSample)
        case .boundaries: return Message(.kindBoundaries)
        case .targets: return Message(.kindTargets)
        }
    }

    /// A note as the CLI says it (`note: …` / `注: …`).
    static func note(note: AnalysisNote, instrument: Instrument, language: Language) -> String {
        Message(.notePrefix).text(in: language) + note.text(in: language, instrument: instrument)
    }
}

/// Two periods of a survey compared: both analysed from one snapshot of the store (a batch landing meanwhile is in
/// both or in neither), and each indicator's change with its test (`TrendAnalysis`).
public struct PeriodTrend: Sendable {
    public var earlier: PeriodAnalysis
    public var later: PeriodAnalysis
    public var rows: [TrendRow]

    public init(store: SurveyStore, survey: String?, from: String, to: String, options: AnalysisOptions) throws {
        (earlier, later) = try store.snapshot { snapshot in
            (try PeriodAnalysis(store: snapshot, survey: survey, period: from, options: options),
             try PeriodAnalysis(store: snapshot, survey: survey, period: to, options: options))
        }
        rows = TrendAnalysis.compare(from: earlier.results, to: later.results)
    }
}
