#if Server
import Foundation
import Hummingbird
import HTTPTypes
import NIOCore
import WellBeingAnalysis
import WellBeingCore
import WellBeingReport
import WellBeingStore
import WellBeingWorkspace

/// The survey a page reads and what its form offers: the surveys, the chosen one's instrument and periods.
struct SurveyChoice: Sendable {
    var surveys: [SurveyID]
    var survey: SurveyID
    var instrument: Instrument
    var periods: [PeriodLabel]
}

/// The pages of the year's figures — indicators, trend, compare, drivers, reports: each a form of the same choices as
/// its API route (GET, so a page's address can be kept and shared), the CLI's tables, and links to the API's CSV,
/// workbook and JSON of the same options.
extension WorkspaceServer {
    func addAnalysisPages(_ router: Router<ServerContext>) {
        // Each page's path, heading, parameters besides the analysis options, and body (read from one snapshot).
        let pages: [(String, MessageKey, Set<String>, @Sendable (SurveyStore?, APIQuery) throws -> String)] = [
            ("/indicators", .pageIndicatorsHeading, ["period"], Self.indicatorsBody),
            ("/trend", .pageTrendHeading, ["from", "to"], Self.trendBody),
            ("/compare", .pageCompareHeading, ["period"], Self.compareBody),
            ("/drivers", .pageDriversHeading, ["period"], Self.driversBody),
            ("/reports", .pageReportsHeading, ["period", "previous", "report_lang"], Self.reportsBody),
        ]
        for (path, heading, extra, body) in pages {
            router.get(RouterPath(path)) { request, context -> Response in
                let session = try context.requireSession()
                let language = context.language ?? settings.language
                let query = try APIQuery(request, context: context, settings: settings, extra: extra)
                let html = try await cachedPage(path, query) { store in try body(store, query) }
                return Pages.response(Pages.page(Message(heading).text(in: language), html, language: language, session: session,
                                                 keeping: query.parameters))
            }
        }
        router.get("/reports/download") { request, context -> Response in
            _ = try context.requireSession()
            let query = try APIQuery(request, context: context, settings: settings, extra: ["period", "previous", "report_lang", "download"])
            return Response(status: .seeOther, headers: [.location: try Self.reportDownloadAddress(query)])
        }
        // The report of a period (DESIGN §20): `GET /api/v1/reports/{survey}/{period}.html|.xlsx?previous=&lang=`.
        router.get("/api/v1/reports/{survey}/{file}") { request, context -> Response in
            _ = try context.requireSession()
            // Path segments arrive percent-encoded (the page's links encode them).
            let survey = context.parameters.get("survey").flatMap(\.removingPercentEncoding) ?? ""
            let file = context.parameters.get("file").flatMap(\.removingPercentEncoding) ?? ""
            let workbook = file.hasSuffix(".xlsx")
            guard workbook || file.hasSuffix(".html") else {
                throw WellBeingError(.notFound, Message(.serveNotFound, ["path": DataProblem.shortened(request.uri.path)]))
            }
            let period = String(file.dropLast(5))  // ".html" and ".xlsx" alike
            let query = try APIQuery(request, context: context, settings: settings, extra: ["previous"])
            let report = try await reportFile(survey: survey, period: period, previous: query.parameters["previous"], query: query,
                                              workbook: workbook)
            let type = workbook ? "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet" : "text/html; charset=utf-8"
            return Response(status: .ok, headers: [.contentType: type, .contentDisposition: Self.attachment(report.name)],
                            body: .init(byteBuffer: ByteBuffer(bytes: report.data)))
        }
    }

    // MARK: The pages' bodies, each read from one snapshot of the store and kept in the answer cache

    /// The body of a page (below its heading) that `render` makes from one snapshot of the store (nil before the first
    /// import), kept in the answer cache under the page, every parameter given and the reader's language: many
    /// readers of a page cost one analysis, and a page read after an import (the store's state is in the key) shows
    /// the new figures. Errors reach the page as they were thrown (never kept).
    func cachedPage(_ route: String, _ query: APIQuery, _ render: @escaping @Sendable (SurveyStore?) throws -> String) async throws -> String {
        try await onPool(cachedAs: query.cacheKey(route: route), render)
    }

