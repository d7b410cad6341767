import Foundation
import WellBeingCore
import WellBeingIngest
import WellBeingStore

/// Importing a survey file of responses, for every front end: the command line and the server.
public enum ResponseImport {
    /// What to import and how.
    public struct Request: Sendable {
        /// The survey file (CSV or .xlsx); problems name it by its last path component.
        public var path: String
        public var instrument: LoadedInstrument
        /// The instrument's file name as recorded with the batch.
        public var instrumentFileName: String
        public var period: PeriodLabel?
        public var encoding: TextEncoding?
        public var sheet: String?
        public var errorPolicy: ErrorPolicy
        public var dryRun: Bool
        public var replace: Bool
        /// The signed-in account importing through the server, stored with the batch in its transaction.
        public var importedBy: String?

        public init(path: String, instrument: LoadedInstrument, instrumentFileName: String, period: PeriodLabel? = nil,
                    encoding: TextEncoding? = nil, sheet: String? = nil, errorPolicy: ErrorPolicy = .abort,
                    dryRun: Bool = false, replace: Bool = false, importedBy: String? = nil) {
            self.path = path
            self.instrument = instrument
            self.instrumentFileName = instrumentFileName
            self.period = period
            self.encoding = encoding
            self.sheet = sheet
            self.errorPolicy = errorPolicy
            self.dryRun = dryRun
            self.replace = replace
            self.importedBy = importedBy
        }
    }

    /// Imports `request.path` into the store at `location`, which is created only when the import succeeds (and
    /// the import runs again on a store another process created meanwhile); a dry run checks against the
    /// existing store read-only, or an empty one in memory, and writes nothing.
    ///
    /// - Parameters:
    ///   - rejects: called before each attempt; gives where the rejected rows of that attempt go, if anywhere.
    ///   - onProgress: rows read and bytes of the file behind them, called on the import's reading thread every few
    ///     thousand rows and once when the last is read (see `ReadingProgress`).
    /// - Returns: the outcome, and the store's path as the store names itself.
    public static func run(_ request: Request, store location: String,
                           rejects: @escaping () throws -> ((RejectedRow) throws -> Void)? = { nil },
                           onProgress: ((ReadingProgress) -> Void)? = nil) throws -> (outcome: ImportOutcome, store: String) {
        let importing = { (store: SurveyStore) throws -> (ImportOutcome, String) in
            let onReject = try rejects()
            let source = try ResponseFile(path: request.path, instrument: request.instrument.instrument, period: request.period,
                                          encoding: request.encoding, sheet: request.sheet,
                                          onReject: request.errorPolicy == .skip ? onReject : nil, onProgress: onProgress)
            let outcome = try store.importResponses(ResponseImportRequest(
                source: source, instrument: request.instrument, instrumentFileName: request.instrumentFileName,
                errorPolicy: request.errorPolicy, dryRun: request.dryRun, replace: request.replace,
                importedBy: request.importedBy))
            return (outcome, store.path)
        }
        let (outcome, path) = request.dryRun
            ? try importing(try SurveyStore.openForDryRun(location))
            : try SurveyStore.creatingOnSuccess(location, importing)
        return (outcome, path)
    }
}

extension SurveyStore {
    /// The store a dry run reads: the existing one read-only, or an empty one in memory (no file is created).
    public static func openForDryRun(_ location: String) throws -> SurveyStore {
        if isServerLocation(location) {
            do {
                return try SurveyStore(path: location, access: .read)
            } catch let error as WellBeingError where error.kind == .inputMissing {
                return try SurveyStore(inMemory: ())  // a database without a store yet: nothing to compare with
            }
        }
        return FileKind.of(location) == .missing ? try SurveyStore(inMemory: ()) : try SurveyStore(path: location, access: .read)
    }
}

/// Describes an import in words (the terminal's lines, the page's summary).
public enum ImportSummary {
    /// The summary lines of an import.
    ///
    /// - Parameter store: where the batch went, as the command line names it; nil on the server, which never shows
    ///   where its store is and says its messages in the web's wording (`Message.onTheWeb`).
    public static func describe(_ outcome: ImportOutcome, store: String?, language: Language) -> String {
        let web = store == nil
        func say(_ key: MessageKey, _ arguments: [String: String] = [:]) -> String {
            let message = Message(key, arguments)
            return (web ? message.onTheWeb : message).text(in: language)
        }
        var lines: [String] = []
        let periods = outcome.periods.map(\.rawValue).joined(separator: ", ")
        if outcome.dryRun {
            lines.append(say(.dryRunResponses, ["count": "\(outcome.importedRows)", "file": outcome.fileName,
                                                "encoding": outcome.encoding, "periods": periods]))
        } else {
            lines.append(say(.importedResponses, ["count": "\(outcome.importedRows)", "file": outcome.fileName,
                                                  "encoding": outcome.encoding, "batch": "\(outcome.batchID ?? 0)",
                                                  "periods": periods, "store": store ?? ""]))
        }
        if outcome.rejectedRows > 0 {
            lines.append(say(.skippedRows, ["count": "\(outcome.rejectedRows)"]))
            for problem in outcome.problems.prefix(20) { lines.append("  " + (web ? problem.onTheWeb : problem).text(in: language)) }
            if outcome.problems.count > 20 { lines.append("  " + say(.andMore, ["count": "\(outcome.problems.count - 20)"])) }
        }
        if outcome.blankRows > 0 { lines.append(say(.blankLines, ["count": "\(outcome.blankRows)"])) }
        if !outcome.ignoredColumns.isEmpty {
            let shown = outcome.ignoredColumns.prefix(8).map { "'\($0)'" }.joined(separator: ", ")
            lines.append(say(.ignoredColumns, ["columns": shown + (outcome.ignoredColumns.count > 8 ? ", …" : "")]))
        }
        return lines.joined(separator: "\n")
    }
}
