import Foundation
import WellBeingCore
import FuzzSupport
import WellBeingIngest

/// The instrument every input is read against (`Fuzz/fuzz.yaml`, shared with the replay test).
let instrument = try! InstrumentLoader.load(
    path: URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("fuzz.yaml").path).instrument
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

@_cdecl("FuzzCSV_main")
func fuzzerMain(_ argc: Int32, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>) -> Int32 {
    runFuzzer(argc, argv, fuzz)
}