    /// One file of a period's report as the `report` command writes it (the HTML report or its workbook), in the
    /// request's language, and the file's name; `by`, as the command's `--by`, chooses the breakdown sections (the
    /// report's groups stay the instrument's). Free-text answers are never included. Kept in the answer cache like the
    /// pages (the name travels with the bytes: the first line, which `ReportJob.safeFileName` keeps free of breaks).
    func reportFile(survey: String, period: String, previous: String?, query: APIQuery,
                    workbook: Bool) async throws -> (name: String, data: Data) {
        var options = query.analysis.options
        options.breakdown = nil
        let breakdowns = try query.analysis.by.map { [try Breakdown($0)] }
        let language = query.analysis.language
        let kept = try await cachedAnswer(query.cacheKey(route: "reports/\(survey)/\(period).\(workbook ? "xlsx" : "html")")) { [options] store in
            let bundle = try ReportJob.bundle(store: store, survey: survey, period: period, previous: previous, options: options,
                                              language: language, format: workbook ? .xlsx : .html, includeComments: false,
                                              breakdowns: breakdowns)
            let name = bundle.baseName + (workbook ? ".xlsx" : ".html")
            return Data((name + "\n").utf8) + ((workbook ? bundle.workbook : bundle.html) ?? Data())
        }
        let newline = kept.firstIndex(of: UInt8(ascii: "\n")) ?? kept.endIndex
        return (String(decoding: kept[..<newline], as: UTF8.self), Data(kept[kept.index(after: newline)...]))
    }

    /// The surveys in `store` and the one asked for (else the first), with its instrument and periods; nil when
    /// nothing has been imported yet.
    static func surveyChoice(_ requested: String?, store: SurveyStore?) throws -> SurveyChoice? {
        guard let store else { return nil }
        let surveys = try store.surveys()
        guard !surveys.isEmpty else { return nil }
        let survey = try requested.map { try store.resolveSurvey($0) } ?? surveys[0].id
        let periods = surveys.first { $0.id == survey }?.periods.keys.sorted() ?? []
        return SurveyChoice(surveys: surveys.map(\.id), survey: survey, instrument: try store.instrument(for: survey).instrument,
                            periods: periods)
    }

    // MARK: Pages

    /// The indicators of a period by district, 年代, 性別 or a cross: the CI chart of each headline item (the report's
    /// chart: a withheld group shows its mark, never a figure), then one table per group with n, mean, CI, top-2,
    /// 偏差値 and the CLI's words for unstable and withheld values.
    static func indicatorsBody(_ store: SurveyStore?, _ query: APIQuery) throws -> String {
        let language = query.analysis.language
        guard let store, let choice = try surveyChoice(query.analysis.survey, store: store) else { return nothingYet(language) }
        let period = query.parameters["period"] ?? choice.periods.last?.rawValue ?? ""
        var html = choiceForm("/indicators", choice: choice, language: language, controls: [
            periodSelect("period", .pageIndicatorsPeriod, choice: choice, chosen: period, language: language),
            bySelect(choice.instrument, chosen: query.analysis.by, language: language),
            weightsSelect(query.analysis.weights, language: language),
        ])
        let analysis = try PeriodAnalysis(store: store, survey: choice.survey.rawValue, period: period, options: query.analysis.options)
        let results = analysis.results
        html += summary([analysis.summaryText(in: language)] + results.notes.map { $0.text(in: language, instrument: analysis.instrument) })
        html += downloads("indicators", query, survey: choice.survey, extra: ["period": period], language: language)
        let charts = ReportBuilder.intervalCharts(results, instrument: analysis.instrument, language: language)
        if !charts.isEmpty {
            // Side by side, without the charts' own tables: the tables below hold every figure drawn.
            html += "<h2>\(say(.pageIntervalsHeading, language))</h2>\n<div class=\"grid\">\n"
                + charts.map { HTMLRenderer.figure($0.chart, withTable: false) }.joined() + "</div>\n"
            var notes: [String] = []
            for note in charts.compactMap(\.note) where !notes.contains(note) { notes.append(note) }
            html += notes.map { "<p class=\"note\">\(escapeMarkup($0))</p>\n" }.joined()
        }
        // The report's radars of the same deviation scores as the tables below: one per group of the page's breakdown.
        let radars = ReportBuilder.radarCharts(results, instrument: analysis.instrument, language: language)
        if !radars.charts.isEmpty {
            html += "<h2>\(say(.pageRadarHeading, language))</h2>\n<p class=\"note\">\(escapeMarkup(radars.about))</p>\n"
                + "<div class=\"grid radars\">\n" + radars.charts.map { HTMLRenderer.figure($0, withTable: false) }.joined() + "</div>\n"
        }
        let label = results.breakdown.map { breakdown in
            breakdown.fields.map { name in
                analysis.instrument.respondent.field(named: name).map { analysis.instrument.respondent.label(of: $0).text(in: language) } ?? name
            }.joined(separator: " × ")
        } ?? analysis.instrument.respondent.group.label.text(in: language)
        html += "<h2>\(say(.pageTablesHeading, ["label": label], language))</h2>\n"
        html += groupSections(results.estimates, group: \.group, instrument: analysis.instrument, language: language) { estimates in
            var part = results
            part.estimates = estimates
            return ResultTables.indicatorsText(part, instrument: analysis.instrument, language: language)
        }
        return html
    }

