import HTTPTypes
import Hummingbird

/// CORS for browsers: `*` or a list of allowed origins, methods GET, POST and OPTIONS, and the headers
/// Content-Type, Authorization (which the original worker forgot) and X-API-Key. `ResponseHeadersMiddleware`
/// answers preflights with it and adds its headers to every other answer.
struct CORSAllowList: Sendable {
    /// Allowed origins; `["*"]` allows any.
    let origins: [String]
    private var anyOrigin: Bool { origins.count == 1 && origins[0] == "*" }
    static var allowedMethods: String { "GET, POST, OPTIONS" }
    static var allowedHeaders: String { "Content-Type, Authorization, X-API-Key" }
    static var maxAge: String { "600" }

    /// The answer to a preflight (any `OPTIONS` request): 204 with what may be sent.
    func preflight(_ request: Request) -> Response {
        var headers = HTTPFields()
        addOriginHeaders(for: request, to: &headers)
        headers[.accessControlAllowMethods] = Self.allowedMethods
        headers[.accessControlAllowHeaders] = Self.allowedHeaders
        headers[.accessControlMaxAge] = Self.maxAge
        return Response(status: .noContent, headers: headers)
    }

    /// Appends `Access-Control-Allow-Origin` for this request's origin (nothing for an origin not on the list), in
    /// place: a response's fields are not copied for it.
    func addOriginHeaders(for request: Request, to headers: inout HTTPFields) {
        if anyOrigin {
            headers.append(HTTPField(name: .accessControlAllowOrigin, value: "*"))
        } else {
            headers.append(HTTPField(name: .vary, value: "Origin"))
            if let origin = request.headers.value(of: .origin), origins.contains(origin) {
                headers.append(HTTPField(name: .accessControlAllowOrigin, value: origin))
            }
        }
        headers.append(HTTPField(name: .accessControlExposeHeaders, value: "Content-Length, X-Request-Id"))
    }
}
