import Crypto
import Foundation
import WellBeingCore
#if canImport(Glibc)
import Glibc
#endif

/// Streams a text file as UTF-8 bytes, whatever its encoding, and hashes its raw bytes on the way.
///
/// The file is read in chunks, never whole, by a thread of its own a few chunks ahead of the consumer
/// (reading, hashing and decoding overlap with parsing); one consumer calls `read(into:)`. The encoding is
/// detected from the first bytes (see `EncodingDetector`) unless forced; a byte-order mark is skipped. An
/// undecodable byte is reported with the physical line it stands on.
public final class TextSource: @unchecked Sendable {
    private let decoder: FileDecoder
    /// Decoded chunks, each with the raw bytes read up to its end.
    private var prefetcher: BackgroundProducer<Chunk>?
    private var consumedRawBytes = 0
    private let progressLock = NSLock()

    private struct Chunk: Sendable {
        var text: [UInt8]
        var rawEnd: Int
    }

    /// Opens `path` and detects its encoding.
    ///
    /// - Throws: `inputMissing` when the file cannot be opened; `badData` for a binary file or an Excel
    ///   workbook.
    public init(path: String, displayName: String? = nil, encoding forced: TextEncoding? = nil) throws {
        decoder = try FileDecoder(path: path, displayName: displayName, encoding: forced)
    }

    deinit { prefetcher?.cancel() }

    /// The file name used in messages.
    public var displayName: String { decoder.displayName }
    /// The encoding the file is read in.
    public var encoding: TextEncoding { decoder.encoding }
    /// The file's size in bytes, for progress display.
    public var fileSize: Int { decoder.fileSize }
    /// Raw bytes handed to the consumer so far (not those read ahead), for progress display.
    public var rawBytesRead: Int {
        progressLock.lock()
        defer { progressLock.unlock() }
        return consumedRawBytes
    }
    /// The SHA-256 of every raw byte read so far, in lower-case hex; complete once reading reached the end.
    public var sha256Hex: String { decoder.sha256Hex }

    /// Appends the next chunk of UTF-8 text to `buffer`.
    ///
    /// - Returns: `false` once the whole file has been delivered.
    public func read(into buffer: inout [UInt8]) throws -> Bool {
        if prefetcher == nil {
            let decoder = self.decoder
            prefetcher = BackgroundProducer(capacity: 4) { yield in
                while true {
                    var chunk: [UInt8] = []
                    chunk.reserveCapacity(FileDecoder.chunkSize * 3 + 64)
                    guard try decoder.read(into: &chunk) else { return }
                    if !chunk.isEmpty { try yield(Chunk(text: chunk, rawEnd: decoder.rawBytesRead)) }
                }
            }
        }
        guard let chunk = try prefetcher!.next() else { return false }
        buffer.append(contentsOf: chunk.text)
        progressLock.lock()
        consumedRawBytes = chunk.rawEnd
        progressLock.unlock()
        return true
    }

    /// Reads the rest of the file, so that `sha256Hex` covers the whole file.
    public func hashRemainder() throws {
        if let prefetcher {
            while try prefetcher.next() != nil {}
        } else {
            try decoder.hashRemainder()
        }
    }
}

/// Reads, hashes and decodes a file chunk by chunk; used by one thread at a time.
final class FileDecoder: @unchecked Sendable {
    /// The file name used in messages.
    public let displayName: String
    /// The encoding the file is read in.
    public private(set) var encoding: TextEncoding = .utf8
    /// The file's size in bytes, for progress display.
    public let fileSize: Int
    /// Raw bytes consumed so far, for progress display.
    public var rawBytesRead: Int {
        progressLock.lock()
        defer { progressLock.unlock() }
        return bytesRead
    }
    private var bytesRead = 0
    private let progressLock = NSLock()

    private let descriptor: Int32
    private var hasher = SHA256()
    private var pending: [UInt8] = []
    private var scratch = [UInt8](repeating: 0, count: FileDecoder.chunkSize)
    private var converter: IconvConverter?
    private var reachedEnd = false
    private var outputNewlines = 0
    static let chunkSize = 1 << 20

