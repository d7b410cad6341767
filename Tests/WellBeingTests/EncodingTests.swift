import Foundation
import Testing
import WellBeingTestSupport
@testable import WellBeingCore
@testable import WellBeingIngest
@testable import WellBeingStore

/// The same small survey saved the ways Excel and web forms save it reads the same every time.
@Suite struct EncodingTests {
    static let variants: [(file: String, encoding: TextEncoding)] = [
        ("mini-utf8.csv", .utf8), ("mini-utf8-bom.csv", .utf8), ("mini-cp932.csv", .cp932), ("mini-utf16.txt", .utf16LE),
    ]

    @Test(arguments: variants.map(\.file))
    func detectsAndDecodes(_ file: String) throws {
        let expected = Self.variants.first { $0.file == file }!.encoding
        let source = try TextSource(path: Paths.fixture(file))
        #expect(source.encoding == expected)
        let reader = CSVReader(source: source)
        var rows: [[String]] = []
        try reader.forEachRecord { record in rows.append((0..<record.fieldCount).map { record.string($0)! }) }
        #expect(rows.count == 4)
        #expect(rows[0].first == "id")  // no byte-order mark left in the first header
        #expect(rows[1] == ["A1", "髙島", "男性", "4", "2", "5", "3", "7", "㈱テスト①～"])
        #expect(rows[2][8] == "改行を\n含む, \"引用\" 付き")
        #expect(rows[3][1] == "①番町")
    }

    @Test func cp932WaveDashIsFullWidthTilde() throws {
        // 0x81 0x60 is ～ (U+FF5E) as Windows decodes it, not 〜 (U+301C).
        let folder = try TemporaryFolder()
        let path = try folder.write("tilde.csv", bytes: [0x61, 0x0A, 0x82, 0xA0, 0x81, 0x60, 0x0A])
        let result = try records(of: Array(try Data(contentsOf: URL(fileURLWithPath: path))), in: folder)
        #expect(result[1].fields == ["あ～"])
    }

    @Test func badCP932ByteNamesItsLine() throws {
        let error = wellBeingError {
            let reader = CSVReader(source: try TextSource(path: Paths.fixture("mini-cp932-bad.csv")))
            try reader.forEachRecord { _ in }
        }
        #expect(error?.kind == .badData)
        #expect(error?.problems.first?.location.line == 3)
        #expect(error?.description.contains("0x85") == true || error?.problems.first?.reason.contains("0x85") == true)
    }

    @Test func forcedEncodingOverridesDetection() throws {
        let source = try TextSource(path: Paths.fixture("mini-utf8-bom.csv"), encoding: .utf8)
        #expect(source.encoding == .utf8)
        let forcedWrong = try TextSource(path: Paths.fixture("mini-utf8.csv"), encoding: .cp932)
        #expect(forcedWrong.encoding == .cp932)
    }

    @Test func excelWorkbookIsRefusedWithAdvice() throws {
        let folder = try TemporaryFolder()
        let path = try folder.write("book.xlsx", bytes: [0x50, 0x4B, 0x03, 0x04, 0x14, 0x00, 0x06, 0x00])
        let error = wellBeingError { _ = try TextSource(path: path) }
        #expect(error?.kind == .badData)
        #expect(error?.description.contains("Excel") == true)
    }

    @Test func binaryFileIsRefused() throws {
        let folder = try TemporaryFolder()
        let path = try folder.write("bin.csv", bytes: [0x61, 0x2C, 0x62, 0x0A, 0x00, 0x01, 0x02, 0xFF, 0x00, 0x41, 0x0A, 0x7F])
        let error = wellBeingError { _ = try TextSource(path: path) }
        #expect(error?.kind == .badData)
    }

    @Test func missingFileIsInputMissing() throws {
        let error = wellBeingError { _ = try TextSource(path: "/nonexistent/survey.csv") }
        #expect(error?.kind == .inputMissing)
    }

    @Test func asciiPrefixThenJapaneseLaterIsStillDetected() throws {
        // 300 KB of ASCII before the first Japanese text, in CP932.
        let folder = try TemporaryFolder()
        var bytes = Array("id,name\n".utf8)
        for index in 0..<30_000 { bytes += Array("\(index),abcdef\n".utf8) }
        bytes += [0x39, 0x39, 0x2C, 0x8E, 0x52, 0x0A]  // 99,山
        let path = try folder.write("late.csv", bytes: bytes)
        let source = try TextSource(path: path)
        #expect(source.encoding == .cp932)
    }

    @Test func hashCoversTheRawFile() throws {
        let source = try TextSource(path: Paths.fixture("mini-cp932.csv"))
        try source.hashRemainder()
        // An independent oracle: coreutils' sha256sum.
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/sha256sum")
        process.arguments = [Paths.fixture("mini-cp932.csv")]
        let pipe = Pipe()
        process.standardOutput = pipe
        try process.run()
        let output = String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        let expected = String(output.prefix(64))
        #expect(expected.count == 64)
        #expect(source.sha256Hex == expected)
        #expect(try TextSource.sha256(ofFile: Paths.fixture("mini-cp932.csv")) == expected)
    }

    @Test(arguments: [("sjis", TextEncoding.cp932), ("Shift_JIS", .cp932), ("utf8", .utf8), ("UTF-16", .utf16LE),
                      ("latin1", nil)] as [(String, TextEncoding?)])
    func encodingNamesUsersType(_ text: String, _ expected: TextEncoding?) {
        #expect(TextEncoding(userText: text) == expected)
    }
}

/// Files are closed exactly once, also when reading is refused half-way: no leaked and no doubly closed
/// descriptors (a double close can close another thread's file).
@Suite(.serialized) struct FileDescriptorTests {
    /// How many of this process's open descriptors point into `folder` (other tests run alongside).
    static func openDescriptors(into folder: String) -> Int {
        let entries = (try? FileManager.default.contentsOfDirectory(atPath: "/proc/self/fd")) ?? []
        return entries.filter { entry in
            let target = (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/fd/\(entry)")) ?? ""
            return target.hasPrefix(folder)
        }.count
    }

    @Test func refusedAndAbandonedFilesAreClosedOnce() throws {
        let folder = try TemporaryFolder()
        let workbook = try folder.write("book.csv", bytes: [0x50, 0x4B, 0x03, 0x04] + [UInt8](repeating: 0, count: 64))
        let big = try folder.write("big.csv", String(repeating: "a,b,c\n", count: 600_000))
        for _ in 0..<200 {
            #expect(throws: WellBeingError.self) { _ = try TextSource(path: workbook) }
        }
        for _ in 0..<20 {
            // Abandoned after one chunk while the prefetching thread is still reading ahead.
            let source = try TextSource(path: big)
            var buffer: [UInt8] = []
            _ = try source.read(into: &buffer)
        }
        // Give the abandoned prefetching threads a moment to finish their last read.
        Thread.sleep(forTimeInterval: 0.2)
        #expect(Self.openDescriptors(into: folder.path) == 0)
        // A descriptor opened now must still be usable after all those closes.
        let probe = try folder.write("probe.txt", "still here")
        #expect(try String(contentsOfFile: probe, encoding: .utf8) == "still here")
    }
}
