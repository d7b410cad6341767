#if Server
import Foundation
import Hummingbird
import HTTPTypes
import NIOCore
import WellBeingCore

/// A request's context: Hummingbird's, the session the guard found, and the client's address for the throttle.
public struct ServerContext: RequestContext {
    public var coreContext: CoreRequestContextStorage
    /// The signed-in session, set by `RequestGuard` for every route but the login.
    public var session: Session?
    /// The client's address (its IP; behind a proxy on this machine, the one it forwards), for the login throttle.
    public var client: String
    /// The language the reader chose (`?lang=`, then the `lang` cookie), else the server's.
    public var language: Language?

    public init(source: ApplicationRequestContextSource) {
        coreContext = .init(source: source)
        client = source.channel.remoteAddress?.ipAddress ?? "unknown"
    }
}

extension HTTPField.Name {
    /// `Host`, which HTTP/1.1 parsing turns into the authority; a second one may still stand among the fields.
    static let hostField = HTTPField.Name("Host")!
    static let csrfToken = HTTPField.Name("X-CSRF-Token")!
    static let xForwardedFor = HTTPField.Name("X-Forwarded-For")!
    static let secFetchSite = HTTPField.Name("Sec-Fetch-Site")!
    static let xFrameOptions = HTTPField.Name("X-Frame-Options")!
    static let referrerPolicy = HTTPField.Name("Referrer-Policy")!
    static let crossOriginOpenerPolicy = HTTPField.Name("Cross-Origin-Opener-Policy")!
}
#endif
