import Foundation
import Testing
import WellBeingTestSupport
@testable import WellBeingAnalysis
@testable import WellBeingCLI
@testable import WellBeingCore
@testable import WellBeingReport
@testable import WellBeingStore
import WellBeingWorkspace

/// No withheld figure can be derived from what the tool publishes for a period (issue 18): not by subtracting a
/// cross's published cells from its margins, not by undoing the small-area blend, not from everything together.
@Suite(.serialized) struct DisclosureAttackTests {
    typealias Row = [String: Any]

    static func estimates(_ arguments: [String]) throws -> [Row] {
        try AnalysisCommandTests.json(["indicators", "--survey", "lwc"] + arguments)["estimates"] as! [Row]
    }

    static func isWithheld(_ row: Row) -> Bool { row["suppressed"] as? Bool == true }
    static func group(_ row: Row) -> String? { row["group"] as? String }

    /// Every withheld estimate says why, and says it truthfully: min_n below --min-n, else secondary.
    static func expectReasons(_ rows: [Row], minimumN: Int, _ place: String) {
        for row in rows {
            let n = row["n"] as! Int, reason = row["suppression"] as? String
            if isWithheld(row) {
                #expect(reason == (n < minimumN ? "min_n" : "secondary"), "\(place) \(group(row) ?? "all"): \(reason ?? "none")")
                #expect(row["mean"] is NSNull)
            } else {
                #expect(row["suppression"] is NSNull, "\(place) \(group(row) ?? "all")")
            }
        }
    }

    /// The issue's case: `--by 年代` less the published cells of `--by '年代*性別'` (unweighted) gave every
    /// withheld `… × その他` cell, one of them a single person's answer. Now no row or column of the cross has a
    /// withheld cell alone beside its published margin, and what subtraction gives is only a sum of two or more.
    @Test func aMarginLessTheCrossesPublishedCellsGivesNoWithheldCellAway() throws {
        let period = ["--period", "2025", "--weights", "none"]
        let cross = try Self.estimates(period + ["--by", "年代*性別"])
        var lines = 0, secondary = 0
        for (field, position) in [("年代", 0), ("性別", 1)] {
            let margin = try Self.estimates(period + ["--by", field])
            Self.expectReasons(margin, minimumN: 10, field)
            for row in margin where Self.group(row) != nil && !Self.isWithheld(row) {
                let indicator = row["indicator"] as! String, value = Self.group(row)!
                let cells = cross.filter {
                    $0["indicator"] as? String == indicator && ($0["n"] as! Int) > 0
                        && Self.group($0)?.components(separatedBy: Breakdown.separator)[position] == value
                }
                let withheld = cells.filter(Self.isWithheld)
                lines += 1
                #expect(withheld.count != 1, "\(indicator) \(value): \(withheld.first.flatMap(Self.group) ?? "") stands alone")
                if withheld.count == 1 {
                    // What the attack of the issue gives back.
                    let rest = Double(row["n"] as! Int) * (row["mean"] as! Double)
                        - cells.filter { !Self.isWithheld($0) }.reduce(0.0) { $0 + Double($1["n"] as! Int) * ($1["mean"] as! Double) }
                    Issue.record("derived \(Self.group(withheld[0])!) = \(rest / Double(withheld[0]["n"] as! Int))")
                }
            }
        }
        Self.expectReasons(cross, minimumN: 10, "年代*性別")
        secondary = cross.filter { $0["suppression"] as? String == "secondary" }.count
        #expect(lines > 200 && secondary > 0, "\(lines) lines, \(secondary) secondary suppressions")
    }