    /// What changed between two periods, by group, with p, the q-value over all the comparisons and the CLI's marks.
    static func trendBody(_ store: SurveyStore?, _ query: APIQuery) throws -> String {
        let language = query.analysis.language
        guard let store, let choice = try surveyChoice(query.analysis.survey, store: store) else { return nothingYet(language) }
        let latest = choice.periods.suffix(2).map(\.rawValue)
        let from = query.parameters["from"] ?? latest.first ?? "", to = query.parameters["to"] ?? latest.last ?? ""
        var html = choiceForm("/trend", choice: choice, language: language, controls: [
            periodSelect("from", .pageTrendFrom, choice: choice, chosen: from, language: language),
            periodSelect("to", .pageTrendTo, choice: choice, chosen: to, language: language),
            bySelect(choice.instrument, chosen: query.analysis.by, language: language),
            weightsSelect(query.analysis.weights, language: language),
        ])
        guard choice.periods.count >= 2 || query.parameters["from"] != nil else {
            return html + "<p>\(say(.pageNeedTwoPeriods, language))</p>\n"
        }
        let trend = try PeriodTrend(store: store, survey: choice.survey.rawValue, from: from, to: to, options: query.analysis.options)
        html += summary([trend.earlier.summaryText(in: language), trend.later.summaryText(in: language),
                         Message(.trendSummary, ["tests": "\(TrendAnalysis.tests(trend.rows))"]).text(in: language)])
        html += downloads("trend", query, survey: choice.survey, extra: ["from": from, "to": to], language: language)
        html += groupSections(trend.rows, group: \.group, instrument: trend.later.instrument, language: language) { rows in
            ResultTables.trendText(rows, instrument: trend.later.instrument, language: language)
        }
        return html
    }

    /// The opening of a one-period page (compare, drivers): the survey chosen, the period (the newest by default), the
    /// form of period and weights and the period analysed; nil when the store has no survey yet.
    static func onePeriodPage(_ path: String, _ store: SurveyStore?, _ query: APIQuery) throws
        -> (analysis: PeriodAnalysis, survey: SurveyID, period: String, form: String)? {
        guard let store, let choice = try surveyChoice(query.analysis.survey, store: store) else { return nil }
        let language = query.analysis.language
        let period = query.parameters["period"] ?? choice.periods.last?.rawValue ?? ""
        let form = choiceForm(path, choice: choice, language: language, controls: [
            periodSelect("period", .pageIndicatorsPeriod, choice: choice, chosen: period, language: language),
            weightsSelect(query.analysis.weights, language: language),
        ])
        let analysis = try PeriodAnalysis(store: store, survey: choice.survey.rawValue, period: period, options: query.analysis.options)
        return (analysis, choice.survey, period, form)
    }

