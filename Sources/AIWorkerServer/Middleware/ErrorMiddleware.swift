import Hummingbird
import Logging
import NIOHTTP1

/// Turns every error into the API's JSON error shape, so no handler, router or framework error
/// reaches a client as plain text, a stack trace or SQL. Under `/v1/` the shape is OpenAI's (`OpenAIErrorBody`):
/// a route's errors, and a wrong method's 405 or an unknown path's 404 there.
struct ErrorMiddleware<Context: RequestContext>: RouterMiddleware {
    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        do {
            return try await next(request, context)
        } catch {
            let apiError = APIError(translating: error, context: context)
            if request.uri.path.hasPrefix("/v1/") { return try apiError.response(body: OpenAIErrorBody(apiError), from: request, context: context) }
            return try apiError.response(from: request, context: context)
        }
    }
}

extension APIError {
    /// The `APIError` a client sees for any error; unexpected errors are logged, never shown.
    init(translating error: any Error, context: some RequestContext) {
        self = Self.translate(error, context: context)
    }

    private static func translate(_ error: any Error, context: some RequestContext) -> APIError {
        switch error {
        case let error as APIError:
            return error
        case let error as CredentialRejected:
            return error.apiError
        case let error as ChatBackendError:
            context.logger.warning("Model backend failed", metadata: ["error": "\(error)"])
            return error.apiError
        case let error as any HTTPResponseError:
            switch error.status {
            case .notFound: return .routeNotFound
            case .contentTooLarge: return .bodyTooLarge(limit: context.maxUploadSize)
            case .unsupportedMediaType: return .unsupportedMediaType
            default:
                context.logger.error("Unhandled HTTP error", metadata: ["status": "\(error.status.code)"])
                return error.status.code >= 500 ? .internalError : .badRequest("The request is invalid.")
            }
        case is HTTPParserError:
            // A client's mistake, not the server's: logged at info.
            context.logger.info("Malformed request framing")
            return .malformedBody
        case let error as PasswordWorkBusy:
            context.logger.warning(error.waited ? "Password work waited too long" : "Password work queue full", metadata: ["retry_after": "\(error.retryAfterSeconds)"])
            return .passwordWorkBusy(error)
        case _ where StorageUnavailable.matches(error):
            context.logger.error("Database unavailable", metadata: ["error": "\(error)"])
            return .serviceUnavailable
        default:
            context.logger.error("Unexpected error", metadata: ["error": "\(String(reflecting: type(of: error)))"])
            return .internalError
        }
    }
}
