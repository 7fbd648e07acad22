import Hummingbird

/// Sets the request body limit (`HTTP_MAX_BODY_BYTES`) on the context, where the request decoder and the error
/// middleware read it. Added first, so every middleware after it sees the limit.
struct BodyLimitMiddleware: RouterMiddleware {
    let maxBytes: Int

    func handle(_ request: Request, context: AppRequestContext, next: (Request, AppRequestContext) async throws -> Response) async throws -> Response {
        var context = context
        context.maxUploadSize = maxBytes
        return try await next(request, context)
    }
}