    /// Each group's citizens' scores beside its KPIs' scores, with the gaps the CLI flags.
    static func compareBody(_ store: SurveyStore?, _ query: APIQuery) throws -> String {
        let language = query.analysis.language
        if query.analysis.by != nil { throw WellBeingError(.usage, Message(.compareNoBy)) }
        guard let page = try onePeriodPage("/compare", store, query) else { return nothingYet(language) }
        let (analysis, survey, period) = (page.analysis, page.survey, page.period)
        guard let comparison = analysis.comparison() else {
            throw WellBeingError(.usage, Message(.noKPIValues, ["survey": survey.rawValue, "period": period]))
        }
        var html = page.form
        html += summary([analysis.summaryText(in: language)]
                        + (analysis.results.notes + comparison.notes).map { $0.text(in: language, instrument: analysis.instrument) })
        html += downloads("compare", query, survey: survey, extra: ["period": period], language: language)
        html += groupSections(comparison.rows, group: { Optional($0.group) }, instrument: analysis.instrument, language: language) { rows in
            ResultTables.compareText(rows, instrument: analysis.instrument, language: language)
        }
        return html
    }

    /// Each category's correlation with the outcome and its quadrant, as `drivers` prints them.
    static func driversBody(_ store: SurveyStore?, _ query: APIQuery) throws -> String {
        let language = query.analysis.language
        guard let page = try onePeriodPage("/drivers", store, query) else { return nothingYet(language) }
        let (analysis, survey, period) = (page.analysis, page.survey, page.period)
        guard analysis.instrument.outcome != nil else {
            throw WellBeingError(.usage, Message(.noOutcome, ["survey": survey.rawValue]))
        }
        let rows = DriverAnalysis.rows(from: analysis.results).rows
        var html = page.form
        html += summary([analysis.summaryText(in: language)])
        html += downloads("drivers", query, survey: survey, extra: ["period": period], language: language)
        // The report's chart of the same numbers as the table under it.
        if let chart = ReportBuilder.driversChart(analysis.results, instrument: analysis.instrument, language: language) {
            html += HTMLRenderer.figure(chart, withTable: false)
        }
        let table = ResultTables.driversText(rows, instrument: analysis.instrument, language: language)
        html += "<div class=\"table-wrap\">" + HTMLRenderer.renderTable(table, caption: "\(survey.rawValue) \(period)", shadedFrom: nil)
            + "</div>\n"
        return html
    }

    /// The report of a period, as HTML or a workbook, in either language, compared with an earlier period or not.
    static func reportsBody(_ store: SurveyStore?, _ query: APIQuery) throws -> String {
        let language = query.analysis.language
        guard let choice = try surveyChoice(query.analysis.survey, store: store) else { return nothingYet(language) }
        let period = query.parameters["period"] ?? choice.periods.last?.rawValue ?? ""
        let earlier = choice.periods.map(\.rawValue).filter { $0 < period }
        let previous = query.parameters["previous"] ?? (query.parameters["period"] == nil ? earlier.last : nil)
        let reportLanguage = query.parameters["report_lang"].flatMap(Language.init(rawValue:)) ?? language
        var html = "<p>\(say(.pageReportAbout, language))</p>\n"
        // The form downloads the file its choices name (through `/reports/download`); with several surveys, "Show"
        // reloads it with the chosen survey's periods.
        let show = choice.surveys.count > 1
            ? "<button type=\"submit\" formaction=\"/reports\">\(say(.pageIndicatorsShow, language))</button>\n" : ""
        html += choiceForm("/reports/download", choice: choice, language: language, controls: [
            periodSelect("period", .pageIndicatorsPeriod, choice: choice, chosen: period, language: language),
            labelled(say(.pageReportPrevious, language), select("previous", [("", Message(.pageReportNoPrevious).text(in: language))]
                + choice.periods.map { ($0.rawValue, $0.rawValue) }, chosen: previous ?? "")),
            labelled(say(.pageReportLanguage, language), select("report_lang", [("ja", "日本語"), ("en", "English")],
                                                                chosen: reportLanguage.rawValue)),
            weightsSelect(query.analysis.weights, language: language),
        ], buttons: show
            + "<button type=\"submit\" name=\"download\" value=\"html\">\(say(.pageReportHTML, language))</button>\n"
            + "<button type=\"submit\" name=\"download\" value=\"xlsx\">\(say(.pageReportWorkbook, language))</button>\n")
        return html
    }

