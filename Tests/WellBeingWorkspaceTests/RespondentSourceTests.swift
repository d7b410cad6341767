import Foundation
import Testing
import WellBeingTestSupport
@testable import WellBeingCore
@testable import WellBeingIngest
@testable import WellBeingStore
import WellBeingWorkspace

/// The store imports from any opened `RespondentSource`, never from a path: a source made in memory (as a
/// server's upload would be) lands like a file, and a source that fails half-way leaves nothing behind.
@Suite struct RespondentSourceTests {
    /// Respondents made in memory: one block per period, ids `M1`…, every answer 4 and the headline 7.
    final class MemorySource: RespondentSource {
        let blocks: [RespondentBlock]
        let failAfter: Int?
        init(_ blocks: [RespondentBlock], failAfter: Int? = nil) {
            self.blocks = blocks
            self.failAfter = failAfter
        }
        var fileName: String { "upload.csv" }
        var encodingName: String { "UTF-8" }
        var sheet: String? { nil }
        func fileSHA256() throws -> String { String(repeating: "ab", count: 32) }
        func wholeFileSHA256() throws -> String { try fileSHA256() }

        func readBlocks(storedRespondent: (@Sendable (String, String) -> String?)?,
                        accept: (RespondentBlock) throws -> Void) throws -> ResponseParseSummary {
            var summary = ResponseParseSummary()
            for (index, block) in blocks.enumerated() {
                if let failAfter, index == failAfter {
                    throw WellBeingError(.ioFailure, Message(.writingRejectsFailed, ["reason": "test"]))
                }
                try accept(block)
                summary.acceptedRows += block.count
                summary.periods.insert(block.period)
            }
            return summary
        }
    }

    static func block(period: String, count: Int, first: Int, instrument: Instrument) -> RespondentBlock {
        var block = RespondentBlock(period: period)
        block.groupNames = ["北区"]
        block.attributeValues = [["女性"]]
        for number in first..<(first + count) {
            block.respondentKeys.append("M\(number)")
            block.groupCodes.append(0)
            block.attributeCodes.append(0)
            block.designWeights = nil
            block.answers += instrument.items.map { $0.id.rawValue == "ls" ? 8 : 5 }  // answer + 1
        }
        return block
    }

    @Test func aSourceInMemoryLandsLikeAFile() throws {
        let store = try SurveyStore()
        let loaded = try miniInstrument()
        let source = MemorySource([Self.block(period: "2025", count: 3, first: 1, instrument: loaded.instrument),
                                   Self.block(period: "2025", count: 2, first: 4, instrument: loaded.instrument)])
        let outcome = try store.importResponses(ResponseImportRequest(source: source, instrument: loaded, instrumentFileName: "mini.yaml"))
        #expect(outcome.importedRows == 5 && outcome.fileName == "upload.csv" && outcome.periods == [PeriodLabel("2025")])
        let matrix = try store.responses(survey: loaded.instrument.id, period: PeriodLabel("2025"))
        #expect(matrix.respondentCount == 5)
        #expect(try store.batches().map(\.fileName) == ["upload.csv"])
    }

    @Test func aSourceThatFailsHalfWayLeavesNothing() throws {
        let store = try SurveyStore()
        let loaded = try miniInstrument()
        let source = MemorySource([Self.block(period: "2025", count: 3, first: 1, instrument: loaded.instrument),
                                   Self.block(period: "2025", count: 2, first: 4, instrument: loaded.instrument)], failAfter: 1)
        let error = try #require(wellBeingError {
            _ = try store.importResponses(ResponseImportRequest(source: source, instrument: loaded, instrumentFileName: "mini.yaml"))
        })
        #expect(error.kind == .ioFailure)
        #expect(try store.batches().isEmpty)
        #expect(try store.surveys().isEmpty)
    }
}
