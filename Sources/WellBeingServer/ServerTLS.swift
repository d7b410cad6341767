#if Server
import Foundation
import NIOSSL
import WellBeingCore
#if canImport(Glibc)
import Glibc
#endif

/// The server's own HTTPS: its certificate chain and private key, read from PEM files (`--tls-cert`, `--tls-key`)
/// and checked to belong together before the server starts, so that a wrong file is said at once and by name.
public struct ServerTLS: Sendable {
    public let certificatePath: String
    public let keyPath: String
    /// TLS 1.2 or later, with the chain and the key.
    let configuration: TLSConfiguration

    /// Reads and checks the two files.
    ///
    /// - Throws: `inputMissing` (exit 66) for a file that is not there or cannot be read; `badData` (exit 65) for
    ///   a file that holds no PEM certificate or key (or a key locked with a passphrase), or a key that does not
    ///   belong to the certificate. Every message names the file.
    public init(certificatePath: String, keyPath: String) throws {
        self.certificatePath = certificatePath
        self.keyPath = keyPath
        let certificateBytes = try Self.contents(of: certificatePath, option: "--tls-cert")
        let keyBytes = try Self.contents(of: keyPath, option: "--tls-key")
        let chain = (try? NIOSSLCertificate.fromPEMBytes(certificateBytes)) ?? []
        guard !chain.isEmpty else { throw WellBeingError(.badData, Message(.serveTLSNoCertificate, ["path": certificatePath])) }
        guard let key = try? NIOSSLPrivateKey(bytes: keyBytes, format: .pem) else {
            throw WellBeingError(.badData, Message(.serveTLSNoKey, ["path": keyPath]))
        }
        var configuration = TLSConfiguration.makeServerConfiguration(certificateChain: chain.map { .certificate($0) },
                                                                     privateKey: .privateKey(key))
        configuration.minimumTLSVersion = .tlsv12
        do {
            _ = try NIOSSLContext(configuration: configuration)  // refuses a key that does not match the certificate
        } catch {
            throw WellBeingError(.badData, Message(.serveTLSKeyMismatch, ["key": keyPath, "certificate": certificatePath]), cause: error)
        }
        self.configuration = configuration
    }

    /// The bytes of `path`, or `inputMissing` naming it and its option.
    static func contents(of path: String, option: String) throws -> [UInt8] {
        switch FileKind.of(path) {
        case .missing:
            throw WellBeingError(.inputMissing, Message(.serveTLSFileMissing, ["path": path, "option": option]))
        case .regularFile:
            break
        case let kind:
            throw WellBeingError(.inputMissing, Message(.serveTLSFileUnreadable, ["path": path, "option": option])
                .localizingArgument("detail", Message(kind.phraseKey)))
        }
        guard let handle = FileHandle(forReadingAtPath: path) else {
            throw WellBeingError(.inputMissing, Message(.serveTLSFileUnreadable, ["path": path, "option": option,
                                                                                  "detail": String(cString: strerror(errno))]))
        }
        defer { try? handle.close() }
        // A certificate or a key is a few kilobytes; a large file is neither.
        let data = (try? handle.read(upToCount: 1 << 20)) ?? nil
        return [UInt8](data ?? Data())
    }
}
#endif
