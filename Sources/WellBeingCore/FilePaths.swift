import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// A file the tool reads or keeps (a survey file, an instrument, the store and its journal files), which
/// nothing the tool writes may replace.
public struct ProtectedFile: Sendable, Hashable {
    /// The path as the user gave it.
    public var path: String
    /// What the file is, as a message names it: "the survey file", "the store".
    public var role: Message

    public init(path: String, role: Message) {
        self.path = path
        self.role = role
    }

    /// The store file and the files SQLite keeps beside it (`-wal`, `-shm`, `-journal`).
    /// The files SQLite keeps beside a store file, by the suffix of their names.
    public static let storeJournalSuffixes = ["-wal", "-shm", "-journal"]

    public static func store(_ path: String) -> [ProtectedFile] {
        [ProtectedFile(path: path, role: Message(.roleStore))]
            + storeJournalSuffixes.map { ProtectedFile(path: path + $0, role: Message(.roleStoreJournal, ["suffix": String($0.dropFirst())])) }
    }
}

/// What kind of thing a path names, for messages about odd paths.
public enum FileKind: Sendable, Hashable {
    case missing, regularFile, directory, characterDevice, blockDevice, fifo, socket, other

    /// The kind of what `path` names, following symbolic links.
    public static func of(_ path: String) -> FileKind {
        var status = stat()
        guard stat(path, &status) == 0 else { return .missing }
        switch status.st_mode & S_IFMT {
        case S_IFREG: return .regularFile
        case S_IFDIR: return .directory
        case S_IFCHR: return .characterDevice
        case S_IFBLK: return .blockDevice
        case S_IFIFO: return .fifo
        case S_IFSOCK: return .socket
        default: return .other
        }
    }

    /// "a folder", "a character device (such as /dev/null)", … for messages.
    /// The phrase in `language` ("a folder", "フォルダ").
    public func phrase(in language: Language) -> String { Message(phraseKey).text(in: language) }

    public var phraseKey: MessageKey {
        switch self {
        case .missing: return .kindMissing
        case .regularFile: return .kindFile
        case .directory: return .kindFolder
        case .characterDevice: return .kindCharacterDevice
        case .blockDevice: return .kindBlockDevice
        case .fifo: return .kindFifo
        case .socket: return .kindSocket
        case .other: return .kindOther
        }
    }

    public var phrase: String {
        switch self {
        case .missing: return "missing"
        case .regularFile: return "a file"
        case .directory: return "a folder"
        case .characterDevice: return "a character device (such as /dev/null or a terminal)"
        case .blockDevice: return "a block device (a disk)"
        case .fifo: return "a named pipe (FIFO)"
        case .socket: return "a socket"
        case .other: return "not a regular file"
        }
    }
}

/// Checks that an output path does not name a file the tool reads or keeps.
///
/// Two paths name the same file when they resolve to the same device and inode (hard links, symbolic
/// links), or, for a file that does not exist yet (a store's `-wal` before it is opened), when their
/// canonical paths (every symbolic link resolved, a dangling one's target included) are equal.
public enum OutputPaths {
    /// Refuses `output` with a `usage` error (exit 64) when it is the same file as one of `protected`.
    ///
    /// - Parameter option: how the user named the output, such as `--rejects`.
    public static func refuseCollision(output: String, option: String, with protected: [ProtectedFile]) throws {
        for file in protected where sameFile(output, file.path) {
            throw WellBeingError(.usage, Message(.sameFile, ["option": option, "output": output, "path": file.path])
                .localizingArgument("role", file.role))
        }
    }

    /// Whether `first` and `second` name the same file, existing or not.
    public static func sameFile(_ first: String, _ second: String) -> Bool {
        if let a = identity(first), let b = identity(second) { return a == b }
        return canonicalPath(first) == canonicalPath(second)
    }

    /// The device and inode of the file at `path` (symbolic links followed), or nil when there is none.
    static func identity(_ path: String) -> [UInt64]? {
        var status = stat()
        guard stat(path, &status) == 0 else { return nil }
        return [UInt64(status.st_dev), UInt64(status.st_ino)]
    }

