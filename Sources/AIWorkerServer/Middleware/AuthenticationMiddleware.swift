import HTTPTypes
import Foundation
import Hummingbird

/// Resolves who a request acts for from `Authorization: Bearer <jwt | api key>` or `X-API-Key`,
/// and refuses the request (401, or 403 for an API key where only a session token will do) otherwise.
struct AuthenticationMiddleware: RouterMiddleware {
    typealias Context = AppRequestContext

    /// Which credentials a group of routes accepts.
    enum Policy: Sendable {
        /// Only the JWT from register/login: key management, so a leaked key cannot mint keys.
        case sessionTokenOnly
        /// A JWT or an API key (in `X-API-Key`, or as a Bearer token as OpenAI clients send it).
        case sessionTokenOrAPIKey
    }

    let policy: Policy
    let authenticator: Authenticator
    /// Failed authentications (an invalid token or key) allowed per client address; nil: unlimited.
    var failureLimit: FailureLimit?

    /// A token bucket per client address that only failed authentications draw from. Once it is empty, every
    /// credential from that address is refused with 429 before any hash or lookup is spent on it. A class, so that
    /// each request takes a reference to it rather than a copy (whose retains showed in a profile).
    final class FailureLimit: Sendable {
        let limiter: RateLimiter
        let policy: RateLimiter.Policy
        let metrics: AppMetrics

        init(limiter: RateLimiter, policy: RateLimiter.Policy, metrics: AppMetrics) {
            self.limiter = limiter
            self.policy = policy
            self.metrics = metrics
        }
    }

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        var context = context
        // The failure limit and this client's bucket under it, when failures are limited.
        let failures = failureLimit.map { (limit: $0, bucket: "auth-failures:address:\(context.clientAddress)") }
        if let failures {
            let state = try await failures.limit.limiter.peek(failures.bucket, policy: failures.limit.policy)
            if !state.allowed { throw Self.tooManyFailures(state, failures.limit) }
        }
        do {
            context.principal = try await authenticate(request)
        } catch let error as CredentialRejected {
            if let failures { _ = try await failures.limit.limiter.take([failures.bucket], policy: failures.limit.policy) }
            throw error
        }
        return try await next(request, context)
    }

    private static func tooManyFailures(_ state: RateLimiter.Decision, _ limit: FailureLimit) -> APIError {
        limit.metrics.rateLimited(scope: "auth_failures")
        return APIError(
            status: .tooManyRequests, code: "too_many_failed_authentications",
            message: "Too many invalid tokens or API keys from this address: the limit is \(state.limit) per \(Int(limit.policy.period.seconds)) seconds. Retry after \(state.retryAfterSeconds) seconds.",
            headers: [.retryAfter: String(state.retryAfterSeconds), .xRateLimitLimit: String(state.limit), .xRateLimitRemaining: "0",
                      .xRateLimitReset: String(state.resetSeconds)])
    }

    private func authenticate(_ request: Request) async throws -> Principal {
        let bearer = Self.bearerToken(request.headers.value(of: .authorization))
        let headerKey = request.headers.value(of: .xAPIKey)
        switch policy {
        case .sessionTokenOnly:
            if let bearer, !bearer.hasPrefix(APIKeySecret.keyPrefix) {
                return try await authenticator.session(bearer)
            }
            if bearer != nil || headerKey != nil {
                throw APIError.apiKeyNotAllowed
            }
        case .sessionTokenOrAPIKey:
            if let headerKey {
                return try await authenticator.apiKey(headerKey)
            }
            if let bearer {
                return try await bearer.hasPrefix(APIKeySecret.keyPrefix) ? authenticator.apiKey(bearer) : authenticator.session(bearer)
            }
        }
        throw APIError.unauthorized(
            "Authentication required. Send 'Authorization: Bearer <token>' with the token from /login"
                + (policy == .sessionTokenOrAPIKey ? ", or an API key in 'X-API-Key'." : "."))
    }

    /// The token of an `Authorization: Bearer <token>` header; the scheme is case-insensitive (RFC 9110).
    static func bearerToken(_ header: String?) -> String? {
        guard let header else { return nil }
        // The scheme is what runs from the first byte that is not a space to the next space, the token what follows
        // that space; found, compared and trimmed on UTF-8 bytes where the token is plain ASCII, as every token and
        // key is: the lower-casing, Foundation's trimming and then an array of the header's parts made the Bearer
        // path the slowest way to authenticate.
        let bytes = header.utf8
        guard let start = bytes.firstIndex(where: { $0 != UInt8(ascii: " ") }),
            let space = bytes[start...].firstIndex(of: UInt8(ascii: " ")),
            bytes[start..<space].elementsEqual("bearer".utf8, by: { $0 | 0x20 == $1 })
        else { return nil }
        let rest = header[bytes.index(after: space)...]
        if let first = rest.utf8.first, let last = rest.utf8.last, isVisibleASCII(first), isVisibleASCII(last) {
            return String(rest)
        }
        let token = rest.trimmingCharacters(in: .whitespaces)
        return token.isEmpty ? nil : token
    }

    /// A printable ASCII character other than the space.
    private static func isVisibleASCII(_ byte: UInt8) -> Bool {
        (0x21...0x7E).contains(byte)
    }
}
