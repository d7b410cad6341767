import Foundation
import FuzzSupport
import WellBeingCore
import WellBeingIngest
import ZIPFoundation

let path = "/dev/shm/wellbeing-fuzz-workbook-\(getpid()).xlsx"

/// An input starting with "PK" is the whole file (the ZIP layer); any other is the sheet's XML, wrapped in a
/// package with stored (uncompressed) parts, so that mutations reach the XML scanner and the sheet reader.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let input = Data(bytes: data, count: size)
    if input.starts(with: [0x50, 0x4B]) {
        FileManager.default.createFile(atPath: path, contents: input)
    } else {
        try? FileManager.default.removeItem(atPath: path)
        WorkbookPackage.write(sheetXML: input, to: path)
    }
    expectReadOrRefused { try parseEveryRow(try RecordSources.open(path: path)) }
    return 0
}

@_cdecl("FuzzWorkbook_main")
func fuzzerMain(_ argc: Int32, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>) -> Int32 {
    runFuzzer(argc, argv, fuzz)
}
