import Hummingbird

/// Writes errors under `/v1/` in OpenAI's shape, `{"error": {"message", "type", "param", "code"}}`, so OpenAI
/// SDKs raise their usual exceptions: a route's errors, and a wrong method's 405 or an unknown path's 404 there.
/// The status and message are those of the API's own error. Other paths' errors pass through.
struct OpenAIErrorMiddleware: RouterMiddleware {
    typealias Context = AppRequestContext

    struct Body: Encodable {
        struct Detail: Encodable {
            let message: String
            let type: String
            let param: String?
            let code: String

            private enum CodingKeys: String, CodingKey {
                case message, type, param, code
            }

            /// `param: null` is written out, as OpenAI does.
            func encode(to encoder: any Encoder) throws {
                var container = encoder.container(keyedBy: CodingKeys.self)
                try container.encode(message, forKey: .message)
                try container.encode(type, forKey: .type)
                try container.encode(param, forKey: .param)
                try container.encode(code, forKey: .code)
            }
        }

        let error: Detail

        init(_ apiError: APIError) {
            error = .init(
                message: apiError.message, type: OpenAIErrorMiddleware.type(of: apiError.status), param: apiError.param,
                code: apiError.code)
        }
    }

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        guard request.uri.path.hasPrefix("/v1/") else { return try await next(request, context) }
        do {
            return try await next(request, context)
        } catch {
            let apiError = APIError(translating: error, context: context)
            var response = try context.responseEncoder.encode(Body(apiError), from: request, context: context)
            response.status = apiError.status
            response.headers.append(contentsOf: apiError.headers)
            return response
        }
    }

    /// OpenAI's error types by status.
    static func type(of status: HTTPResponse.Status) -> String {
        switch status.code {
        case 401: "authentication_error"
        case 403: "permission_error"
        case 404: "not_found_error"
        case 429: "rate_limit_error"
        case 500...: "api_error"
        default: "invalid_request_error"
        }
    }
}
