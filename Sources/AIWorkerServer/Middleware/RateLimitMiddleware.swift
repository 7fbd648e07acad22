import HTTPTypes
import Hummingbird

/// A request context that says what a rate limit counts its request by.
protocol RateLimitedContext: RequestContext {
    /// The buckets the request draws from under a limit's `scope` (`chat:user:ID`); the tightest decides. Each
    /// name is made in one interpolation: this runs on every limited request.
    func rateLimitBuckets(scope: String) -> [String]
}

extension AppRequestContext: RateLimitedContext {
    /// The client's address (register and login, before anyone is authenticated).
    func rateLimitBuckets(scope: String) -> [String] { ["\(scope):address:\(clientAddress)"] }
}

extension AuthenticatedContext: RateLimitedContext {
    /// The user and, separately, the API key (chat, behind authentication).
    func rateLimitBuckets(scope: String) -> [String] {
        if case .apiKey(let id) = principal.credential { return ["\(scope):user:\(principal.userId)", "\(scope):key:\(id)"] }
        return ["\(scope):user:\(principal.userId)"]
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
        let tightest = try await limiter.take(context.rateLimitBuckets(scope: scope), policy: policy)
        if !tightest.allowed {
            metrics.rateLimited(scope: scope)
            var error = APIError(
                status: .tooManyRequests, code: "rate_limited",
                message: "Too many \(scope) requests: the limit is \(tightest.limit) per \(Int(policy.period.seconds)) seconds. Retry after \(tightest.retryAfterSeconds) seconds.")
            Self.addHeaders(tightest, to: &error.headers)
            error.headers[.retryAfter] = String(tightest.retryAfterSeconds)
            throw error
        }
        do {
            var response = try await next(request, context)
            Self.addHeaders(tightest, to: &response.headers)
            return response
        } catch {
            // A refused request was counted too: its answer says how much of the budget is left, unless it
            // speaks of a limit of its own (a login lock-out).
            var apiError = APIError(translating: error, context: context)
            if !apiError.headers.contains(.xRateLimitLimit) {
                Self.addHeaders(tightest, to: &apiError.headers)
            }
            throw apiError
        }
    }

    /// Appends the decision's `X-RateLimit-*` fields, each once: the fields are appended in place rather than
    /// gathered into `HTTPFields` of their own and copied over (a storage of its own per limited request).
    static func addHeaders(_ decision: RateLimiter.Decision, to headers: inout HTTPFields) {
        headers.append(HTTPField(name: .xRateLimitLimit, value: String(decision.limit)))
        headers.append(HTTPField(name: .xRateLimitRemaining, value: String(decision.remaining)))
        headers.append(HTTPField(name: .xRateLimitReset, value: String(decision.resetSeconds)))
    }
}
