import Foundation
import WellBeingCore
import FuzzSupport
import WellBeingIngest

let path = "/dev/shm/wellbeing-fuzz-csv-\(getpid()).csv"

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    FileManager.default.createFile(atPath: path, contents: Data(bytes: data, count: size))
    expectReadOrRefused { try parseEveryRow(CSVReader(source: try TextSource(path: path))) }
    return 0
}

@_cdecl("FuzzCSV_main")
func fuzzerMain(_ argc: Int32, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>) -> Int32 {
    runFuzzer(argc, argv, fuzz)
}
