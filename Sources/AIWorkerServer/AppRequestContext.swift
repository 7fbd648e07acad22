import Foundation
import Hummingbird
import NIOCore

// The request contexts (every route's, and the authenticated routes' child context) and the Principal they carry.

/// Who a request acts for, once authenticated.
struct Principal: Sendable {
    enum Credential: Sendable {
        /// A session token: its `jti` (nil for tokens issued before single logout) and when it expires.
        case sessionToken(jti: String?, expiresAt: Date)
        case apiKey(id: String)
    }

    let userId: String
    let credential: Credential
}

/// The request context of every route: Hummingbird's core storage plus the authenticated principal.
struct AppRequestContext: RequestContext {
    var coreContext: CoreRequestContextStorage
    var principal: Principal?
    /// The client's IP address, what unauthenticated requests and failed authentications are limited by: the one
    /// a trusted proxy forwarded (`ClientAddressMiddleware`), or the peer's, formatted only when asked for (most
    /// requests never are). The peer is taken when the request arrives: the channel forgets it once the client
    /// has gone, and a login reads the address again after its password check.
    var clientAddress: String {
        get { forwardedClientAddress ?? peer?.ipAddress ?? "unknown" }
        set { forwardedClientAddress = newValue }
    }
    private var forwardedClientAddress: String?
    private let peer: SocketAddress?
    /// The largest request body accepted (`HTTP_MAX_BODY_BYTES`, set by `BodyLimitMiddleware`).
    var maxUploadSize: Int
    /// The most time a whole request body may take to arrive (`HTTP_BODY_TIMEOUT`, set by `BodyLimitMiddleware`).
    var bodyTimeout: Duration
    /// The request's connection, whose input the request decoder closes on a body that trickles past its time.
    let channel: any Channel

    init(source: Source) {
        coreContext = .init(source: source)
        principal = nil
        peer = source.channel.remoteAddress
        maxUploadSize = Self.defaults.maxBodyBytes
        bodyTimeout = .seconds(Self.defaults.httpBodyTimeout)
        channel = source.channel
    }

    /// The default limits, read once: a context is made for every request.
    private static let defaults = AppSettings()

    var requestDecoder: JSONRequestDecoder { JSONRequestDecoder(bodyTimeout: bodyTimeout, channel: channel) }

    /// JSON without `\/` escapes, so model names such as `@cf/meta/...` read as sent.
    var responseEncoder: JSONEncoder { Self.encoder }

    /// One encoder for every response: making one per response showed in profiles.
    static let encoder: JSONEncoder = {
        let encoder = JSONEncoder()
        encoder.outputFormatting = .withoutEscapingSlashes
        return encoder
    }()
}

/// The context of the routes behind `AuthenticationMiddleware` (mounted with `group(context:)`): its principal is
/// not optional, so a handler that forgets authentication cannot be written.
struct AuthenticatedContext: ChildRequestContext {
    var coreContext: CoreRequestContextStorage
    let principal: Principal
    let maxUploadSize: Int
    let bodyTimeout: Duration
    let channel: any Channel

    init(context: AppRequestContext) throws {
        // Only reachable when the middleware before the group did not authenticate: a wiring mistake, refused.
        guard let principal = context.principal else { throw APIError.unauthorized("Authentication required") }
        coreContext = context.coreContext
        self.principal = principal
        maxUploadSize = context.maxUploadSize
        bodyTimeout = context.bodyTimeout
        channel = context.channel
    }

    var requestDecoder: JSONRequestDecoder { JSONRequestDecoder(bodyTimeout: bodyTimeout, channel: channel) }
    var responseEncoder: JSONEncoder { AppRequestContext.encoder }
}
