import Benchmark
import Foundation
import WellBeingCore
import WellBeingIngest
import WellBeingStore
import WellBeingWorkspace

/// A survey CSV in the lwc layout, made in code from a fixed seed (the same bytes on every run).
enum SyntheticSurvey {
    static let districts = ["片瀬", "鵠沼", "辻堂", "村岡", "藤沢", "明治", "善行", "湘南大庭", "六会", "湘南台", "遠藤", "長後", "御所見"]
    static let ages = ["18-29", "30-39", "40-49", "50-59", "60-69", "70+"]
    static let sexes = ["男性", "女性", "その他"]

    /// Writes `count` respondents to a temporary file and returns its path.
    static func write(count: Int) throws -> String {
        var generator = SplitMix64(seed: 20_240_901)
        var text = "respondent_id,submitted_at,region,age_band,sex,"
            + (1...48).map { String(format: "q%02d", $0) }.joined(separator: ",") + ",life_satisfaction,happiness,comment\n"
        text.reserveCapacity(count * 150)
        for index in 1...count {
            text += String(format: "R%07d", index) + ",2025-09-01,"
            text += districts[Int(generator.next() % 13)] + "," + ages[Int(generator.next() % 6)] + ","
            text += sexes[Int(generator.next() % 3)]
            for _ in 0..<48 {
                let draw = generator.next() % 50
                text += draw == 0 ? "," : "," + String(draw % 5 + 1)
            }
            text += "," + String(generator.next() % 11) + "," + String(generator.next() % 11)
            text += generator.next() % 7 == 0 ? ",\"感想, \"\"自由記述\"\"\"\n" : ",\n"
        }
        let path = NSTemporaryDirectory() + "wellbeing-benchmark-\(count).csv"
        try Data(text.utf8).write(to: URL(fileURLWithPath: path))
        return path
    }
}

/// A small, fast, seeded random number generator.
struct SplitMix64 {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

let instrumentPath = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
    .deletingLastPathComponent().deletingLastPathComponent().appendingPathComponent("Surveys/lwc-synthetic.yaml").path

let benchmarks: @Sendable () -> Void = {
    Benchmark.defaultConfiguration = .init(metrics: [.wallClock, .peakMemoryResident, .mallocCountTotal],
                                           maxDuration: .seconds(20), maxIterations: 5)

    Benchmark("Import 100,000 respondents into a new store") { benchmark in
        let csv = try SyntheticSurvey.write(count: 100_000)
        let instrument = try InstrumentLoader.load(path: instrumentPath)
        for _ in benchmark.scaledIterations {
            let storePath = NSTemporaryDirectory() + "wellbeing-benchmark-\(UUID().uuidString).sqlite"
            benchmark.startMeasurement()
            let store = try SurveyStore(path: storePath)
            let outcome = try store.importResponses(ResponseImportRequest(
                source: try ResponseFile(path: csv, instrument: instrument.instrument, period: nil),
                instrument: instrument, instrumentFileName: "lwc-synthetic.yaml"))
            benchmark.stopMeasurement()
            blackHole(outcome)
            for suffix in ["", "-wal", "-shm"] { try? FileManager.default.removeItem(atPath: storePath + suffix) }
        }
    }

    Benchmark("Parse and validate 100,000 respondents (no store)") { benchmark in
        let csv = try SyntheticSurvey.write(count: 100_000)
        let instrument = try InstrumentLoader.load(path: instrumentPath).instrument
        for _ in benchmark.scaledIterations {
            let parser = ResponseParser(instrument: instrument, reader: CSVReader(source: try TextSource(path: csv)),
                                        fixedPeriod: nil)
            var answered = 0
            let summary = try parser.parse(accept: { answered += $0.answers.count })
            blackHole(summary.acceptedRows + answered)
        }
    }
}
