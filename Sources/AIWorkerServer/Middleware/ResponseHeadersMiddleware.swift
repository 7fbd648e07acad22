import HTTPTypes
import Hummingbird

/// Headers on every response: CORS (`CORSAllowList`, which also answers every `OPTIONS` preflight), the request id
/// (`X-Request-Id`), `X-Content-Type-Options: nosniff`, and `Cache-Control: no-store`, since answers carry tokens,
/// keys and private data. One middleware, not one a concern: each is a frame every request pays for.
struct ResponseHeadersMiddleware<Context: RequestContext>: RouterMiddleware {
    let cors: CORSAllowList

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        var response: Response
        if request.method == .options {
            response = cors.preflight(request)
        } else {
            response = try await next(request, context)
            cors.addOriginHeaders(for: request, to: &response.headers)
        }
        // Appended, not set through the subscript, whose search and replace was half of this middleware's cost:
        // no handler writes these two, and `Cache-Control` only when the answer has none.
        response.headers.append(HTTPField(name: .xRequestID, value: context.id))
        response.headers.append(HTTPField(name: .xContentTypeOptions, value: "nosniff"))
        if !response.headers.contains(.cacheControl) {
            response.headers.append(HTTPField(name: .cacheControl, value: "no-store"))
        }
        return response
    }
}
