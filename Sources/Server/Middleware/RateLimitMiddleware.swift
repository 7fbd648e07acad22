import HTTPTypes
import Hummingbird

/// Refuses requests past a token-bucket limit with 429, `Retry-After` and `X-RateLimit-Limit/Remaining/Reset`,
/// and adds the `X-RateLimit-*` headers to the answers it lets through.
struct RateLimitMiddleware: RouterMiddleware {
    typealias Context = AppRequestContext

    /// What a request is counted by.
    enum Key: Sendable {
        /// The client's address (for register and login, before anyone is authenticated).
        case clientAddress
        /// The API key and, separately, the user (for chat, behind authentication).
        case principal
    }

    let scope: String
    let key: Key
    let policy: RateLimiter.Policy
    let limiter: RateLimiter
    let metrics: AppMetrics

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        let keys = buckets(context).map { "\(scope):\($0)" }
        let tightest = keys.isEmpty ? nil : try await limiter.take(keys, policy: policy)
        if let tightest, !tightest.allowed {
            metrics.rateLimited(scope: scope)
            var error = APIError(
                status: .tooManyRequests, code: "rate_limited",
                message: "Too many \(scope) requests: the limit is \(tightest.limit) per \(Int(policy.period.seconds)) seconds. Retry after \(tightest.retryAfterSeconds) seconds.")
            error.headers = Self.headers(tightest)
            error.headers[.retryAfter] = String(tightest.retryAfterSeconds)
            throw error
        }
        var response = try await next(request, context)
        if let tightest { response.headers.append(contentsOf: Self.headers(tightest)) }
        return response
    }

    private func buckets(_ context: Context) -> [String] {
        switch key {
        case .clientAddress:
            return ["address:\(context.clientAddress)"]
        case .principal:
            guard let principal = context.principal else { return [] }
            var buckets = ["user:\(principal.userId)"]
            if case .apiKey(let id) = principal.credential { buckets.append("key:\(id)") }
            return buckets
        }
    }

    static func headers(_ decision: RateLimiter.Decision) -> HTTPFields {
        [.xRateLimitLimit: String(decision.limit), .xRateLimitRemaining: String(decision.remaining), .xRateLimitReset: String(decision.resetSeconds)]
    }
}
