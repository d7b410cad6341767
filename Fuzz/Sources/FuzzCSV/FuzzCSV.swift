import Foundation
import WellBeingCore
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
