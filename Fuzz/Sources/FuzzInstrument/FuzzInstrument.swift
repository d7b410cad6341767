import Foundation
import WellBeingCore
import FuzzSupport
import WellBeingIngest

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let text = String(decoding: UnsafeBufferPointer(start: data, count: size), as: UTF8.self)
    expectReadOrRefused {
        let loaded = try InstrumentLoader.parse(text, fileName: "fuzz.yaml")
        // A loaded instrument must be usable: every item's scale exists, every category has items.
        for item in loaded.instrument.items { _ = loaded.instrument.scale(of: item) }
        precondition(loaded.instrument.categories.allSatisfy { !$0.itemIDs.isEmpty })
        _ = loaded.instrument.indicatorIDs
    }
    return 0
}

@_cdecl("FuzzInstrument_main")
func fuzzerMain(_ argc: Int32, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>) -> Int32 {
    runFuzzer(argc, argv, fuzz)
}
