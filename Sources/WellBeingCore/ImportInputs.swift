import Foundation

// What an import hands the store: values read and checked elsewhere (WellBeingIngest), so that the store
// never opens a file itself and a server can hand it an upload in the same way as the command line a path.

/// An instrument together with the exact text it was loaded from and that text's SHA-256.
public struct LoadedInstrument: Sendable {
    public var instrument: Instrument
    /// The YAML text, kept in the store so that old batches can always be decoded.
    public var yaml: String
    public var sha256: String
    /// The files read, the named one first and then each one it extends (empty when parsed from text): every
    /// one of them is an input no output may replace.
    public var files: [String]

    public init(instrument: Instrument, yaml: String, sha256: String, files: [String] = []) {
        self.instrument = instrument
        self.yaml = yaml
        self.sha256 = sha256
        self.files = files
    }
}

/// Turns an instrument's stored text back into the instrument. The store keeps instruments as the YAML they
/// were imported from; the reader of YAML lives in WellBeingIngest, so whoever opens a store hands it one.
public struct InstrumentDecoder: Sendable {
    private let body: @Sendable (_ text: String, _ fileName: String) throws -> LoadedInstrument

    public init(_ body: @escaping @Sendable (_ text: String, _ fileName: String) throws -> LoadedInstrument) {
        self.body = body
    }

    /// The instrument stored as `text`, which was imported from a file named `fileName`.
    public func decode(_ text: String, fileName: String) throws -> LoadedInstrument { try body(text, fileName) }
}

/// Up to `capacity` validated respondents of one period, held column-wise as the store keeps them.
public struct RespondentBlock: Sendable {
    /// How many respondents a block holds at most.
    public static let capacity = 4096

    public var period: String
    public var respondentKeys: [String] = []
    /// The group names the codes refer to.
    public var groupNames: [String] = []
    public var groupCodes: [UInt16] = []
    /// For each attribute, the values the codes refer to.
    public var attributeValues: [[String]] = []
    /// Row-major: `attributeCount` codes per respondent.
    public var attributeCodes: [UInt16] = []
    /// One weight per respondent, or nil when any respondent has none.
    public var designWeights: [Double]? = []
    /// `itemCount` bytes per respondent: 0 = missing, otherwise answer + 1.
    public var answers: [UInt8] = []
    /// Non-empty free-text answers: group, field name, text.
    public var freeText: [(group: String, field: String, text: String)] = []

    public var count: Int { respondentKeys.count }

    public init(period: String) { self.period = period }
}

/// What reading a survey file found: counts, the periods seen, and the problems (all of them counted, the
/// first `ResponseParser.problemLimit` kept).
public struct ResponseParseSummary: Sendable {
    public init() {}

    public var acceptedRows = 0
    public var rejectedRows = 0
    public var blankRows = 0
    public var periods: Set<String> = []
    public var problems: [DataProblem] = []
    public var problemCount = 0
    /// Header cells that no instrument field claimed (timestamps, e-mail addresses, …).
    public var ignoredColumns: [String] = []
    /// Per period, the first and last day answered (`yyyymmdd`), when the period is the year of a date column.
    public var answeredDays: [String: ClosedRange<Int>] = [:]
    public var header: [String] = []
    /// The physical line the header stands on.
    public var headerLine = 1
}

/// The respondents of one survey file, opened and ready to read (a CSV file or a workbook's sheet, read by
/// WellBeingIngest). The store reads it inside its write transaction and writes each block as it comes.
public protocol RespondentSource: AnyObject {
    /// The file name used in messages and in the batch list.
    var fileName: String { get }
    /// What the text was read as, for messages: "UTF-8", "Shift_JIS (CP932)", "Excel .xlsx".
    var encodingName: String { get }
    /// The sheet the rows come from; nil for CSV.
    var sheet: String? { get }
    /// Reads and checks every row, handing each block of accepted respondents to `accept` in order, on the
    /// calling thread; rejected rows go wherever the source was told to send them.
    ///
    /// - Parameter storedRespondent: where a respondent id of a period already stands in the store
    ///   (`in batch 3 ('a.csv')`), or nil; such a row is refused. Called on any thread.
    /// - Returns: what the reading found; with problems, the caller decides whether anything is kept.
    func readBlocks(storedRespondent: (@Sendable (_ period: String, _ id: String) -> String?)?,
                    accept: (RespondentBlock) throws -> Void) throws -> ResponseParseSummary
    /// The SHA-256 of the file's bytes, in lower-case hex, once `readBlocks` has read them.
    func fileSHA256() throws -> String
    /// The SHA-256 of the file's bytes, read on their own (before the rows, for `--replace`).
    func wholeFileSHA256() throws -> String
}

/// Where a small table (KPI values, population, sample sizes, reference figures) came from, as the batch list
/// shows it.
public struct ImportedFile: Sendable, Hashable {
    public var fileName: String
    /// The SHA-256 of the file's bytes, in lower-case hex: the same file is not imported twice.
    public var sha256: String
    public var encodingName: String

    public init(fileName: String, sha256: String, encodingName: String) {
        self.fileName = fileName
        self.sha256 = sha256
        self.encodingName = encodingName
    }
}
