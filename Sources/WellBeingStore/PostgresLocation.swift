import Foundation
import WellBeingCore
#if canImport(Glibc)
import Glibc
#endif

/// A `postgresql://` store URL taken apart, with the password found the way libpq finds it.
///
/// `postgresql://[user[:password]@][host][:port][/database][?sslmode=…&application_name=…&host=/socket/folder]`.
/// Missing parts come from `PGUSER`, `PGHOST`, `PGPORT`, `PGDATABASE`, `PGSSLMODE`, then libpq's defaults (the
/// login name, localhost, 5432, the user's name, `prefer`). The password: the URL's, else `PGPASSWORD`, else
/// the first matching line of `PGPASSFILE` or `~/.pgpass` — ignored, as libpq does, when others can read it.
/// The password is never part of `displayName`, a message or anything stored.
struct PostgresLocation: Sendable, Equatable {
    /// libpq's `sslmode` values; `allow` is taken as `prefer`.
    enum TLSMode: String, Sendable {
        case disable, allow, prefer, require
        case verifyCA = "verify-ca"
        case verifyFull = "verify-full"
    }

    var host: String
    /// A folder holding the server's Unix socket, when `host` names one (`?host=/var/run/postgresql`).
    var socketFolder: String?
    var port: Int
    var user: String
    var database: String
    var tlsMode: TLSMode
    var applicationName: String
    /// `sslrootcert`: the certificate authorities to trust for verify-ca and verify-full.
    var rootCertificate: String?
    var password: String?
    /// Why a password file was passed over, for the message when the server then asks for a password.
    var passwordFileNote: Message?

    /// What messages and reports call the store: server and database, never the user's password.
    var displayName: String {
        let server = socketFolder.map { "[\($0)]" } ?? (host.contains(":") ? "[\(host)]" : host)
        return "postgresql://\(server):\(port)/\(database)"
    }

