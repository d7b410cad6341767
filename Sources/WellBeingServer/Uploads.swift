#if Server
import Foundation
import Hummingbird
import HTTPTypes
import NIOCore
import WellBeingCore
#if canImport(Glibc)
import Glibc
#endif

/// An upload received to a private folder (mode 0700, made per upload, removed with everything in it by
/// `discard()`): the form's small fields and the file, under its own name so that problems name it as the
/// clerk knows it.
final class Upload: @unchecked Sendable {
    let folder: String
    /// The form's fields other than the file (`instrument`, `period`, `csrf`, …).
    private(set) var fields: [String: String] = [:]
    /// The uploaded file's path inside `folder`, and its name as the browser gave it.
    private(set) var filePath: String?
    private(set) var fileName: String?

    /// Streams the body of `request` to a private file, refusing (413) past `limit` bytes — at once when the
    /// declared length says so, else as soon as the stream passes it — then takes the multipart form apart.
    static func receive(_ request: Request, limit: Int, temporaryFolder: String) async throws -> Upload {
        if let declared = request.headers[.contentLength].flatMap({ Int($0) }), declared > limit {
            throw tooLarge(limit)
        }
        guard let type = request.headers[.contentType], type.lowercased().hasPrefix("multipart/form-data"),
              let boundary = boundary(of: type) else {
            throw WellBeingError(.usage, Message(.serveUploadNotForm))
        }
        let upload = try Upload(temporaryFolder: temporaryFolder)
        do {
            let bodyPath = (upload.folder as NSString).appendingPathComponent(".body")
            let descriptor = open(bodyPath, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o600)
            guard descriptor >= 0 else { throw WellBeingError(.ioFailure, Message(.serveUploadFailed)) }
            let handle = FileHandle(fileDescriptor: descriptor, closeOnDealloc: true)
            var received = 0
            var body = request.body.makeAsyncIterator()
            while true {
                let next: ByteBuffer?
                do {
                    next = try await body.next()
                } catch {
                    // The client went away (closed, reset) or sent a broken body: nothing of it is kept.
                    throw WellBeingError(.usage, Message(.serveUploadInterrupted), cause: error)
                }
                guard let buffer = next else { break }
                received += buffer.readableBytes
                if received > limit { throw tooLarge(limit) }
                try handle.write(contentsOf: Data(buffer: buffer))
            }
            try handle.close()
            try upload.split(bodyPath: bodyPath, boundary: boundary)
            try? FileManager.default.removeItem(atPath: bodyPath)
            return upload
        } catch {
            upload.discard()
            throw error
        }
    }

    static func tooLarge(_ limit: Int) -> WellBeingError {
        WellBeingError(.tooLarge, Message(.serveUploadTooLarge, ["limit": ByteCountFormatter.string(fromByteCount: Int64(limit), countStyle: .file)]))
    }

    private init(temporaryFolder: String) throws {
        var template = Array((temporaryFolder as NSString).appendingPathComponent(Self.prefix + "XXXXXX").utf8CString)
        guard let made = template.withUnsafeMutableBufferPointer({ mkdtemp($0.baseAddress!) }) else {
            throw WellBeingError(.ioFailure, Message(.serveUploadFailed))
        }
        folder = String(cString: made)
        // Who receives it: a server killed mid-upload cannot remove its folder; the next one does (`removeAbandoned`).
        let owner = (folder as NSString).appendingPathComponent(Self.ownerFile)
        guard FileManager.default.createFile(atPath: owner, contents: Data("\(getpid())\n".utf8), attributes: [.posixPermissions: 0o600]) else {
            discard()
            throw WellBeingError(.ioFailure, Message(.serveUploadFailed))
        }
    }

    static let prefix = "wellbeing-upload-"
    static let ownerFile = ".owner"