    /// The folder part of `path` as written: `a/b` → `a`, `b` → ``, `/b` → `/`. (Foundation's
    /// `deletingLastPathComponent` traps on a one-character name such as `d` in Swift 6.3 on Linux.)
    public static func parentFolder(of path: String) -> String {
        var trimmed = Substring(path)
        while trimmed.count > 1 && trimmed.hasSuffix("/") { trimmed = trimmed.dropLast() }
        guard let slash = trimmed.lastIndex(of: "/") else { return "" }
        if slash == trimmed.startIndex { return "/" }
        var parent = trimmed[..<slash]
        while parent.count > 1 && parent.hasSuffix("/") { parent = parent.dropLast() }
        return String(parent)
    }

    /// The absolute path of `path` with `.`, `..` and every symbolic link resolved; the file need not exist.
    public static func canonicalPath(_ path: String) -> String {
        canonicalPath(path, depth: 0)
    }

    private static func canonicalPath(_ path: String, depth: Int) -> String {
        let absolute = path.hasPrefix("/") ? path
            : (FileManager.default.currentDirectoryPath as NSString).appendingPathComponent(path)
        if let resolved = realpath(absolute, nil) {
            defer { free(resolved) }
            return String(cString: resolved)
        }
        let standardized = (absolute as NSString).standardizingPath
        if depth < 40, let target = try? FileManager.default.destinationOfSymbolicLink(atPath: standardized) {
            // A dangling link: where it would write is its target's place.
            let parent = (standardized as NSString).deletingLastPathComponent
            let next = target.hasPrefix("/") ? target : (parent as NSString).appendingPathComponent(target)
            return canonicalPath(next, depth: depth + 1)
        }
        let parent = (standardized as NSString).deletingLastPathComponent
        let name = (standardized as NSString).lastPathComponent
        if parent == standardized || parent.isEmpty { return standardized }
        return (canonicalPath(parent, depth: depth + 1) as NSString).appendingPathComponent(name)
    }

    /// Writes every byte of `bytes` to `descriptor`, retrying interrupted and partial writes.
    ///
    /// - Returns: 0, or the `errno` of the write that failed (such as `ENOSPC`).
    public static func writeAll<Bytes: ContiguousBytes>(_ bytes: Bytes, to descriptor: Int32) -> Int32 {
        bytes.withUnsafeBytes { raw in
            var offset = 0
            while offset < raw.count {
                let written = write(descriptor, raw.baseAddress! + offset, raw.count - offset)
                if written < 0 {
                    if errno == EINTR { continue }
                    return errno
                }
                offset += written
            }
            return 0
        }
    }

    /// The text of `errno` (such as "No space left on device").
    public static func systemError(_ code: Int32 = errno) -> String {
        String(cString: strerror(code))
    }
}

extension String {
    /// The text with control characters, bidirectional overrides and invisible characters shown as `\u{…}`,
    /// so that a file name cannot move the cursor, clear a terminal or reorder a report line, and a value
    /// with a zero-width space cannot pass for another.
    public var visibleControlCharacters: String {
        guard unicodeScalars.contains(where: Self.isHidden) else { return self }
        var result = ""
        for scalar in unicodeScalars {
            if Self.isHidden(scalar) {
                result += "\\u{" + String(scalar.value, radix: 16, uppercase: true) + "}"
            } else {
                result.unicodeScalars.append(scalar)
            }
        }
        return result
    }

    /// The text on one line (line breaks as spaces), other control characters shown as `\u{…}`.
    public var singleLineVisible: String {
        replacingOccurrences(of: "\r\n", with: " ").replacingOccurrences(of: "\n", with: " ")
            .replacingOccurrences(of: "\r", with: " ").visibleControlCharacters
    }

    private static func isHidden(_ scalar: Unicode.Scalar) -> Bool {
        switch scalar.value {
        case 0x00...0x1F, 0x7F...0x9F, 0x202A...0x202E, 0x2066...0x2069, 0x200E, 0x200F, 0x061C: return true
        // Invisible but not harmless: zero-width space, non-joiner and joiner, word joiner, zero-width no-break
        // space (BOM), line and paragraph separators — '北区\u{200B}' must not look like '北区'.
        case 0x200B...0x200D, 0x2060, 0xFEFF, 0x2028, 0x2029: return true
        default: return false
        }
    }
}
