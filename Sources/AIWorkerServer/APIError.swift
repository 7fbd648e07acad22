import Hummingbird

/// An error a client can act on: one status, a human message and a stable code,
/// written as `{"error": "<message>", "code": "<code>"}`.
struct APIError: HTTPResponseError, Sendable {
    let status: HTTPResponse.Status
    let code: String
    let message: String
    var headers: HTTPFields = [:]
    /// The request field the error is about (`messages[0].content`), for OpenAI's `param`; nil when none.
    var param: String? = nil

    private struct Body: Encodable {
        let error: String
        let code: String
    }

    func response(from request: Request, context: some RequestContext) throws -> Response {
        try response(body: Body(error: message, code: code), from: request, context: context)
    }

    /// The answer with this error's status and headers and `body` (the API's shape, or OpenAI's under `/v1/`).
    func response(body: some Encodable, from request: Request, context: some RequestContext) throws -> Response {
        var response = try context.responseEncoder.encode(body, from: request, context: context)
        response.status = status
        response.headers.append(contentsOf: headers)
        return response
    }
}

extension APIError {
    static func badRequest(_ message: String, code: String = "invalid_request", param: String? = nil) -> APIError {
        APIError(status: .badRequest, code: code, message: message, param: param)
    }

    static let invalidJSON = APIError.badRequest("The request body is not valid JSON.", code: "invalid_json")

    static let invalidMessages = APIError.badRequest(
        "Invalid request format. Messages array is required.", code: "invalid_messages", param: "messages")

    static func unauthorized(_ message: String, code: String = "authentication_required") -> APIError {
        APIError(
            status: .unauthorized, code: code, message: message,
            headers: [.wwwAuthenticate: #"Bearer realm="ai-worker""#])
    }

    static let invalidCredentials = APIError.unauthorized("Invalid credentials", code: "invalid_credentials")

    static let apiKeyNotAllowed = APIError(
        status: .forbidden, code: "api_key_not_allowed",
        message: "API keys cannot manage API keys. Send the JWT from /login as 'Authorization: Bearer <token>'.")

    static let keyNotFound = APIError(
        status: .notFound, code: "api_key_not_found", message: "No API key with this id belongs to you.")

    static let emailTaken = APIError(
        status: .conflict, code: "email_taken", message: "An account with this email already exists. Log in instead.")

    static let routeNotFound = APIError(status: .notFound, code: "not_found", message: "No such route.")

    static func methodNotAllowed(allowed: [HTTPRequest.Method]) -> APIError {
        let list = allowed.map(\.rawValue).joined(separator: ", ")
        return APIError(
            status: .methodNotAllowed, code: "method_not_allowed",
            message: "This route only accepts \(list).", headers: [.allow: list])
    }

    static func bodyTooLarge(limit: Int) -> APIError {
        APIError(
            status: .contentTooLarge, code: "body_too_large",
            message: "The request body is larger than the limit of \(limit) bytes.")
    }

    static let unsupportedMediaType = APIError(
        status: .unsupportedMediaType, code: "unsupported_media_type",
        message: "Send the request body as JSON with 'Content-Type: application/json'.")

    /// 406 for a route that answers only `types` (as "a or b").
    static func notAcceptable(_ types: String) -> APIError {
        APIError(status: .notAcceptable, code: "not_acceptable", message: "This route answers \(types); the Accept header allows neither.")
    }

    static let internalError = APIError(
        status: .internalServerError, code: "internal_error",
        message: "The server failed to handle this request. It has been logged; try again later.")

    /// 503 `password_check_busy`, saying whether the queue was full or the wait for a turn ran out.
    static func passwordWorkBusy(_ busy: PasswordWorkBusy) -> APIError {
        let why = busy.waited ? "this one waited its longest for a turn" : "as many wait for a turn as may"
        return APIError(
            status: .serviceUnavailable, code: "password_check_busy",
            message: "Too many passwords are being checked right now, and \(why). Retry after \(busy.retryAfterSeconds) seconds.",
            headers: [.retryAfter: String(busy.retryAfterSeconds)])
    }

    static let serviceUnavailable = APIError(
        status: .serviceUnavailable, code: "storage_unavailable",
        message: "The database is unavailable right now. Try again shortly.", headers: [.retryAfter: "1"])
}
