import Hummingbird

/// An error in OpenAI's shape, `{"error": {"message", "type", "param", "code"}}`, so OpenAI SDKs raise their usual
/// exceptions: `ErrorMiddleware` answers every error under `/v1/` with it, and the `/v1` stream sends it as its
/// `error` event. The status and message are those of the API's own error.
struct OpenAIErrorBody: Encodable {
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
        error = .init(message: apiError.message, type: Self.type(of: apiError.status), param: apiError.param, code: apiError.code)
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