    /// Where the reports form sends its choices: a redirect (303) to the report file they name,
    /// `/api/v1/reports/{survey}/{period}.html|.xlsx?lang=&previous=…`, so the form downloads without a script.
    static func reportDownloadAddress(_ query: APIQuery) throws -> String {
        let kind = try query.required("download")
        guard kind == "html" || kind == "xlsx" else {
            throw WellBeingError(.usage, Message(.serveBadParameter, ["name": "download", "value": DataProblem.shortened(kind),
                                                                      "expected": "html, xlsx"]))
        }
        let survey = try query.required("survey"), period = try query.required("period")
        var parameters = query.parameters.filter { !["download", "report_lang", "survey", "period", "lang"].contains($0.key) }
        parameters["lang"] = (query.parameters["report_lang"].flatMap(Language.init(rawValue:)) ?? query.analysis.language).rawValue
        return "/api/v1/reports/\(percentEncoded(survey))/\(percentEncoded(period)).\(kind)?"
            + parameters.keys.sorted().map { "\($0)=\(percentEncoded(parameters[$0]!))" }.joined(separator: "&")
    }

    // MARK: Pieces

    static func say(_ key: MessageKey, _ arguments: [String: String] = [:], _ language: Language) -> String {
        escapeMarkup(Message(key, arguments).text(in: language))
    }

    static func say(_ key: MessageKey, _ language: Language) -> String { say(key, [:], language) }

    static func nothingYet(_ language: Language) -> String { "<p>\(say(.pageNothingYet, language))</p>\n" }

    /// The lines the CLI says beside its table (who, how weighted, notes).
    static func summary(_ lines: [String]) -> String {
        lines.map { "<p class=\"summary\">\(escapeMarkup($0))</p>\n" }.joined()
    }

    /// A form of choices: the survey when the store holds several, then `controls`, and the button (or `buttons`).
    static func choiceForm(_ action: String, choice: SurveyChoice, language: Language, controls: [String], buttons: String? = nil) -> String {
        var html = "<form class=\"panel\" method=\"get\" action=\"\(action)\">\n"
        if choice.surveys.count > 1 {
            html += labelled(say(.pageSurvey, language), select("survey", choice.surveys.map { ($0.rawValue, $0.rawValue) },
                                                                 chosen: choice.survey.rawValue))
        } else {
            html += "<input type=\"hidden\" name=\"survey\" value=\"\(escapeMarkup(choice.survey.rawValue))\">\n"
        }
        return html + controls.joined() + (buttons ?? "<button type=\"submit\">\(say(.pageIndicatorsShow, language))</button>\n") + "</form>\n"
    }

    static func labelled(_ label: String, _ control: String) -> String { "<label>\(label) \(control)</label>\n" }

    /// A `<select>` of (value, label) choices, `chosen` selected.
    static func select(_ name: String, _ choices: [(String, String)], chosen: String) -> String {
        "<select name=\"\(name)\">" + choices.map { value, label in
            "<option value=\"\(escapeMarkup(value))\"\(value == chosen ? " selected" : "")>\(escapeMarkup(label))</option>"
        }.joined() + "</select>"
    }

    static func periodSelect(_ name: String, _ label: MessageKey, choice: SurveyChoice, chosen: String, language: Language) -> String {
        labelled(say(label, language), select(name, choice.periods.map { ($0.rawValue, $0.rawValue) }, chosen: chosen))
    }

    /// The breakdowns a page offers: the instrument's group, each respondent field, and the cross of the first two.
    static func bySelect(_ instrument: Instrument, chosen: String?, language: Language) -> String {
        let fields = instrument.respondent.attributes.filter { !$0.isResponseMode }
        var choices = [("", instrument.respondent.group.label.text(in: language))]
        choices += fields.map { ($0.column.name, $0.label.text(in: language)) }
        if fields.count >= 2 {
            choices.append(("\(fields[0].column.name)*\(fields[1].column.name)",
                            "\(fields[0].label.text(in: language)) × \(fields[1].label.text(in: language))"))
        }
        return labelled(say(.pageIndicatorsBy, language), select("by", choices, chosen: chosen ?? ""))
    }

