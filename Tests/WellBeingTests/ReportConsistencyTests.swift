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

/// Every number the demo report prints in its tables is true of the JSON that `indicators` writes for the
/// same store: means, intervals, deviation scores, n, breakdowns, benchmark differences, gaps and changes.
@Suite(.serialized) struct ReportConsistencyTests {
    /// The JSON estimates of `results`, keyed by group ("" for the whole area) and indicator.
    static func json(_ results: IndicatorResults) throws -> [String: [String: Any]] {
        let data = try JSONEncoder().encode(results)
        let object = try JSONSerialization.jsonObject(with: data) as! [String: Any]
        var estimates: [String: [String: Any]] = [:]
        for estimate in object["estimates"] as! [[String: Any]] {
            estimates[((estimate["group"] as? String) ?? "") + "\u{1F}" + (estimate["indicator"] as! String)] = estimate
        }
        return estimates
    }

    /// Checks printed cells against expected numbers, collecting every mismatch.
    final class Checker {
        var compared = 0
        var failures: [String] = []

        /// The cell as printed: a number (with `*`, `%` or a sign), "—", "秘匿" or empty.
        static func text(_ cell: ResultTable.Cell) -> String {
            switch cell {
            case let .text(text): return text
            case let .number(value, decimals): return value.map { ResultTable.fixed($0, decimals: decimals) } ?? "—"
            case let .integer(value): return value.map(String.init) ?? "—"
            case let .flag(value): return value.map { $0 ? "true" : "false" } ?? "—"
            case let .marked(value, decimals, mark): return (value.map { ResultTable.fixed($0, decimals: decimals) } ?? "") + mark
            }
        }

        func check(_ cell: ResultTable.Cell, _ expected: Any?, decimals: Int, percent: Bool = false, _ place: String) {
            compared += 1
            let printed = Self.text(cell).replacingOccurrences(of: "*", with: "").replacingOccurrences(of: "%", with: "")
                .replacingOccurrences(of: "−", with: "-").replacingOccurrences(of: "+", with: "")
            let value = (expected as? Double) ?? (expected as? NSNumber)?.doubleValue ?? (expected as? Int).map(Double.init)
            guard let value else {
                if !["—", "", "秘匿※1", "秘匿※2", "秘匿※3"].contains(printed) { failures.append("\(place): printed \(printed), JSON has none") }
                return
            }
            let wanted = ResultTable.fixed(percent ? value * 100 : value, decimals: decimals)
            if printed != wanted { failures.append("\(place): printed \(printed), JSON \(wanted)") }
        }

        func report() {
            #expect(failures.isEmpty, "\(failures.count) of \(compared) printed values differ:\n\(failures.prefix(30).joined(separator: "\n"))")
            #expect(compared > 500)
        }
    }

    /// The dots of each headline chart stand where the JSON's means put them on the chart's axis.
    @Test func everyHeadlineChartDotIsTrueOfTheJSON() throws {
        let (_, storePath) = try AnalysisCommandTests.demo.get()
        let store = try SurveyStore(path: storePath, access: .read)
        let (document, input) = try ReportJob.build(store: store, survey: "lwc", period: "2025", previous: "2024",
                                                    options: AnalysisOptions(), language: .ja, includeComments: false)
        let estimates = try Self.json(input.results)
        let instrument = input.instrument
        var checked = 0
        for chart in document.charts where chart.id.hasSuffix("-groups") {
            let indicator = String(chart.id.dropLast("-groups".count))
            let item = try #require(instrument.items.first { $0.id.rawValue == indicator })
            let scale = instrument.scale(of: item)
            let places: [String] = [""] + input.results.groups.map(\.rawValue)
            let rows = places.map { estimates[$0 + "\u{1F}" + indicator] }
            let bounds = rows.flatMap { [$0?["ci_low"] as? Double, $0?["ci_high"] as? Double] }.compactMap { $0 }
            let domain = ReportBuilder.zoomedDomain(bounds, scale: Double(scale.minimum)...Double(scale.maximum))
            // The dots, in row order: <circle cx=… cy=…>.
            let circles = chart.svg.components(separatedBy: "<circle cx=\"").dropFirst().map { Double($0.prefix { $0 != "\"" })! }
            let means = rows.compactMap { $0?["mean"] as? Double }
            #expect(circles.count == means.count, "\(chart.id)")
            for (cx, mean) in zip(circles, means) {
                let expected = 120 + 380 * (min(max(mean, domain.lowerBound), domain.upperBound) - domain.lowerBound)
                    / (domain.upperBound - domain.lowerBound)
                #expect(abs(cx - expected) <= 0.051, "\(chart.id): dot at \(cx), the mean \(mean) belongs at \(expected)")
                checked += 1
            }
        }
        #expect(checked == 6 * 12)  // 6 headline items; the city and 13 districts less 遠藤 and its complement, withheld
    }