    /// The issue's case: direct = (EBLUP − (1 − γ)·β₀)/γ gave back 遠藤's withheld mean, and β̂, a weighted mean of
    /// every district's direct estimate, held it too. Now β̂ is the GLS mean of the published districts alone, a
    /// withheld district's model estimate is that synthetic β̂ with no γ and no ψ, and undoing the blend of any
    /// district that has a γ gives only its own published mean.
    @Test(arguments: [10, 70])
    func smallAreaEstimatesGiveNoWithheldMeanBack(_ minimumN: Int) throws {
        let object = try AnalysisCommandTests.json(["indicators", "--survey", "lwc", "--period", "2025", "--small-area", "fh",
                                                    "--min-n", "\(minimumN)"])
        let rows = (object["estimates"] as! [Row]).filter { Self.group($0) != nil }
        Self.expectReasons(rows, minimumN: minimumN, "fh")
        var synthetic = 0, undone = 0
        for fit in object["small_area"] as! [Row] {
            let indicator = fit["indicator"] as! String, a = fit["variance"] as! Double
            let beta = ((fit["coefficients"] as! [Row])[0]["estimate"] as! Double)
            let groups = rows.filter { $0["indicator"] as? String == indicator }
            let published = groups.filter { !Self.isWithheld($0) }
            #expect(fit["groups"] as? Int == published.count, "\(indicator)")
            let precision = published.map { 1 / (a + pow($0["se"] as! Double, 2)) }
            let gls = zip(published, precision).reduce(0.0) { $0 + ($1.0["mean"] as! Double) * $1.1 } / precision.reduce(0, +)
            #expect(abs(gls - beta) <= 1e-9 * abs(beta), "\(indicator): β̂ \(beta) is not the published districts' \(gls)")
            for row in groups {
                let sae = try #require(row["sae"] as? Row, "\(indicator) \(Self.group(row)!)")
                if let gamma = sae["shrinkage"] as? Double, gamma > 0 {
                    let direct = ((sae["estimate"] as! Double) - (1 - gamma) * beta) / gamma
                    undone += 1
                    let mean = row["mean"] as? Double
                    #expect(mean.map { abs($0 - direct) <= 1e-6 } == true,
                            "\(indicator) \(Self.group(row)!): the blend gives back \(direct), published \(String(describing: mean))")
                }
                if Self.isWithheld(row) {
                    synthetic += 1
                    #expect(sae["synthetic"] as? Bool == true && sae["shrinkage"] is NSNull && sae["psi"] is NSNull,
                            "\(indicator) \(Self.group(row)!)")
                    #expect(abs((sae["estimate"] as! Double) - beta) <= 1e-12, "\(indicator) \(Self.group(row)!)")
                } else {
                    #expect(sae["synthetic"] as? Bool == false, "\(indicator) \(Self.group(row)!)")
                }
            }
        }
        #expect(synthetic >= 2 * 30 && undone > 0, "\(synthetic) synthetic, \(undone) blends undone")
    }

    /// The report's 小地域推定 tables: a withheld district's model estimate is marked ＊ (synthetic, its answers not
    /// used) and has no 自区分の重み, so the table cannot be worked back either; the CSV says `sae_synthetic`.
    @Test func theReportsSmallAreaTableCannotBeWorkedBack() throws {
        let out = try AnalysisCommandTests.demoReport(["--small-area", "fh", "--format", "md"], into: "disclosure-report")
        let text = try String(contentsOfFile: (out as NSString).appendingPathComponent("lwc-2025.md"), encoding: .utf8)
        let section = text.components(separatedBy: "## 小地域推定（モデル推定値）")[1].components(separatedBy: "\n## ")[0]
        let rows = section.split(separator: "\n").filter { $0.hasPrefix("| ") }.map {
            $0.split(separator: "|").map { $0.trimmingCharacters(in: .whitespaces) }
        }
        var withheld = 0
        for row in rows where row.count == 7 && row[2].hasPrefix("秘匿") {
            withheld += 1
            #expect(row[3].hasSuffix("＊") || row[3].hasPrefix("秘匿"), "\(row)")
            #expect(!row[6].hasSuffix("%"), "\(row): 自区分の重み \(row[6]) gives the withheld direct estimate back")
        }
        #expect(withheld >= 2 * 4, "\(withheld) withheld rows in the headline tables")
        #expect(section.contains("合成推定値"))
        let csv = try AnalysisCommandTests.run(["indicators", "--survey", "lwc", "--period", "2025", "--small-area", "fh", "--format", "csv"])
        #expect(csv.output.split(whereSeparator: \.isNewline)[0].contains("suppression,unstable,sae_estimate"))
        #expect(csv.output.split(whereSeparator: \.isNewline)[0].contains("sae_psi,sae_synthetic,sae_withheld"))
    }
}

extension DisclosureAttackTests {
    /// The respondent fields of the demo survey: the group, then the attributes.
    static let fields = ["居住地区", "年代", "性別", "回答方法"]

