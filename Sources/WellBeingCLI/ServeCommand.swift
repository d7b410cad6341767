import ArgumentParser
import Foundation
import WellBeingCore
import WellBeingStore
#if Server
import WellBeingServer
#endif

/// `wellbeing serve`: the survey workspace in a browser (DESIGN §20), over the same Workspace as the commands.
struct Serve: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Serve the survey workspace to a browser: pages and an API over the store.",
        discussion: """
            The first line on standard output is the address to open, with a one-time login token:
              wellbeing serve: http://127.0.0.1:8600/login?token=…
            Without accounts the server listens on this computer only (127.0.0.1); with accounts (wellbeing
            users add) it asks for a name and a password instead, and it may listen on the office network
            when it serves HTTPS itself (--tls-cert, --tls-key) or behind an HTTPS reverse proxy
            (--behind-proxy). The API answers the same bytes as the
            commands: GET /api/v1/indicators?period=2025&by=年代&format=csv is `wellbeing indicators
            --period 2025 --by 年代 --format csv`. Stop it with Ctrl-C.

            Examples:
              wellbeing serve
              wellbeing serve --store survey.sqlite --port 0
              wellbeing serve --host 10.0.0.5 --tls-cert server.crt --tls-key server.key
            """)

    @OptionGroup var storeOptions: StoreOptions

    @Option(help: ArgumentHelp("The address to listen on: this computer only (127.0.0.1, the default), or with accounts and "
                               + "--behind-proxy an address of the office network.", valueName: "address"))
    var host = "127.0.0.1"

    @Option(help: ArgumentHelp("The port; 0 picks a free one (the printed address says which).", valueName: "port"))
    var port = 8600

    @Option(help: ArgumentHelp("The pages' language unless the reader switches: ja or en (default: WELLBEING_LANG, else ja)."))
    var lang: Language?

    @Option(name: .customLong("max-upload"),
            help: ArgumentHelp("The largest upload taken, in bytes or with K, M or G (default 200M).", valueName: "size"))
    var maxUpload = "200M"

    @Option(name: .customLong("allowed-host"),
            help: ArgumentHelp("A further name the browser may use to reach the server (repeatable), such as a reverse proxy's.",
                               valueName: "name"))
    var allowedHosts: [String] = []

    @Flag(name: .customLong("behind-proxy"),
          help: "A reverse proxy in front serves HTTPS (needed with a --host other than this computer unless --tls-cert is given; cookies become Secure).")
    var behindProxy = false

    @Option(name: .customLong("tls-cert"),
            help: ArgumentHelp("The server's certificate (PEM, the chain after it): serve HTTPS; with --tls-key.", valueName: "file"))
    var tlsCertificate: String?

    @Option(name: .customLong("tls-key"),
            help: ArgumentHelp("The certificate's private key (PEM, without a passphrase); with --tls-cert.", valueName: "file"))
    var tlsKey: String?

    /// `200M` → 209715200.
    static func bytes(_ text: String) -> Int? {
        let trimmed = text.trimmingCharacters(in: .whitespaces).uppercased()
        let units: [Character: Int] = ["K": 1 << 10, "M": 1 << 20, "G": 1 << 30]
        if let last = trimmed.last, let unit = units[last] {
            return Int(trimmed.dropLast()).flatMap { $0 > 0 && $0 <= Int.max / unit ? $0 * unit : nil }
        }
        return Int(trimmed).flatMap { $0 > 0 ? $0 : nil }
    }

    func validate() throws {
        guard Self.bytes(maxUpload) != nil else {
            throw ValidationError(Message(.serveBadParameter, ["name": "--max-upload", "value": maxUpload, "expected": "200M, 1G, 5000000"])
                .text(in: Console.language))
        }
        guard (0...65535).contains(port) else {
            throw ValidationError(Message(.serveBadParameter, ["name": "--port", "value": "\(port)", "expected": "0–65535"])
                .text(in: Console.language))
        }
    }

    func run() throws {
        try reportingFailures {
            #if Server
            // With accounts in the store people sign in by name and password; without, the one analyst here
            // gets a one-time address, and the server may not leave this computer.
            guard (tlsCertificate == nil) == (tlsKey == nil) else { throw WellBeingError(.usage, Message(.serveTLSHalf)) }
            let tls = try tlsCertificate.map { try ServerTLS(certificatePath: $0, keyPath: tlsKey ?? "") }
            let accounts = try WorkspaceServer.storeHasAccounts(storeOptions.path)
            if !ServeSettings.isLoopback(host) {
                guard accounts else { throw WellBeingError(.usage, Message(.serveNeedsLoopback, ["host": host])) }
                guard behindProxy || tls != nil else { throw WellBeingError(.usage, Message(.serveNeedsProxy, ["host": host])) }
                if tls == nil { Console.say(Message(.serveProxyPlainHTTP, ["host": host, "port": "\(port)"])) }
            }
            // Pages are Japanese unless --lang or WELLBEING_LANG says otherwise (the staff who use them read Japanese).
            let named = ProcessInfo.processInfo.environment["WELLBEING_LANG"].flatMap { Language(rawValue: $0) }
            var settings = ServeSettings(storePath: storeOptions.path, host: host, port: port, language: lang ?? named ?? .ja,
                                         maxUploadBytes: Self.bytes(maxUpload) ?? 200 << 20, allowedHosts: allowedHosts)
            settings.behindProxy = behindProxy
            settings.tls = tls
            let token = accounts ? nil : Sessions.randomToken()
            let server = WorkspaceServer(settings: settings, loginToken: token)
            let finished = DispatchSemaphore(value: 0)
            let failure = FailureBox()
            Task.detached {
                do {
                    try await server.run { base in
                        Console.output(server.addressLine(base: base, token: token))
                    }
                } catch { failure.error = error }
                finished.signal()
            }
            finished.wait()
            if let error = failure.error { throw error }
            #else
            throw WellBeingError(.usage, Message(.serveNotBuilt))
            #endif
        }
    }
}

/// The server task's failure, handed back to the waiting command.
private final class FailureBox: @unchecked Sendable {
    var error: (any Error)?
}
