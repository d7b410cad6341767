import Foundation
import Testing
import WellBeingCore
import WellBeingIngest
import WellBeingStore
import WellBeingWorkspace

/// Paths of the repository, its fixtures and the shared data beside it.
public enum Paths {
    public static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().path
    public static let fixtures = (root as NSString).appendingPathComponent("Tests/WellBeingTests/Fixtures")
    public static let surveys = (root as NSString).appendingPathComponent("Surveys")
    public static let shared = ((root as NSString).appendingPathComponent("../shared") as NSString).standardizingPath
    public static let lwc3000 = (shared as NSString).appendingPathComponent("fixtures/lwc-3000")

    public static func fixture(_ name: String) -> String { (fixtures as NSString).appendingPathComponent(name) }
    public static func survey(_ name: String) -> String { (surveys as NSString).appendingPathComponent(name) }
    public static func lwc(_ name: String) -> String { (lwc3000 as NSString).appendingPathComponent(name) }
    public static func sharedData(_ name: String) -> String { (shared as NSString).appendingPathComponent("data/\(name)") }
}

/// A fresh folder per test, removed afterwards.
public final class TemporaryFolder: @unchecked Sendable {
    public let path: String

    public init() throws {
        path = (NSTemporaryDirectory() as NSString).appendingPathComponent("wellbeing-test-\(UUID().uuidString)")
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    }

    deinit { try? FileManager.default.removeItem(atPath: path) }

    public func file(_ name: String) -> String { (path as NSString).appendingPathComponent(name) }

    @discardableResult
    public func write(_ name: String, _ text: String) throws -> String {
        try write(name, bytes: Array(text.utf8))
    }

    @discardableResult
    public func write(_ name: String, bytes: [UInt8]) throws -> String {
        let target = file(name)
        try Data(bytes).write(to: URL(fileURLWithPath: target))
        return target
    }
}

/// Reads every record of `text` (or bytes) as arrays of strings.
public func records(of bytes: [UInt8], delimiter: UInt8? = nil, in folder: TemporaryFolder) throws -> [(line: Int, fields: [String])] {
    let path = try folder.write("input-\(UUID().uuidString).csv", bytes: bytes)
    let reader = CSVReader(source: try TextSource(path: path), delimiter: delimiter)
    var result: [(Int, [String])] = []
    try reader.forEachRecord { record in
        result.append((record.line, (0..<record.fieldCount).map { record.string($0) ?? "<invalid>" }))
    }
    return result
}

/// The mini test instrument.
public func miniInstrument() throws -> LoadedInstrument {
    try InstrumentLoader.load(path: Paths.fixture("mini.yaml"))
}

/// Imports `path` into `store` with the mini instrument (or another).
@discardableResult
public func importResponses(_ store: SurveyStore, _ path: String, instrument: LoadedInstrument? = nil, period: String? = "2025",
                     policy: ErrorPolicy = .abort, dryRun: Bool = false, replace: Bool = false,
                     encoding: TextEncoding? = nil, importedBy: String? = nil,
                     onReject: ((RejectedRow) throws -> Void)? = nil) throws -> ImportOutcome {
    let loaded = try instrument ?? miniInstrument()
    let source = try ResponseFile(path: path, instrument: loaded.instrument, period: period.map { PeriodLabel($0) },
                                  encoding: encoding, onReject: policy == .skip ? onReject : nil)
    return try store.importResponses(ResponseImportRequest(
        source: source, instrument: loaded, instrumentFileName: "test.yaml", errorPolicy: policy, dryRun: dryRun, replace: replace,
        importedBy: importedBy))
}

/// A failure of the tests' own machinery (a helper process, a fixture), with what it said.
public struct TestFailure: Error, CustomStringConvertible {
    public var description: String

    public init(description: String) { self.description = description }
}

/// The error a throwing call raised, as a `WellBeingError`.
public func wellBeingError(_ body: () throws -> Void) -> WellBeingError? {
    do {
        try body()
        return nil
    } catch let error as WellBeingError {
        return error
    } catch {
        Issue.record("unexpected error type: \(error)")
        return nil
    }
}

/// How many respondents the store holds for a survey and period.
public func respondentCount(_ store: SurveyStore, survey: String = "mini", period: String = "2025") throws -> Int {
    try store.surveys().first { $0.id.rawValue == survey }?.periods[PeriodLabel(period)] ?? 0
}

/// Runs `python3` with `arguments` (a script of Tests/ and its arguments, or `-c CODE`) and returns its exit status
/// and what it printed on standard output and error together: the browser checks (Playwright) run this way.
public func runPython(_ arguments: [String]) throws -> (status: Int32, output: String) {
    let process = Process()
    let output = Pipe()
    process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
    process.arguments = ["python3"] + arguments
    process.standardOutput = output
    process.standardError = output
    try process.run()
    let text = String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
    process.waitUntilExit()
    return (process.terminationStatus, text)
}
