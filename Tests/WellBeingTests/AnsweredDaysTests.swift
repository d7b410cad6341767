import Foundation
import Testing
import WellBeingTestSupport
import WellBeingCore

/// The fieldwork dates a report states when the instrument's `report:` block gives none: the first and last day
/// the period's respondents answered, from the timestamps the period is the year of.
@Suite struct AnsweredDaysTests {
    @Test func aDayIsReadFromTheTimestampsCitiesExport() {
        let days: [(String, Int?)] = [
            ("2025/09/01 06:06:11", 20250901),   // Google Forms, Microsoft Forms (ja)
            ("2025-09-30", 20250930), ("2025-9-3 10:00", 20250903), ("2025.10.15", 20251015),
            ("2025年9月1日 10:00", 20250901), ("2024/2/29", 20240229),
            ("2025", nil), ("2025/13/01", nil), ("2025/02/29", nil), ("2025/04/31", nil), ("2025/09/00", nil),
            ("45901.4375", nil), ("20250901", nil), ("25/09/01", nil), ("2025/09", nil), ("2025:09:01", nil),
            ("2025/090/1", nil), ("", nil),
        ]
        for (text, expected) in days {
            #expect(AnsweredDays.day(fromTimestamp: Array(text.utf8)) == expected, "\(text)")
        }
        #expect(AnsweredDays(firstDay: 20250901, lastDay: 20251015) == AnsweredDays(first: "2025-09-01", last: "2025-10-15"))
    }

    /// Through the executable: the Forms export's timestamps give 2025年9月1日〜10月15日 (its first and last answer);
    /// the report says where the dates come from; the report: block wins; a copied store keeps them.
    @Test func theReportStatesTheDaysAnswered() throws {
        let folder = try TemporaryFolder()
        let sample = Paths.survey("samples/citizen-2025.csv")
        func run(_ arguments: [String]) throws -> CommandLineTests.Run {
            let run = try CommandLineTests.run(arguments, environment: ["WELLBEING_LANG": "ja"], in: folder.path)
            #expect(run.status == 0, "\(arguments): \(run.errors)")
            return run
        }
        _ = try run(["import", "responses", sample, "--instrument", "lwc", "--store", "s.db"])
        _ = try run(["report", "--period", "2025", "--format", "md", "--out", "r", "--store", "s.db"])
        let report = try String(contentsOfFile: folder.file("r/lwc-2025.md"), encoding: .utf8)
        #expect(report.contains("調査期間: 2025年9月1日〜10月15日（回答の日時による）"), "\(report.prefix(3000))")
        _ = try run(["report", "--period", "2025", "--format", "md", "--out", "r", "--lang", "en", "--store", "s.db"])
        let english = try String(contentsOfFile: folder.file("r/lwc-2025-en.md"), encoding: .utf8)
        #expect(english.contains("Fieldwork: 1 September to 15 October 2025 (as the answers' timestamps give it)"))
        // The report: block's dates are the survey's own: they win over the answers'.
        let about = try folder.write("about.yaml", "fieldwork: {from: 2025-08-25, to: 2025-10-10}\n")
        _ = try run(["report", "--period", "2025", "--format", "md", "--out", "r", "--about", about, "--store", "s.db"])
        let stated = try String(contentsOfFile: folder.file("r/lwc-2025.md"), encoding: .utf8)
        #expect(stated.contains("調査期間: 2025年8月25日〜10月10日") && !stated.contains("回答の日時による"))
        // A copied store keeps them.
        _ = try run(["store", "copy", "s.db", "t.db"])
        _ = try run(["report", "--period", "2025", "--format", "md", "--out", "c", "--store", "t.db"])
        #expect(try String(contentsOfFile: folder.file("c/lwc-2025.md"), encoding: .utf8).contains("2025年9月1日〜10月15日"))
    }
}