    /// Parses `url`, reading the environment and (with `findingPassword`, to connect) the password file.
    ///
    /// - Throws: `usage` naming what is wrong with the URL (without its password).
    init(url: String, environment: [String: String] = ProcessInfo.processInfo.environment, findingPassword: Bool = true) throws {
        let shown = Self.withoutPassword(url)
        func invalid(_ reason: MessageKey, _ arguments: [String: String] = [:]) -> WellBeingError {
            WellBeingError(.usage, Message(.serverURLInvalid, ["url": shown]).localizingArgument("reason", Message(reason, arguments)))
        }
        let lower = url.lowercased()
        guard let scheme = ["postgresql://", "postgres://"].first(where: { lower.hasPrefix($0) }) else { throw invalid(.urlNoScheme) }
        var rest = url.dropFirst(scheme.count)
        var userPart: String?
        var passwordPart: String?
        if let at = Self.credentialsEnd(rest) {
            let credentials = rest[..<at]
            rest = rest[rest.index(after: at)...]
            if let colon = credentials.firstIndex(of: ":") {
                userPart = String(credentials[..<colon])
                passwordPart = String(credentials[credentials.index(after: colon)...])
            } else {
                userPart = String(credentials)
            }
        }
        var query = ""
        if let mark = rest.firstIndex(of: "?") {
            query = String(rest[rest.index(after: mark)...])
            rest = rest[..<mark]
        }
        var authority = String(rest)
        var path = ""
        if let slash = rest.firstIndex(of: "/") {
            authority = String(rest[..<slash])
            path = String(rest[rest.index(after: slash)...])
        }
        var hostPart = authority
        var portPart: String?
        if authority.hasPrefix("[") {
            guard let close = authority.firstIndex(of: "]") else { throw invalid(.urlUnclosedBracket) }
            hostPart = String(authority[authority.index(after: authority.startIndex)..<close])
            let after = authority[authority.index(after: close)...]
            if after.hasPrefix(":") { portPart = String(after.dropFirst()) } else if !after.isEmpty { throw invalid(.urlTextAfterBracket) }
        } else if let colon = authority.lastIndex(of: ":") {
            hostPart = String(authority[..<colon])
            portPart = String(authority[authority.index(after: colon)...])
        }
        func decoded(_ text: String?) throws -> String? {
            guard let text, !text.isEmpty else { return nil }
            guard let value = text.removingPercentEncoding else { throw invalid(.urlBrokenEscape) }
            return value
        }
        var parameters: [String: String] = [:]
        for pair in query.split(separator: "&") where !pair.isEmpty {
            let parts = pair.split(separator: "=", maxSplits: 1).map(String.init)
            guard parts.count == 2, let key = try decoded(parts[0]), let value = try decoded(parts[1]) else {
                // Only a parameter's name is shown, and only one of ours: anything else may be a pasted secret.
                let name = String(pair.prefix { $0 != "=" })
                throw invalid(.urlParameterWithoutValue, ["parameter": Self.parameters.contains(name) ? name : "***"])
            }
            switch key {
            case _ where Self.parameters.contains(key):
                parameters[key] = value
            case "password":
                throw invalid(.urlPasswordParameter)
            default:
                throw invalid(.urlUnknownParameter, ["parameter": key])
            }
        }
        let hostValue = try parameters["host"] ?? decoded(hostPart) ?? environment["PGHOST"].flatMap { $0.isEmpty ? nil : $0 } ?? "localhost"
        if hostValue.hasPrefix("/") {
            socketFolder = hostValue
            host = "localhost"
        } else {
            host = hostValue
            socketFolder = nil
        }
        let portText = try parameters["port"] ?? decoded(portPart) ?? environment["PGPORT"].flatMap { $0.isEmpty ? nil : $0 } ?? "5432"
        // A port that is not digits is not repeated: in `user:password` without `@host` the password stands where
        // the port would.
        guard let portNumber = Int(portText), (1...65535).contains(portNumber) else {
            throw invalid(.urlBadPort, ["port": portText.allSatisfy { $0.isASCII && $0.isNumber } ? portText : "***"])
        }
        port = portNumber
        user = try parameters["user"] ?? decoded(userPart) ?? environment["PGUSER"].flatMap { $0.isEmpty ? nil : $0 } ?? Self.loginName()
        database = try parameters["dbname"] ?? decoded(path.isEmpty ? nil : path) ?? environment["PGDATABASE"].flatMap { $0.isEmpty ? nil : $0 } ?? user
        let modeText = parameters["sslmode"] ?? environment["PGSSLMODE"].flatMap { $0.isEmpty ? nil : $0 } ?? "prefer"
        guard let mode = TLSMode(rawValue: modeText) else {
            throw invalid(.urlBadSSLMode, ["mode": modeText])
        }
        tlsMode = mode == .allow ? .prefer : mode
        applicationName = parameters["application_name"] ?? environment["PGAPPNAME"] ?? "wellbeing"
        rootCertificate = parameters["sslrootcert"] ?? environment["PGSSLROOTCERT"]
        if let passwordPart {
            password = try decoded(passwordPart)
        } else if let fromEnvironment = environment["PGPASSWORD"], !fromEnvironment.isEmpty {
            password = fromEnvironment
        } else if findingPassword {
            let file = environment["PGPASSFILE"] ?? ((environment["HOME"] ?? NSHomeDirectory()) + "/.pgpass")
            switch Self.passwordFromFile(file, host: socketFolder == nil ? host : "localhost", port: port, database: database, user: user) {
            case let .found(value): password = value
            case .insecure: passwordFileNote = Message(.pgpassIgnored, ["path": file])
            case .none: break
            }
        }
    }

    /// The parameters a store URL may carry (libpq's names); their values are never secret.
    static let parameters: Set<String> = ["sslmode", "application_name", "host", "port", "user", "dbname", "sslrootcert",
                                          "connect_timeout"]

    /// Where the user and password end in the text after `postgresql://` (or after a mistyped scheme): at the last
    /// `@`, since a password may hold `@`, `/` or `?` unescaped — unless that `@` stands in the parameters
    /// (`?application_name=a@b`).
    static func credentialsEnd(_ text: Substring) -> Substring.Index? {
        guard let last = text.lastIndex(of: "@") else { return nil }
        if let mark = text.firstIndex(of: "?"), mark < last {
            let name = text[text.index(after: mark)...].prefix { $0 != "=" && $0 != "&" }
            if parameters.contains(String(name)) { return text[..<mark].lastIndex(of: "@") }
        }
        return last
    }

