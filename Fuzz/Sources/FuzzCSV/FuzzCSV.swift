import Foundation
import WellBeingCore
import WellBeingIngest

/// The instrument every input is read against: every kind of field (id, group with values, period from a
/// date, attribute, weight, free text) and both kinds of scale.
let instrumentText = """
    id: fuzz
    version: "1"
    title: fuzz
    respondent:
      id: id
      group: {column: g, values: [北区, 南区, ①番町]}
      period: {column: when, from: year}
      attributes: [{column: sex, values: [男性, 女性]}]
      weight: w
      free_text: [comment]
    scales:
      a5: {range: [1, 5], labels: {1: 全くそう思わない, 5: とてもそう思う}, missing: [9, 無回答]}
      r10: {range: [0, 10], missing: [99]}
    categories:
      - {id: c1, name: c, items: [{id: q1, text: 質問, scale: a5}, {id: q2, text: 逆, scale: a5, reverse: true}]}
    headline:
      - {id: ls, text: 満足, scale: r10, outcome: true}
    """
let instrument = try! InstrumentLoader.parse(instrumentText, fileName: "fuzz.yaml").instrument
let path = "/dev/shm/wellbeing-fuzz-csv-\(getpid()).csv"

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    FileManager.default.createFile(atPath: path, contents: Data(bytes: data, count: size))
    do {
        let reader = CSVReader(source: try TextSource(path: path))
        let parser = ResponseParser(instrument: instrument, reader: reader, fixedPeriod: nil)
        var rows = 0
        _ = try parser.parse(accept: { row in rows += row.answers.count }, reject: { _ in })
    } catch is WellBeingError {
        // Refusing bad input with a message is the expected outcome.
    } catch {
        fatalError("unexpected error type: \(error)")
    }
    return 0
}

// SwiftPM links an executable's entry point as `FuzzCSV_main`; hand control to libFuzzer's driver.
@_silgen_name("LLVMFuzzerRunDriver")
func runFuzzerDriver(_ argc: UnsafeMutablePointer<Int32>,
                     _ argv: UnsafeMutablePointer<UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?>,
                     _ callback: @convention(c) (UnsafePointer<UInt8>, Int) -> CInt) -> CInt

@_cdecl("FuzzCSV_main")
func fuzzerMain(_ argc: Int32, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>) -> Int32 {
    var count = argc
    var arguments: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>? = argv
    return runFuzzerDriver(&count, &arguments, fuzz)
}
