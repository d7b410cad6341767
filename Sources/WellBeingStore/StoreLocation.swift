import Foundation
import WellBeingCore

/// Tells a server URL from a file path, and opens the server backend when this build has one.
enum StoreLocation {
    /// Whether `location` is meant as a server URL, and so is never taken as a file name: `postgresql://…` and
    /// `postgres://…` (as libpq and `psql` accept them), and what a hurried hand makes of them — any other
    /// `scheme://`, or `postgres`/`postgresql` (any case) followed by `:`, `/`, `\` or `@` (`postgresql:user:…@host`,
    /// `postgres//…`). Such a location is parsed as a URL and refused (exit 64) when it is not a valid one, so a
    /// mistyped URL never becomes a local file named after its password, with the data never sent to the server.
    /// File names that merely start with the word (`postgres-2025.sqlite`) stay files; so does `./postgres/…`.
    static func isServerURL(_ location: String) -> Bool {
        let lower = location.lowercased()
        for word in ["postgresql", "postgres"] where lower.hasPrefix(word) {
            if let next = lower.dropFirst(word.count).first, ":/\\@".contains(next) { return true }
        }
        let scheme = lower.prefix { $0.isASCII && ($0.isLetter || $0.isNumber || "+.-".contains($0)) }
        return !scheme.isEmpty && lower.dropFirst(scheme.count).hasPrefix("://")
    }

    /// Refuses a server URL that carries a password where every user of the computer can read it: in a
    /// command-line argument (`ps`, `/proc/PID/cmdline`), for the whole run. The environment (`PGPASSWORD`,
    /// `WELLBEING_STORE`) and `~/.pgpass` are not shown to others.
    ///
    /// - Throws: `usage` showing the URL with `***` for the password, and where to put the password instead.
    static func refusePasswordInArgument(_ location: String) throws {
        guard isServerURL(location), PostgresLocation.carriesPassword(location) else { return }
        throw WellBeingError(.usage, Message(.storePasswordInArgument, ["url": PostgresLocation.withoutPassword(location)]))
    }

    static func openServer(_ location: String, busyTimeout: TimeInterval, access: StoreAccess) throws -> any StoreBackend {
        #if PostgreSQL
        return try PostgresBackend(url: location, busyTimeout: busyTimeout, access: access)
        #else
        _ = try PostgresLocation(url: location, findingPassword: false)  // a URL that cannot be right says so first
        throw WellBeingError(.usage, Message(.storeServerNotBuilt))
        #endif
    }
}
