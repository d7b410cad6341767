import Foundation
import Testing
import WellBeingTestSupport
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

    /// Each input of `Fuzz/Corpus/workbook` as FuzzWorkbook reads it: the whole file when it starts with "PK",
    /// else the sheet's XML inside a minimal package.
    @Test func workbookCorpus() throws {
        let instrument = try InstrumentLoader.load(path: (Self.fuzzFolder as NSString).appendingPathComponent("fuzz.yaml")).instrument
        let folder = try TemporaryFolder()
        let files = Self.corpus("workbook")
        #expect(files.count >= 5)
        for (index, file) in files.enumerated() {
            let data = try Data(contentsOf: URL(fileURLWithPath: file))
            let path: String
            if data.starts(with: [0x50, 0x4B]) {
                path = try folder.write("input\(index).xlsx", bytes: [UInt8](data))
            } else {
                path = try TestWorkbook.write("input\(index).xlsx", in: folder, binaryParts: [
                    ("xl/workbook.xml", Data(TestWorkbook.workbook().utf8)),
                    ("xl/_rels/workbook.xml.rels", Data(TestWorkbook.relationships().utf8)),
                    ("xl/styles.xml", Data(TestWorkbook.styles.utf8)), ("xl/worksheets/sheet1.xml", data)])
            }
            do {
                let parser = ResponseParser(instrument: instrument, reader: try RecordSources.open(path: path), fixedPeriod: nil)
                _ = try parser.parse(accept: { _ in }, reject: { _ in })
            } catch is WellBeingError {
            }
        }
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