    /// The weighting choices in the reader's words; the values stay the API's (`none`, `design`, `raked`).
    static func weightsSelect(_ chosen: Weighting?, language: Language) -> String {
        func name(_ weighting: Weighting) -> MessageKey {
            switch weighting {
            case .none: return .pageWeightsNone
            case .design: return .pageWeightsDesign
            case .raked: return .pageWeightsRaked
            }
        }
        let choices = [("", Message(.pageWeightsDefault).text(in: language))]
            + Weighting.allCases.map { ($0.rawValue, Message(name($0)).text(in: language)) }
        return labelled(say(.pageIndicatorsWeights, language), select("weights", choices, chosen: chosen?.rawValue ?? ""))
    }

    /// Links to the API's CSV, workbook and JSON of the page's options: the bytes the CLI writes for them.
    static func downloads(_ route: String, _ query: APIQuery, survey: SurveyID, extra: [String: String], language: Language) -> String {
        var parameters = extra
        parameters["survey"] = survey.rawValue
        if let by = query.analysis.by { parameters["by"] = by }
        if let weights = query.analysis.weights { parameters["weights"] = weights.rawValue }
        parameters["lang"] = language.rawValue
        let base = "/api/v1/\(route)?" + queryString(parameters)
        return "<p class=\"downloads\">\(say(.pageDownloadTable, language)) " + [("csv", "CSV"), ("xlsx", "Excel"), ("json", "JSON")].map { format, label in
            "<a href=\"\(base)&amp;format=\(format)\" download>\(label)</a>"
        }.joined() + "</p>\n"
    }

    /// `a=1&amp;b=2`, keys sorted, values percent-encoded, for an `href`.
    static func queryString(_ parameters: [String: String]) -> String {
        parameters.keys.sorted().map { "\($0)=\(hrefValue(parameters[$0]!))" }.joined(separator: "&amp;")
    }

    /// A value as one path segment or query value in an `href`: percent-encoded, then escaped.
    static func hrefValue(_ text: String) -> String { escapeMarkup(percentEncoded(text)) }

    /// The characters a URL carries as they are (RFC 3986's unreserved ones); every other is percent-encoded.
    static let unreserved = CharacterSet(charactersIn: "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~")

    /// `text` with every character but the unreserved ASCII ones percent-encoded: a path segment or a query value.
    static func percentEncoded(_ text: String) -> String {
        text.addingPercentEncoding(withAllowedCharacters: unreserved) ?? ""
    }

    /// One table per group, in the order the rows name them (the whole area first where it has rows), each under its
    /// group's name; `table` lays a group's rows out as the CLI does, and its first column (the group) is left out.
    static func groupSections<Row>(_ rows: [Row], group: (Row) -> GroupName?, instrument: Instrument, language: Language,
                                   table: ([Row]) -> ResultTable) -> String {
        var order: [GroupName?] = []
        var byGroup: [GroupName?: [Row]] = [:]
        for row in rows {
            let key = group(row)
            if byGroup[key] == nil { order.append(key) }
            byGroup[key, default: []].append(row)
        }
        if let whole = order.firstIndex(where: { $0 == nil }) { order.insert(order.remove(at: whole), at: 0) }
        func name(_ group: GroupName?) -> String {
            group.map { instrument.respondent.valueText($0.rawValue, in: language) } ?? Message(.wholeArea).text(in: language)
        }
        var html = order.count > 1
            ? "<nav class=\"groups\">" + order.enumerated().map { index, group in
                "<a href=\"#group-\(index)\">\(escapeMarkup(name(group)))</a>"
            }.joined(separator: " ") + "</nav>\n" : ""
        for (index, key) in order.enumerated() {
            var laid = table(byGroup[key] ?? [])
            laid.headers.removeFirst()
            laid.rows = laid.rows.map { Array($0.dropFirst()) }
            html += "<section class=\"group\" id=\"group-\(index)\" data-group=\"\(escapeMarkup(key?.rawValue ?? ""))\">\n"
                + "<div class=\"table-wrap\">"
                + HTMLRenderer.renderTable(laid, caption: name(key), shadedFrom: nil) + "</div>\n</section>\n"
        }
        return html
    }
}
#endif