    /// The text after the scheme, or after what stands for it in a mistyped URL (`postgresql:`, `postgres//`):
    /// the scheme's letters, then one `:` at most, then any `/` or `\`.
    private static func afterScheme(_ url: String) -> Substring {
        let scheme = url.prefix { $0.isASCII && ($0.isLetter || $0.isNumber || "+.-".contains($0)) }
        var rest = url.dropFirst(scheme.count)
        if rest.hasPrefix(":") { rest = rest.dropFirst() }
        return rest.drop { $0 == "/" || $0 == "\\" }
    }

    /// Whether the URL holds a password: `user:password@` (also in a mistyped URL) or a `password` parameter.
    static func carriesPassword(_ url: String) -> Bool {
        let rest = afterScheme(url)
        if let at = credentialsEnd(rest), rest[..<at].contains(":") { return true }
        guard let mark = rest.firstIndex(of: "?") else { return false }
        return rest[rest.index(after: mark)...].split(separator: "&").contains { pair in
            let name = pair.prefix { $0 != "=" }
            return (String(name).removingPercentEncoding ?? String(name)).lowercased() == "password"
        }
    }

    /// The URL as messages may show it: the password replaced by `***`, in a valid URL or a mistyped one
    /// (`postgresql:user:secret@host`); so is the value of every parameter that is not one of ours
    /// (`?password=…`, a misspelt one), and what stands where a port would in `user:secret` without `@host`.
    static func withoutPassword(_ url: String) -> String {
        let rest = afterScheme(url)
        let prefix = url[..<rest.startIndex]
        var main = rest
        var query: Substring?
        var credentials = ""
        if let at = credentialsEnd(rest) {
            let user = rest[..<at]
            credentials = (user.firstIndex(of: ":").map { String(user[..<$0]) + ":***" } ?? String(user)) + "@"
            main = rest[rest.index(after: at)...]
        }
        if let mark = main.firstIndex(of: "?") {
            query = main[main.index(after: mark)...]
            main = main[..<mark]
        }
        var address = String(main)
        let authority = main.prefix { $0 != "/" }
        if !authority.hasPrefix("["), let colon = authority.firstIndex(of: ":") {
            let port = authority[authority.index(after: colon)...]
            if !port.allSatisfy({ $0.isASCII && $0.isNumber }) {
                address = String(main[...colon]) + "***" + String(main[port.endIndex...])
            }
        }
        let shownQuery = query.map { text in
            "?" + text.split(separator: "&", omittingEmptySubsequences: false).map { pair -> String in
                let name = String(pair.prefix { $0 != "=" })
                guard parameters.contains(name) else { return pair.contains("=") ? name + "=***" : "***" }
                return String(pair)
            }.joined(separator: "&")
        } ?? ""
        return String(prefix) + credentials + address + shownQuery
    }

    private static func loginName() -> String {
        if let entry = getpwuid(geteuid()), let name = entry.pointee.pw_name { return String(cString: name) }
        return ProcessInfo.processInfo.environment["USER"] ?? "postgres"
    }

    enum PasswordFileResult: Equatable { case found(String), insecure, none }

    /// The password of the first line of a `.pgpass` file that matches (libpq's rules: `*` matches anything,
    /// `\` escapes `:` and `\`); a file that group or others can read is ignored.
    static func passwordFromFile(_ path: String, host: String, port: Int, database: String, user: String) -> PasswordFileResult {
        var status = stat()
        guard stat(path, &status) == 0, (status.st_mode & S_IFMT) == S_IFREG else { return .none }
        if status.st_mode & (S_IRWXG | S_IRWXO) != 0 { return .insecure }
        guard let data = FileManager.default.contents(atPath: path), let text = String(data: data, encoding: .utf8) else { return .none }
        for line in text.split(whereSeparator: { $0 == "\n" || $0 == "\r" }) where !line.hasPrefix("#") {
            var fields: [String] = [""]
            var escaped = false
            for character in line {
                if escaped { fields[fields.count - 1].append(character); escaped = false }
                else if character == "\\" { escaped = true }
                else if character == ":" && fields.count < 5 { fields.append("") }
                else { fields[fields.count - 1].append(character) }
            }
            guard fields.count == 5 else { continue }
            let wanted = [host, String(port), database, user]
            if zip(fields.prefix(4), wanted).allSatisfy({ $0 == "*" || $0 == $1 }) { return .found(fields[4]) }
        }
        return .none
    }
}
