/// Why a model backend could not answer. Messages name the backend and never carry its credentials.
enum ChatBackendError: Error, Sendable {
    /// Nothing answered at the backend's address.
    case unreachable(backend: String)
    /// Every connection this server may open to the backend (`UPSTREAM_MAX_CONNECTIONS`) stayed busy for
    /// `UPSTREAM_POOL_TIMEOUT`: this server's limit, not the backend's failure.
    case busy(backend: String, retryAfterSeconds: Int)
    /// No complete answer within the configured time (`UPSTREAM_TIMEOUT`).
    case timeout(backend: String)
    /// The answer stopped for longer than `UPSTREAM_IDLE_TIMEOUT` (whole seconds) between two of its pieces.
    case silent(backend: String, seconds: Int)
    /// The backend asks to slow down, with its `Retry-After` if it gave one.
    case rateLimited(backend: String, retryAfter: String?)
    /// The backend refused the request itself (HTTP 400, 413, 422, or an error in its stream): the client's to fix.
    case rejected(backend: String, reason: UpstreamErrorBody)
    /// The backend does not serve the model asked for.
    case modelNotFound(backend: String, reason: UpstreamErrorBody)
    /// The backend refused this server's credentials or configuration (HTTP 401 or 403, or a 400 that says so,
    /// `UpstreamHTTP.operatorErrors`): the operator's to fix.
    case credentialsRefused(backend: String, status: Int)
    /// The backend answered with another error status (5xx, or a 4xx that is not the client's doing).
    case failed(backend: String, status: Int)
    /// The backend reported an error in the middle of its streamed answer.
    case reported(backend: String, reason: UpstreamErrorBody)
    /// The backend's answer could not be read.
    case invalidResponse(backend: String, detail: String)

    /// Whether another backend might answer: not when the request itself was refused.
    var isClientError: Bool {
        switch self {
        case .rejected, .modelNotFound: true
        default: false
        }
    }

    /// The error a client sees: 400 or 404 with the backend's reason when it refused the request, 502 for an
    /// unreachable, misconfigured or broken backend, 503 when every connection to it is in use, 504 for a timeout,
    /// 429 passed on.
    var apiError: APIError {
        switch self {
        case .unreachable(let backend):
            APIError(status: .badGateway, code: "upstream_unreachable", message: "The model backend '\(backend)' cannot be reached. Try again later.")
        case .busy(let backend, let retryAfter):
            APIError(
                status: .serviceUnavailable, code: "upstream_busy",
                message: "Every connection to the model backend '\(backend)' is in use. Retry after the time in Retry-After.",
                headers: [.retryAfter: String(retryAfter)])
        case .timeout(let backend):
            APIError(status: .gatewayTimeout, code: "upstream_timeout", message: "The model backend '\(backend)' did not answer in time. Try again later.")
        case .silent(let backend, let seconds):
            APIError(
                status: .gatewayTimeout, code: "upstream_timeout",
                message: "The model backend '\(backend)' went silent for more than \(seconds) s in the middle of its answer. Try again later.")
        case .rateLimited(let backend, let retryAfter):
            APIError(
                status: .tooManyRequests, code: "upstream_rate_limited",
                message: "The model backend '\(backend)' is rate-limiting requests. Retry after the time in Retry-After.",
                // The upstream's own hint when it gives one; otherwise a second, so every 429 says when to retry.
                headers: [.retryAfter: retryAfter ?? "1"])
        case .rejected(let backend, let reason):
            APIError(
                status: .badRequest, code: "upstream_rejected",
                message: "The model backend '\(backend)' refused the request" + (reason.message.map { ": \($0)" } ?? "."))
        case .modelNotFound(let backend, let reason):
            APIError(
                status: .notFound, code: "model_not_found",
                message: "The model backend '\(backend)' does not serve this model" + (reason.message.map { ": \($0)" } ?? "."))
        case .credentialsRefused(let backend, let status):
            APIError(
                status: .badGateway, code: "upstream_auth_failed",
                message: "The model backend '\(backend)' refused this server's credentials or configuration (HTTP \(status)). The server's operator must fix it.")
        case .reported(let backend, let reason):
            APIError(
                status: .badGateway, code: "upstream_error",
                message: "The model backend '\(backend)' reported an error" + (reason.message.map { ": \($0)" } ?? "."))
        case .failed(let backend, let status):
            APIError(status: .badGateway, code: "upstream_error", message: "The model backend '\(backend)' failed with HTTP \(status).")
        case .invalidResponse(let backend, _):
            APIError(status: .badGateway, code: "upstream_invalid_response", message: "The model backend '\(backend)' sent an answer that cannot be read.")
        }
    }
}
