import Hummingbird

/// Sets the request body limits on the context, where the request decoder and the error middleware read them: its
/// size (`HTTP_MAX_BODY_BYTES`) and the time the whole body may take to arrive (`HTTP_BODY_TIMEOUT`). Added first,
/// so every middleware after it sees the limits.
struct BodyLimitMiddleware: RouterMiddleware {
    let maxBytes: Int
    let timeout: Duration

    func handle(_ request: Request, context: AppRequestContext, next: (Request, AppRequestContext) async throws -> Response) async throws -> Response {
        var context = context
        context.maxUploadSize = maxBytes
        context.bodyTimeout = timeout
        return try await next(request, context)
    }
}
