/// Why a model backend could not answer. Messages name the backend and never carry its credentials.
enum ChatBackendError: Error, Sendable {
    /// Nothing answered at the backend's address.
    case unreachable(backend: String)
    /// No complete answer within the configured time.
    case timeout(backend: String)
    /// The backend asks to slow down, with its `Retry-After` if it gave one.
    case rateLimited(backend: String, retryAfter: String?)
    /// The backend answered with an error status.
    case failed(backend: String, status: Int)
    /// The backend's answer could not be read.
    case invalidResponse(backend: String, detail: String)

    /// The error a client sees: 502 for an unreachable or broken backend, 504 for a timeout, 429 passed on.
    var apiError: APIError {
        switch self {
        case .unreachable(let backend):
            APIError(status: .badGateway, code: "upstream_unreachable", message: "The model backend '\(backend)' cannot be reached. Try again later.")
        case .timeout(let backend):
            APIError(status: .gatewayTimeout, code: "upstream_timeout", message: "The model backend '\(backend)' did not answer in time. Try again later.")
        case .rateLimited(let backend, let retryAfter):
            APIError(
                status: .tooManyRequests, code: "upstream_rate_limited",
                message: "The model backend '\(backend)' is rate-limiting requests. Retry after the time in Retry-After.",
                // The upstream's own hint when it gives one; otherwise a second, so every 429 says when to retry.
                headers: [.retryAfter: retryAfter ?? "1"])
        case .failed(let backend, let status):
            APIError(status: .badGateway, code: "upstream_error", message: "The model backend '\(backend)' failed with HTTP \(status).")
        case .invalidResponse(let backend, _):
            APIError(status: .badGateway, code: "upstream_invalid_response", message: "The model backend '\(backend)' sent an answer that cannot be read.")
        }
    }
}
