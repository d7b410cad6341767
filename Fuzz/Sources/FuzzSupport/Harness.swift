import Foundation
import WellBeingCore
import WellBeingIngest

/// The instrument the reading fuzzers check every input against (`Fuzz/fuzz.yaml`, shared with the replay test).
public let fuzzInstrument = try! InstrumentLoader.load(
    path: URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("fuzz.yaml").path).instrument

/// Runs `body`; refusing bad input with a `WellBeingError` is the expected outcome, anything else a finding.
public func expectReadOrRefused(_ body: () throws -> Void) {
    do {
        try body()
    } catch is WellBeingError {
    } catch {
        fatalError("unexpected error type: \(error)")
    }
}

/// Reads every row of `source` through the response parser against `fuzzInstrument`.
public func parseEveryRow(_ source: RecordSource) throws {
    let parser = ResponseParser(instrument: fuzzInstrument, reader: source, fixedPeriod: nil)
    var answers = 0
    _ = try parser.parse(accept: { row in answers += row.answers.count }, reject: { _ in })
}
