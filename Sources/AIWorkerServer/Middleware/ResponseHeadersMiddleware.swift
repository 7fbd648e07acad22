import HTTPTypes
import Hummingbird

/// Headers on every response: the request id (`X-Request-Id`), `X-Content-Type-Options: nosniff`, and
/// `Cache-Control: no-store`, since answers carry tokens, keys and private data.
struct ResponseHeadersMiddleware<Context: RequestContext>: RouterMiddleware {
    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        var response = try await next(request, context)
        response.headers[.xRequestID] = context.id
        response.headers[.xContentTypeOptions] = "nosniff"
        if response.headers[.cacheControl] == nil {
            response.headers[.cacheControl] = "no-store"
        }
        return response
    }
}
