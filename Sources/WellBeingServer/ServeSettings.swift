#if Server
import Foundation
import WellBeingCore

/// How `wellbeing serve` runs: where the store is, where it listens, which names it answers to.
public struct ServeSettings: Sendable {
    /// The store every request reads and imports into (a file or a PostgreSQL URL), as `--store` gives it.
    public var storePath: String
    /// The address to listen on; loopback only without accounts.
    public var host: String
    /// The port; 0 picks a free one (the printed address says which).
    public var port: Int
    /// The language of pages and messages unless the reader switches (`?lang=en`).
    public var language: Language
    /// The largest upload taken, in bytes; a larger one is refused (413) and nothing of it is kept.
    public var maxUploadBytes: Int
    /// Further names the `Host` header may carry (`--allowed-host`), beside the bound address and localhost.
    public var allowedHosts: [String]
    /// Where uploads are written while they are checked (a private folder is made inside it per upload).
    public var temporaryFolder: String
    /// Whether a reverse proxy in front serves HTTPS (`--behind-proxy`): cookies are then `Secure`, and the
    /// origin a browser names is `https://`.
    public var behindProxy = false
    /// How long a session lasts without a request, in seconds.
    public var sessionIdleSeconds: TimeInterval = 12 * 3600
    /// How often a signed-in browser's session is checked against the store (an account removed, a new password or
    /// role, a sign-out on another server counts within this time), in seconds.
    public var sessionRecheckSeconds: TimeInterval = 30
    /// The server's certificate and private key (`--tls-cert`, `--tls-key`): it then serves HTTPS itself, and
    /// cookies are `Secure`.
    public var tls: ServerTLS?
    /// The bytes of computed answers kept for readers (`AnswerCache`).
    public var cacheBytes = 64 << 20
    /// How many analyses run at once: each holds a period's answers in memory while it runs.
    public var analysisWidth = max(2, ProcessInfo.processInfo.activeProcessorCount)

    /// Whether browsers reach the server over HTTPS (its own TLS, or a proxy's).
    public var servesHTTPS: Bool { tls != nil || behindProxy }

    public init(storePath: String, host: String = "127.0.0.1", port: Int = 8600, language: Language = .ja,
                maxUploadBytes: Int = 200 * 1024 * 1024, allowedHosts: [String] = [],
                temporaryFolder: String = NSTemporaryDirectory()) {
        self.storePath = storePath
        self.host = host
        self.port = port
        self.language = language
        self.maxUploadBytes = maxUploadBytes
        self.allowedHosts = allowedHosts
        self.temporaryFolder = temporaryFolder
    }

    /// Whether `host` is a loopback address (the only kind served without accounts).
    public static func isLoopback(_ host: String) -> Bool {
        let bare = host.trimmingCharacters(in: CharacterSet(charactersIn: "[]")).lowercased()
        return bare == "localhost" || bare == "::1" || bare.hasPrefix("127.")
    }

    /// The values a `Host` header may take when the server listens on `port`: the bound host, loopback names and
    /// `allowedHosts`, each with the port (and an allowed name also bare, as a reverse proxy may send it).
    func acceptedHostHeaders(port: Int) -> Set<String> {
        var names = Set([host.lowercased()])
        if Self.isLoopback(host) { names.formUnion(["127.0.0.1", "localhost", "[::1]"]) }
        var accepted = Set(names.map { name in
            let shown = name.contains(":") && !name.hasPrefix("[") ? "[\(name)]" : name
            return "\(shown):\(port)"
        })
        for name in allowedHosts.map({ $0.lowercased() }) {
            accepted.insert(name)
            if !name.contains(":") { accepted.insert("\(name):\(port)") }
        }
        return accepted
    }
}
#endif
