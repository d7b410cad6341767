import Foundation
import Testing
import WellBeingTestSupport
@testable import WellBeingCLI
@testable import WellBeingCore
@testable import WellBeingStore
import WellBeingWorkspace

/// One table maps each kind of error to the exit code and to the HTTP status, and the failure underneath an
/// error is kept as its `cause`, never shown raw.
@Suite struct ErrorOutcomeTests {
    static let table: [(WellBeingError.Kind, Int32, Int)] = [
        (.usage, 64, 400), (.badData, 65, 422), (.inputMissing, 66, 404), (.notFound, 66, 404),
        (.unauthenticated, 77, 401), (.forbidden, 77, 403), (.tooLarge, 65, 413), (.cannotCreateOutput, 73, 500),
        (.ioFailure, 74, 500), (.storeBusy, 75, 409), (.storeUnreachable, 75, 503), (.internalFailure, 1, 500),
    ]

    @Test(arguments: table)
    func eachKindHasOneExitCodeAndOneStatus(_ kind: WellBeingError.Kind, _ exitCode: Int32, _ status: Int) {
        #expect(kind.exitCode == exitCode)
        #expect(kind.httpStatus == status)
    }

    @Test func everyKindIsInTheTable() {
        #expect(Set(Self.table.map(\.0)) == Set(WellBeingError.Kind.allCases))
    }

    @Test func theTextIsTheCatalogueMessageInEitherLanguage() {
        let error = WellBeingError(.storeBusy, Message(.storeBusy, ["path": "s.sqlite"]), cause: CocoaError(.fileLocking))
        #expect(error.text(in: .en) == Message(.storeBusy, ["path": "s.sqlite"]).text(in: .en))
        #expect(error.text(in: .ja) == Message(.storeBusy, ["path": "s.sqlite"]).text(in: .ja))
        #expect(error.description == error.text(in: .en))
        #expect(error.cause is CocoaError)
    }

    /// A failure of no known kind names its type only: its own text may carry data or internals.
    struct Leaky: Error, CustomStringConvertible {
        var description: String { "row 17: 山田太郎 090-1234-5678" }
    }

    @Test func anUnknownStoreFailureKeepsItsCauseAndShowsOnlyItsType() {
        let error = SQLiteBackend.translate(Leaky(), path: "s.sqlite")
        #expect(error.kind == .internalFailure)
        #expect(error.cause is Leaky)
        for language in Language.allCases {
            let text = error.text(in: language)
            #expect(!text.contains("山田") && !text.contains("090"), "\(text)")
            #expect(text.contains("Leaky") && text.contains("s.sqlite"), "\(text)")
        }
    }

    @Test func aStoreFailureKeepsSQLitesErrorAsItsCause() throws {
        let folder = try TemporaryFolder()
        let path = try folder.write("s.sqlite", "not a database, but long enough to be taken for one by SQLite\n")
        let error = try #require(wellBeingError { _ = try SurveyStore(path: path, access: .read) })
        #expect(error.kind == .badData)
        #expect(error.cause != nil, "\(error)")
    }

    @Test func theCommandLineSaysAnUnknownFailureWithoutItsText() {
        let failure = WellBeingError.said(Leaky())
        #expect(failure.kind == .internalFailure && failure.cause is Leaky)
        for language in Language.allCases {
            let text = failure.text(in: language)
            #expect(!text.contains("山田") && text.contains("Leaky"), "\(text)")
        }
        let known = WellBeingError(.usage, Message(.noSurveyYet))
        #expect(WellBeingError.said(known).message == known.message)
    }

    @Test(arguments: [
        (["indicators", "--period", "1", "--lang", "ja"], Language.ja),
        (["indicators", "--lang=en", "--period", "1"], .en),
        (["report", "--period", "1", "--", "--lang", "ja"], nil),
        (["batches", "--lang", "xx"], nil),
        (["batches"], nil),
    ] as [([String], Language?)])
    func theLanguageIsReadOnceFromTheArguments(_ arguments: [String], _ expected: Language?) {
        #expect(Console.requestedLanguage(arguments) == expected)
    }
}
