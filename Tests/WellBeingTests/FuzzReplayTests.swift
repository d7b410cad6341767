import Foundation
import Testing
@testable import WellBeingCore
@testable import WellBeingIngest

/// Replays the committed libFuzzer corpora (`Fuzz/Corpus`) through the same code the fuzz targets drive:
/// every input must be read or refused with a `WellBeingError`, never crash.
@Suite struct FuzzReplayTests {
    static let fuzzFolder = (Paths.root as NSString).appendingPathComponent("Fuzz")

    static func corpus(_ name: String) -> [String] {
        let folder = (fuzzFolder as NSString).appendingPathComponent("Corpus/\(name)")
        let files = (try? FileManager.default.contentsOfDirectory(atPath: folder)) ?? []
        return files.sorted().map { (folder as NSString).appendingPathComponent($0) }
    }

    @Test func corporaAreCommitted() {
        #expect(Self.corpus("csv").count >= 50)
        #expect(Self.corpus("instrument").count >= 50)
    }

    @Test func csvCorpus() throws {
        let instrument = try InstrumentLoader.load(path: (Self.fuzzFolder as NSString).appendingPathComponent("fuzz.yaml")).instrument
        var read = 0, refused = 0
        for file in Self.corpus("csv") {
            do {
                let parser = ResponseParser(instrument: instrument, reader: CSVReader(source: try TextSource(path: file)), fixedPeriod: nil)
                _ = try parser.parse(accept: { _ in }, reject: { _ in })
                read += 1
            } catch is WellBeingError {
                refused += 1
            }
        }
        #expect(read + refused == Self.corpus("csv").count)
    }

    @Test func instrumentCorpus() throws {
        for file in Self.corpus("instrument") {
            let data = try Data(contentsOf: URL(fileURLWithPath: file))
            do {
                let loaded = try InstrumentLoader.parse(String(decoding: data, as: UTF8.self), fileName: "fuzz.yaml")
                for item in loaded.instrument.items { _ = loaded.instrument.scale(of: item) }
                #expect(loaded.instrument.categories.allSatisfy { !$0.itemIDs.isEmpty })
            } catch is WellBeingError {
            }
        }
    }
}
