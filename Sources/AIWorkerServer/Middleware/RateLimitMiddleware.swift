import HTTPTypes
import Hummingbird

/// A request context that says what a rate limit counts its request by.
protocol RateLimitedContext: RequestContext {
    /// The buckets the request draws from; the tightest decides.
    var rateLimitBuckets: [String] { get }
}

extension AppRequestContext: RateLimitedContext {
    /// The client's address (register and login, before anyone is authenticated).
    var rateLimitBuckets: [String] { ["address:\(clientAddress)"] }
}

extension AuthenticatedContext: RateLimitedContext {
    /// The user and, separately, the API key (chat, behind authentication).
    var rateLimitBuckets: [String] {
        if case .apiKey(let id) = principal.credential { return ["user:\(principal.userId)", "key:\(id)"] }
        return ["user:\(principal.userId)"]
    }
}

/// Refuses requests past a token-bucket limit with 429, `Retry-After` and `X-RateLimit-Limit/Remaining/Reset`,
/// and adds the `X-RateLimit-*` headers to the answers of the requests it lets through, errors included. What a
/// request is counted by comes from its context's type: the address before authentication, the principal after.
struct RateLimitMiddleware<Context: RateLimitedContext>: RouterMiddleware {
    let scope: String
    let policy: RateLimiter.Policy
    let limiter: RateLimiter
    let metrics: AppMetrics

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        let tightest = try await limiter.take(context.rateLimitBuckets.map { "\(scope):\($0)" }, policy: policy)
        if !tightest.allowed {
            metrics.rateLimited(scope: scope)
            var error = APIError(
                status: .tooManyRequests, code: "rate_limited",
                message: "Too many \(scope) requests: the limit is \(tightest.limit) per \(Int(policy.period.seconds)) seconds. Retry after \(tightest.retryAfterSeconds) seconds.")
            error.headers = Self.headers(tightest)
            error.headers[.retryAfter] = String(tightest.retryAfterSeconds)
            throw error
        }
        do {
            var response = try await next(request, context)
            response.headers.append(contentsOf: Self.headers(tightest))
            return response
        } catch {
            // A refused request was counted too: its answer says how much of the budget is left, unless it
            // speaks of a limit of its own (a login lock-out).
            var apiError = APIError(translating: error, context: context)
            if !apiError.headers.contains(.xRateLimitLimit) {
                apiError.headers.append(contentsOf: Self.headers(tightest))
            }
            throw apiError
        }
    }

    static func headers(_ decision: RateLimiter.Decision) -> HTTPFields {
        [.xRateLimitLimit: String(decision.limit), .xRateLimitRemaining: String(decision.remaining), .xRateLimitReset: String(decision.resetSeconds)]
    }
}