    /// Wherever a table or chart shows a withheld mark, a legend for that mark follows it before the next section,
    /// in both languages; 御所見 (25 respondents, withheld to protect 遠藤) is never said to have fewer than 10.
    @Test(arguments: [Language.ja, .en])
    func everyWithheldMarkHasItsLegend(_ language: Language) throws {
        let (_, storePath) = try AnalysisCommandTests.demo.get()
        let store = try SurveyStore(path: storePath, access: .read)
        let (document, _) = try ReportJob.build(store: store, survey: "lwc", period: "2025", previous: "2024",
                                                options: AnalysisOptions(), language: language, includeComments: false)
        let marks = language == .ja ? ["秘匿※1", "秘匿※2", "秘匿※3"] : ["withheld¹", "withheld²", "withheld³"]
        var pending: Set<String> = [], shown: Set<String> = []
        func tableMarks(_ table: ResultTable) -> Set<String> {
            Set(table.rows.flatMap { $0 }.compactMap { cell in
                if case let .marked(nil, _, mark) = cell { return mark }
                return nil
            })
        }
        for block in document.blocks {
            switch block {
            case let .table(table, _, _): pending.formUnion(tableMarks(table))
            case let .chart(chart):
                pending.formUnion(tableMarks(chart.table))
                // The chart writes the same marks where it cannot draw a dot.
                for mark in tableMarks(chart.table) { #expect(chart.svg.contains(mark), "\(chart.id) lacks \(mark)") }
            case let .note(text):
                for mark in pending where text.contains(mark + ":") { pending.remove(mark); shown.insert(mark) }
            case .heading(2, _, _):
                #expect(pending.isEmpty, "no legend for \(pending) before \(block)")
                pending = []
            default: break
            }
        }
        #expect(shown.isSuperset(of: marks.prefix(2)), "\(shown)")
        let html = HTMLRenderer.render(document)
        #expect(!html.contains(language == .ja ? "「秘匿」は回答者" : "\"withheld\": fewer than"))
    }

    @Test func everyTableValueIsTrueOfTheJSON() throws {
        let (_, storePath) = try AnalysisCommandTests.demo.get()
        let store = try SurveyStore(path: storePath, access: .read)
        let (document, input) = try ReportJob.build(store: store, survey: "lwc", period: "2025", previous: "2024",
                                                    options: AnalysisOptions(), language: .ja, includeComments: false)
        let instrument = input.instrument
        let estimates = try Self.json(input.results)
        let previous = try Self.json(try #require(input.previous))
        var indicatorByName: [String: String] = [:]
        for id in instrument.indicatorIDs { indicatorByName[instrument.indicatorName(id, in: .ja)] = id.rawValue }
        let checker = Checker()
        func estimate(_ group: String, _ indicator: String, in json: [String: [String: Any]]) -> [String: Any]? {
            json[(group == "全体" ? "" : group) + "\u{1F}" + indicator]
        }
        var tables: [(title: String, table: ResultTable)] = []
        for block in document.blocks {
            switch block {
            case let .table(table, caption, _): tables.append((caption, table))
            case let .chart(chart): tables.append((chart.id, chart.table))
            case let .chartGrid(_, table, caption): tables.append((caption, table))
            default: break
            }
        }
        var seen: Set<String> = []
        for (title, table) in tables {
            let cells = { (row: [ResultTable.Cell]) in row.map(Checker.text) }
            if title.hasSuffix("-groups"), let indicator = title.components(separatedBy: "-").first {
                // A headline item by group: n, mean, interval.
                seen.insert("headline")
                for row in table.rows {
                    let group = cells(row)[0]
                    let e = estimate(group, indicator, in: estimates)
                    checker.check(row[1], e?["n"], decimals: 0, "\(title) \(group) n")
                    if e?["suppressed"] as? Bool == true { continue }
                    checker.check(row[2], e?["mean"], decimals: 2, "\(title) \(group) mean")
                    checker.check(row[3], e?["ci_low"], decimals: 2, "\(title) \(group) low")
                    checker.check(row[4], e?["ci_high"], decimals: 2, "\(title) \(group) high")
                    checker.check(row[5], e?["top2"], decimals: 1, percent: true, "\(title) \(group) top2")
                }
            } else if title.hasSuffix("× カテゴリーの偏差値") {
                seen.insert("groups")
                let groups = Array(table.headers.dropFirst(2))
                for row in table.rows {
                    let indicator = try #require(indicatorByName[cells(row)[0]])
                    checker.check(row[1], estimate("全体", indicator, in: estimates)?["mean"], decimals: 2, "\(indicator) mean")
                    for (offset, group) in groups.enumerated() {
                        let e = estimate(group, indicator, in: estimates)
                        checker.check(row[2 + offset], e?["deviation"], decimals: 1, "\(indicator) \(group) deviation")
                        // A withheld cell names the reason the JSON gives.
                        let reason = e?["suppression"] as? String
                        let expected = reason == "min_n" ? "秘匿※1" : (reason == "secondary" ? "秘匿※2" : nil)
                        if case let .marked(nil, _, mark) = row[2 + offset] {
                            #expect(mark == expected, "\(indicator) \(group): \(mark), the JSON says \(reason ?? "published")")
                        } else {
                            #expect(expected == nil, "\(indicator) \(group) is withheld (\(reason ?? "")) but printed")
                        }
                    }
                }
            } else if title.hasPrefix("全体の平均と比較値") {
                seen.insert("benchmarks")
                for row in table.rows {
                    let indicator = cells(row)[0]
                    let e = try #require(estimate("全体", indicator, in: estimates))
                    let benchmark = try #require(e["benchmark"] as? [String: Any])
                    checker.check(row[2], e["mean"], decimals: 2, "\(indicator) mean")
                    checker.check(row[3], benchmark["mean"], decimals: 2, "\(indicator) benchmark")
                    // The difference of the printed values, and the JSON's difference to the printed precision.
                    let printedDifference = Double(ResultTable.fixed(e["mean"] as! Double, decimals: 2))!
                        - Double(ResultTable.fixed(benchmark["mean"] as! Double, decimals: 2))!
                    checker.check(row[4], printedDifference, decimals: 2, "\(indicator) difference")
                    checker.check(.text(cells(row)[6] == "<0.001" ? "0.000" : cells(row)[6]), benchmark["p"], decimals: 3, "\(indicator) p")
                }
            } else if title.hasPrefix("総合指標の平均（") || title.hasPrefix("カテゴリー別平均（") {
                // Breakdowns: which one is named in the caption.
                seen.insert("breakdowns")
                let breakdown = try #require(input.breakdowns.first { results in
                    let label = instrument.respondent.attributes.first { $0.column.name == results.breakdown?.fields.first }?.label.ja
                    return title.contains("（" + ReportBuilder.byLabel(label ?? "?") + "）")
                })
                let json = try Self.json(breakdown)
                if title.hasPrefix("総合指標の平均（") {
                    let ids = table.headers.dropFirst(2).map { indicatorByName[$0]! }
                    for row in table.rows {
                        for (offset, id) in ids.enumerated() {
                            checker.check(row[2 + offset], estimate(cells(row)[0], id, in: json)?["mean"], decimals: 2, "\(title) \(cells(row)[0]) \(id)")
                        }
                    }
                } else {
                    let groups = Array(table.headers.dropFirst(1)).map { $0 == "全体" ? "全体" : $0 }
                    for row in table.rows {
                        let id = indicatorByName[cells(row)[0]]!
                        for (offset, group) in groups.enumerated() {
                            checker.check(row[1 + offset], estimate(group, id, in: json)?["mean"], decimals: 2, "\(title) \(group) \(id)")
                        }
                    }
                }
            } else if title == "changes" || title.hasPrefix("changes-") {
                seen.insert("changes")
                for row in table.rows {
                    let id = indicatorByName[cells(row)[0]]!
                    checker.check(row[1], estimate("全体", id, in: previous)?["mean"], decimals: 2, "\(id) before")
                    checker.check(row[2], estimate("全体", id, in: estimates)?["mean"], decimals: 2, "\(id) after")
                }
            } else if title.hasSuffix("別の配布数と回収率") {
                seen.insert("rates")
                let rows = table.rows.map(cells)
                #expect(rows.dropLast().reduce(0) { $0 + Int($1[2])! } == input.results.respondentCount)
                for (index, row) in table.rows.enumerated() {
                    let drawn = Double(cells(row)[1])!, responded = Double(cells(row)[2])!
                    checker.check(row[3], responded / drawn, decimals: 1, percent: true, "rate \(index)")
                }
            } else if title.hasSuffix("別の回答者") {
                seen.insert("profiles")
                let total = table.rows.dropLast().reduce(0) { $0 + Int(cells($1)[1])! }
                #expect(total == input.results.respondentCount, "\(title) adds up to \(total)")
                for row in table.rows.dropLast() {
                    checker.check(row[2], Double(Int(cells(row)[1])!) / Double(total), decimals: 1, percent: true, "\(title) \(cells(row)[0]) share")
                }
            }
        }
        #expect(seen == ["headline", "groups", "benchmarks", "breakdowns", "changes", "profiles", "rates"], "\(seen)")
        checker.report()
    }
}