    /// Everything published for a period — the whole area and districts, each field, each cross of fields (all
    /// unweighted, so that n is the weight total), the small-area JSON and the report's tables — as sets of the
    /// finest cells (the cross of every field). A withheld cell can be derived by subtraction exactly when its
    /// set is a linear combination of published sets (and of the cells known to be empty); this checks every
    /// withheld cell of every table and indicator by exact elimination (modulo a large prime) and finds none.
    @Test(arguments: ["2024", "2025"])
    func nothingWithheldCanBeDerivedFromEverythingPublished(_ period: String) throws {
        let base = ["--period", period, "--weights", "none"]
        // The finest cells, from the full cross (its n are published even where its means are not).
        let finest = try Self.estimates(base + ["--by", Self.fields.joined(separator: "*")])
        let finestNames = Array(Set(finest.compactMap(Self.group))).sorted()
        let finestIndex = Dictionary(uniqueKeysWithValues: finestNames.enumerated().map { ($0.element, $0.offset) })
        let finestValues = finestNames.map { $0.components(separatedBy: Breakdown.separator) }
        // Each table: the fields it is over and its rows.
        var tables: [(fields: [Int], rows: [Row], source: String)] = []
        for mask in 1..<(1 << Self.fields.count) {
            let chosen = Self.fields.indices.filter { mask & (1 << $0) != 0 }
            let by = chosen.map { Self.fields[$0] }.joined(separator: "*")
            tables.append((chosen, try Self.estimates(base + ["--by", by]), "--by \(by)"))
        }
        tables.append(([0], try Self.estimates(base), "districts"))
        let modelled = try AnalysisCommandTests.json(["indicators", "--survey", "lwc", "--small-area", "fh"] + base)
        tables.append(([0], modelled["estimates"] as! [Row], "--small-area fh"))
        // The report's own tables (districts, and one per attribute), as the report computes them.
        let (_, storePath) = try AnalysisCommandTests.demo.get()
        let store = try SurveyStore(path: storePath, access: .read)
        var options = AnalysisOptions(weighting: Weighting.none)
        options.smallArea = SmallAreaOptions()
        let (_, input) = try ReportJob.build(store: store, survey: "lwc", period: period, previous: nil, options: options,
                                             language: .ja, includeComments: false)
        for results in [input.results] + input.breakdowns {
            let rows = try JSONSerialization.jsonObject(with: JSONEncoder().encode(results)) as! [String: Any]
            let chosen = try (results.breakdown?.fields ?? [Self.fields[0]]).map { name in
                try #require(Self.fields.firstIndex(of: name), "the report's breakdown by \(name)")
            }
            tables.append((chosen, rows["estimates"] as! [Row], "report \(results.breakdown?.specification ?? "districts")"))
        }
        // Undoing the blend never gives a withheld mean: a district with a γ has its direct estimate published.
        for row in modelled["estimates"] as! [Row] where (row["sae"] as? Row)?["shrinkage"] is Double {
            #expect(!Self.isWithheld(row), "\(Self.group(row)!): a withheld district's model estimate uses its answers")
        }

        let indicators = Array(Set(finest.map { $0["indicator"] as! String })).sorted()
        var audited = Set<String>(), withheldChecked = 0
        for indicator in indicators {
            var n = [Int](repeating: 0, count: finestNames.count)
            for row in finest where row["indicator"] as? String == indicator {
                if let name = Self.group(row) { n[finestIndex[name]!] = row["n"] as! Int }
            }
            var published: [[Int]] = [], withheld: [(cell: [Int], place: String)] = []
            for (chosen, rows, source) in tables {
                for row in rows where row["indicator"] as? String == indicator && (row["n"] as! Int) > 0 {
                    let value = Self.group(row).map { $0.components(separatedBy: Breakdown.separator) } ?? []
                    let members = finestValues.indices.filter { f in
                        n[f] > 0 && zip(chosen, value).allSatisfy { finestValues[f][$0.0] == $0.1 }
                    }
                    #expect(members.reduce(0) { $0 + n[$1] } == row["n"] as! Int, "\(source) \(indicator) \(Self.group(row) ?? "all"): n")
                    if Self.isWithheld(row) {
                        withheld.append((members, "\(source) \(indicator) \(Self.group(row) ?? "all") (n = \(row["n"] as! Int))"))
                    } else {
                        published.append(members)
                    }
                }
            }
            // Indicators with the same published and withheld sets need one audit.
            let signature = "\(Set(published)) \(Set(withheld.map(\.cell)))"
            guard audited.insert(signature).inserted else { continue }
            let span = Span(keeping: finestNames.indices.filter { n[$0] > 0 })
            for cell in Set(published) { span.add(cell) }
            for (cell, place) in withheld {
                withheldChecked += 1
                #expect(!span.contains(cell), "\(period) \(place) follows from the published figures by subtraction")
            }
        }
        #expect(withheldChecked > 100, "\(withheldChecked) withheld cells audited")
    }

    /// The linear span of 0/1 vectors over the cells with respondents, by elimination modulo a prime (exact for
    /// these small integer systems unless the prime divides a pivot, which would only make the check stricter).
    final class Span {
        static let prime: Int64 = 2_147_483_647
        let columns: [Int]
        var basis: [(pivot: Int, row: [Int64])] = []

        init(keeping cells: [Int]) {
            columns = cells
        }

        func vector(_ cell: [Int]) -> [Int64] {
            let position = Dictionary(uniqueKeysWithValues: columns.enumerated().map { ($0.element, $0.offset) })
            var v = [Int64](repeating: 0, count: columns.count)
            for f in cell { if let p = position[f] { v[p] = 1 } }
            return v
        }

        func reduce(_ start: [Int64]) -> [Int64] {
            var v = start
            for (pivot, row) in basis where v[pivot] != 0 {
                let factor = v[pivot]
                for j in v.indices where row[j] != 0 {
                    v[j] = ((v[j] - factor * row[j]) % Self.prime + Self.prime) % Self.prime
                }
            }
            return v
        }

        func add(_ cell: [Int]) {
            var v = reduce(vector(cell))
            guard let pivot = v.firstIndex(where: { $0 != 0 }) else { return }
            let inverse = Self.power(v[pivot], Self.prime - 2)
            for j in v.indices { v[j] = v[j] * inverse % Self.prime }
            basis.append((pivot, v))
        }

        func contains(_ cell: [Int]) -> Bool { reduce(vector(cell)).allSatisfy { $0 == 0 } }

        static func power(_ base: Int64, _ exponent: Int64) -> Int64 {
            var result: Int64 = 1, b = base % prime, e = exponent
            while e > 0 {
                if e & 1 == 1 { result = result * b % prime }
                b = b * b % prime
                e >>= 1
            }
            return result
        }
    }
}
