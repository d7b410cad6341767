import Foundation
import WellBeingCore

/// Tells a server URL from a file path, and opens the server backend when this build has one.
enum StoreLocation {
    /// `postgresql://…` or `postgres://…` (as libpq and `psql` accept them).
    static func isServerURL(_ location: String) -> Bool {
        let lower = location.lowercased()
        return lower.hasPrefix("postgresql://") || lower.hasPrefix("postgres://")
    }

    static func openServer(_ location: String, busyTimeout: TimeInterval, access: StoreAccess) throws -> any StoreBackend {
        #if PostgreSQL
        return try PostgresBackend(url: location, busyTimeout: busyTimeout, access: access)
        #else
        throw WellBeingError(.usage, Message(.storeServerNotBuilt))
        #endif
    }
}