    /// Removes the upload folders in `temporaryFolder` whose server is gone (killed mid-upload or mid-import):
    /// those whose owner process no longer runs. Returns how many were removed.
    @discardableResult
    static func removeAbandoned(in temporaryFolder: String) -> Int {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: temporaryFolder)) ?? []
        var removed = 0
        for name in names where name.hasPrefix(prefix) {
            let folder = (temporaryFolder as NSString).appendingPathComponent(name)
            let owner = (folder as NSString).appendingPathComponent(ownerFile)
            guard let text = try? String(contentsOfFile: owner, encoding: .utf8),
                  let pid = pid_t(text.trimmingCharacters(in: .whitespacesAndNewlines)), pid > 0 else { continue }
            guard kill(pid, 0) != 0, errno == ESRCH else { continue }  // its server still runs (or is another user's)
            if (try? FileManager.default.removeItem(atPath: folder)) != nil { removed += 1 }
        }
        return removed
    }

    /// Removes the folder and everything in it.
    func discard() {
        try? FileManager.default.removeItem(atPath: folder)
    }

    /// The `boundary` parameter of a multipart content type.
    static func boundary(of type: String) -> String? {
        for parameter in type.split(separator: ";").dropFirst() {
            let parts = parameter.split(separator: "=", maxSplits: 1)
            guard parts.count == 2, parts[0].trimmingCharacters(in: .whitespaces).lowercased() == "boundary" else { continue }
            let value = parts[1].trimmingCharacters(in: .whitespaces).trimmingCharacters(in: CharacterSet(charactersIn: "\""))
            return value.isEmpty || value.count > 200 ? nil : value
        }
        return nil
    }

    /// Takes the received body apart: small fields into `fields`, the one file part into its own file.
    private func split(bodyPath: String, boundary: String) throws {
        let body = try Data(contentsOf: URL(fileURLWithPath: bodyPath), options: .alwaysMapped)
        let delimiter = Data("--\(boundary)".utf8)
        let nextDelimiter = Data("\r\n--\(boundary)".utf8)
        let headerEnd = Data("\r\n\r\n".utf8)
        guard var cursor = body.range(of: delimiter)?.upperBound else { throw WellBeingError(.usage, Message(.serveUploadNotForm)) }
        while true {
            // After a delimiter: "--" ends the form, else CRLF and a part.
            if body[cursor...].starts(with: Data("--".utf8)) { break }
            guard body[cursor...].starts(with: Data("\r\n".utf8)),
                  let headersEnd = body.range(of: headerEnd, in: cursor..<body.endIndex),
                  let partEnd = body.range(of: nextDelimiter, in: headersEnd.upperBound..<body.endIndex) else {
                throw WellBeingError(.usage, Message(.serveUploadNotForm))
            }
            let headers = String(decoding: body[(cursor + 2)..<headersEnd.lowerBound], as: UTF8.self)
            let content = body[headersEnd.upperBound..<partEnd.lowerBound]
            let disposition = Self.disposition(headers)
            if let name = disposition.name {
                if let fileName = disposition.fileName {
                    guard filePath == nil else { throw WellBeingError(.usage, Message(.serveUploadOneFile)) }
                    let shown = Self.safeFileName(fileName)
                    let path = (folder as NSString).appendingPathComponent(shown)
                    guard FileManager.default.createFile(atPath: path, contents: content, attributes: [.posixPermissions: 0o600]) else {
                        throw WellBeingError(.ioFailure, Message(.serveUploadFailed))
                    }
                    filePath = path
                    self.fileName = shown
                } else {
                    guard content.count <= 64 * 1024 else { throw WellBeingError(.tooLarge, Message(.serveFormTooLarge)) }
                    if fields[name] == nil { fields[name] = String(decoding: content, as: UTF8.self) }
                }
            }
            cursor = partEnd.upperBound
        }
    }

    /// The `name` and `filename` of a part's Content-Disposition.
    static func disposition(_ headers: String) -> (name: String?, fileName: String?) {
        var name: String?, fileName: String?
        for line in headers.components(separatedBy: "\r\n") where line.lowercased().hasPrefix("content-disposition:") {
            for parameter in line.split(separator: ";").dropFirst() {
                let parts = parameter.split(separator: "=", maxSplits: 1)
                guard parts.count == 2 else { continue }
                let key = parts[0].trimmingCharacters(in: .whitespaces).lowercased()
                var value = parts[1].trimmingCharacters(in: .whitespaces)
                if value.hasPrefix("\""), value.hasSuffix("\""), value.count >= 2 { value = String(value.dropFirst().dropLast()) }
                if key == "name" { name = value } else if key == "filename" { fileName = value }
            }
        }
        return (name, fileName)
    }

    /// The file name as the browser gave it, without any folder, control characters or a leading dot, cut to
    /// a length every file system takes; `upload` when nothing is left.
    static func safeFileName(_ given: String) -> String {
        let last = given.split(whereSeparator: { $0 == "/" || $0 == "\\" }).last.map(String.init) ?? ""
        var cleaned = String(last.unicodeScalars.filter { !CharacterSet.controlCharacters.contains($0) }.map(Character.init))
        while cleaned.hasPrefix(".") { cleaned.removeFirst() }
        while cleaned.utf8.count > 200 { cleaned.removeFirst() }
        return cleaned.isEmpty ? "upload" : cleaned
    }
}

/// The surveys being imported now: a second import of one gets 409 at once instead of waiting on the store. Imports
/// of other surveys (and undos) wait their turn in `lane`: one write at a time per server.
actor ImportLocks {
    private var running: Set<String> = []
    nonisolated let lane = Lane(width: 1)

    func take(_ survey: String) -> Bool {
        running.insert(survey).inserted
    }

    func release(_ survey: String) {
        running.remove(survey)
    }
}
#endif
