import Hummingbird

/// CORS for browsers: `*` or a list of allowed origins, methods GET, POST and OPTIONS, and the headers
/// Content-Type, Authorization (which the original worker forgot) and X-API-Key. `ResponseHeadersMiddleware`
/// answers preflights with it and adds its headers to every other answer.
struct CORSAllowList: Sendable {
    /// Allowed origins; `["*"]` allows any.
    let origins: [String]
    static var allowedMethods: String { "GET, POST, OPTIONS" }
    static var allowedHeaders: String { "Content-Type, Authorization, X-API-Key" }
    static var maxAge: String { "600" }

    /// The answer to a preflight (any `OPTIONS` request): 204 with what may be sent.
    func preflight(_ request: Request) -> Response {
        var headers = originHeaders(request)
        headers[.accessControlAllowMethods] = Self.allowedMethods
        headers[.accessControlAllowHeaders] = Self.allowedHeaders
        headers[.accessControlMaxAge] = Self.maxAge
        return Response(status: .noContent, headers: headers)
    }

    /// `Access-Control-Allow-Origin` for this request's origin (nothing for an origin not on the list).
    func originHeaders(_ request: Request) -> HTTPFields {
        var headers = HTTPFields()
        if origins == ["*"] {
            headers[.accessControlAllowOrigin] = "*"
        } else {
            headers[.vary] = "Origin"
            if let origin = request.headers.value(of: .origin), origins.contains(origin) {
                headers[.accessControlAllowOrigin] = origin
            }
        }
        headers[.accessControlExposeHeaders] = "Content-Length, X-Request-Id"
        return headers
    }
}