    /// Opens `path` and detects its encoding.
    ///
    /// - Throws: `inputMissing` when the file cannot be opened; `badData` for a binary file or an Excel
    ///   workbook.
    public init(path: String, displayName: String? = nil, encoding forced: TextEncoding? = nil) throws {
        self.displayName = displayName ?? (path as NSString).lastPathComponent
        var status = stat()
        guard stat(path, &status) == 0 else {
            throw WellBeingError(.inputMissing, Message(.fileNotFound, ["path": path]))
        }
        guard (status.st_mode & S_IFMT) == S_IFREG else {
            throw WellBeingError(.inputMissing, Message(.notAFile, ["path": path]))
        }
        fileSize = Int(status.st_size)
        descriptor = open(path, O_RDONLY)
        guard descriptor >= 0 else {
            throw WellBeingError(.inputMissing, Message(.cannotOpen, ["path": path, "reason": String(cString: strerror(errno))]))
        }
        // If detection throws, deinit still runs (the instance is fully initialised) and closes the file once.
        try detectEncoding(forced: forced)
    }

    deinit {
        if descriptor >= 0 { close(descriptor) }
    }

    /// The SHA-256 of every raw byte read so far, in lower-case hex; complete once reading reached the end.
    public var sha256Hex: String {
        hasher.finalize().map { String(format: "%02x", $0) }.joined()
    }

    /// Reads the rest of the file without decoding, so that `sha256Hex` covers the whole file.
    func hashRemainder() throws {
        while !reachedEnd { _ = try readRaw() }
    }

    /// Converts (or copies) raw bytes to UTF-8 at the end of `buffer`.
    private func deliver(_ raw: ArraySlice<UInt8>, into buffer: inout [UInt8]) throws {
        guard let converter else {
            buffer.append(contentsOf: raw)
            return
        }
        let before = buffer.count
        do {
            try converter.convert(Array(raw), appendingTo: &buffer)
        } catch let failure as IconvConverter.Failure {
            throw badByte(failure.bytes, outputSoFar: buffer[before...])
        }
        countNewlines(buffer[before...])
    }

    /// Reads, hashes and decodes the next chunk, appending UTF-8 to `buffer`; `false` at the end.
    func read(into buffer: inout [UInt8]) throws -> Bool {
        if !pending.isEmpty {
            let raw = pending
            pending = []
            try deliver(raw[...], into: &buffer)
            return true
        }
        if reachedEnd {
            if let converter, converter.hasLeftover {
                let leftover = converter.leftoverBytes
                converter.discardLeftover()
                throw badByte(leftover, outputSoFar: [])
            }
            return false
        }
        let count = try readRaw()
        if count > 0 { try deliver(scratch[0..<count], into: &buffer) }
        return true
    }

    private func countNewlines(_ bytes: ArraySlice<UInt8>) {
        for byte in bytes where byte == 0x0A { outputNewlines += 1 }
    }

    private func badByte(_ bytes: [UInt8], outputSoFar: ArraySlice<UInt8>) -> WellBeingError {
        let line = outputNewlines + outputSoFar.reduce(0) { $0 + ($1 == 0x0A ? 1 : 0) } + 1
        let hex = bytes.prefix(4).map { String(format: "0x%02X", $0) }.joined(separator: " ")
        let problem = DataProblem(
            location: SourceLocation(file: displayName, line: line),
            message: Message(.badBytes, ["hex": hex, "encoding": encoding.displayName]))
        return .badData(Message(.cannotReadAs, ["file": displayName, "encoding": encoding.displayName]), problems: [problem])
    }

    /// Reads the next chunk of the file into `scratch` and hashes it; returns how many bytes it read.
    private func readRaw() throws -> Int {
        var filled = 0
        while filled < scratch.count {
            let got = scratch.withUnsafeMutableBytes { raw in
                Glibc.read(descriptor, raw.baseAddress! + filled, raw.count - filled)
            }
            if got < 0 {
                if errno == EINTR { continue }
                throw WellBeingError(.ioFailure, Message(.readFailed, ["file": displayName, "reason": String(cString: strerror(errno))]))
            }
            if got == 0 { reachedEnd = true; break }
            filled += got
        }
        scratch.withUnsafeBytes { hasher.update(bufferPointer: UnsafeRawBufferPointer(rebasing: $0[0..<filled])) }
        progressLock.lock()
        bytesRead += filled
        progressLock.unlock()
        return filled
    }

