import Hummingbird

/// CORS for browsers: `*` or a list of allowed origins, methods GET, POST and OPTIONS, and the headers
/// Content-Type, Authorization (which the original worker forgot) and X-API-Key.
struct CORSAllowListMiddleware<Context: RequestContext>: RouterMiddleware {
    /// Allowed origins; `["*"]` allows any.
    let origins: [String]
    static var allowedMethods: String { "GET, POST, OPTIONS" }
    static var allowedHeaders: String { "Content-Type, Authorization, X-API-Key" }
    static var maxAge: String { "600" }

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        if request.method == .options {
            var headers = originHeaders(request)
            headers[.accessControlAllowMethods] = Self.allowedMethods
            headers[.accessControlAllowHeaders] = Self.allowedHeaders
            headers[.accessControlMaxAge] = Self.maxAge
            return Response(status: .noContent, headers: headers)
        }
        var response = try await next(request, context)
        response.headers.append(contentsOf: originHeaders(request))
        return response
    }

    /// `Access-Control-Allow-Origin` for this request's origin (nothing for an origin not on the list).
    private func originHeaders(_ request: Request) -> HTTPFields {
        var headers = HTTPFields()
        if origins == ["*"] {
            headers[.accessControlAllowOrigin] = "*"
        } else {
            headers[.vary] = "Origin"
            if let origin = request.headers[.origin], origins.contains(origin) {
                headers[.accessControlAllowOrigin] = origin
            }
        }
        headers[.accessControlExposeHeaders] = "Content-Length, X-Request-Id"
        return headers
    }
}