    private func detectEncoding(forced: TextEncoding?) throws {
        pending = Array(scratch[0..<(try readRaw())])
        if pending.starts(with: [0x50, 0x4B, 0x03, 0x04]) {
            throw WellBeingError.badData(Message(.notCSVFile, ["file": displayName]), problems: [
                DataProblem(location: SourceLocation(file: displayName, line: 1), message: Message(.zipNotCSV))])
        }
        var detection = EncodingDetector.detect(pending, isWholeFile: reachedEnd)
        // A pure-ASCII start says nothing yet: look further, up to 8 MiB, for the first non-ASCII text.
        while detection == nil && !reachedEnd && pending.count < 8 << 20 {
            pending += scratch[0..<(try readRaw())]
            detection = EncodingDetector.detect(pending, isWholeFile: reachedEnd)
        }
        let found = detection ?? EncodingDetector.Detection(encoding: .utf8, byteOrderMarkLength: 0)
        if let forced {
            encoding = forced
            let markLength = found.encoding == forced ? found.byteOrderMarkLength : 0
            pending.removeFirst(markLength)
        } else {
            encoding = found.encoding
            pending.removeFirst(found.byteOrderMarkLength)
        }
        if encoding != .utf8 {
            converter = try IconvConverter(from: encoding.iconvName)
        }
        if encoding != .utf16LE && encoding != .utf16BE, let nul = pending.firstIndex(of: 0) {
            let line = pending[..<nul].reduce(1) { $0 + ($1 == 0x0A ? 1 : 0) }
            let problem = DataProblem(location: SourceLocation(file: displayName, line: line),
                                      message: Message(.binaryFile))
            throw WellBeingError.badData(Message(.cannotReadText, ["file": displayName]), problems: [problem])
        }
    }
}

/// Converts a byte stream from one encoding to UTF-8 with glibc iconv, keeping an incomplete trailing
/// sequence for the next chunk.
final class IconvConverter {
    struct Failure: Error { var bytes: [UInt8] }

    private let handle: iconv_t
    private var leftover: [UInt8] = []

    init(from encodingName: String) throws {
        let opened = iconv_open("UTF-8", encodingName)
        guard let opened, Int(bitPattern: opened) != -1 else {
            throw WellBeingError(.internalFailure, Message(.iconvMissing, ["encoding": encodingName]))
        }
        handle = opened
    }

    deinit { iconv_close(handle) }

    var hasLeftover: Bool { !leftover.isEmpty }
    func discardLeftover() { leftover = [] }
    var leftoverBytes: [UInt8] { leftover }

    /// Converts `input` (after any leftover from the previous call) and appends UTF-8 to `output`.
    func convert(_ input: [UInt8], appendingTo output: inout [UInt8]) throws {
        var source = leftover + input
        leftover = []
        let capacity = source.count * 3 + 16
        var target = [UInt8](repeating: 0, count: capacity)
        var consumed = 0
        var produced = 0
        let result: Int32 = source.withUnsafeMutableBytes { sourceBytes in
            target.withUnsafeMutableBytes { targetBytes in
                var inPointer = sourceBytes.baseAddress?.assumingMemoryBound(to: CChar.self)
                var inLeft = sourceBytes.count
                var outPointer = targetBytes.baseAddress?.assumingMemoryBound(to: CChar.self)
                var outLeft = targetBytes.count
                let status = iconv(handle, &inPointer, &inLeft, &outPointer, &outLeft)
                consumed = sourceBytes.count - inLeft
                produced = targetBytes.count - outLeft
                return status == -1 ? errno : 0
            }
        }
        output.append(contentsOf: target[0..<produced])
        switch result {
        case 0: return
        case EINVAL:
            leftover = Array(source[consumed...])  // an incomplete sequence: wait for more bytes
        default:
            source.removeFirst(consumed)
            let bad = Array(source.prefix(2))
            // Report from the output written so far; the caller adds the line.
            throw Failure(bytes: bad)
        }
    }
}

extension TextSource {
    /// The SHA-256 of a whole file, in lower-case hex.
    public static func sha256(ofFile path: String) throws -> String {
        let source = try TextSource(path: path)
        try source.hashRemainder()
        return source.sha256Hex
    }
}
