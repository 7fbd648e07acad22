import Hummingbird

/// Counts every request and times it, by route template, method and status; and counts those being handled.
struct RequestMetricsMiddleware<Context: RequestContext>: RouterMiddleware {
    let metrics: AppMetrics

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        let start = ContinuousClock.now
        var status = 500
        defer {
            metrics.requestFinished(
                route: context.endpointPath ?? "unmatched", method: Self.label(request.method), status: status,
                duration: ContinuousClock.now - start)
        }
        let response = try await metrics.inFlight.handling { try await next(request, context) }
        status = response.status.code
        return response
    }

    /// The method as a metric label: one of the standard methods, or `OTHER`, so that clients inventing methods
    /// cannot grow the label sets (and the handle table) without bound.
    static func label(_ method: HTTPRequest.Method) -> String {
        switch method {
        case .get, .head, .post, .put, .delete, .connect, .options, .trace, .patch: method.rawValue
        default: "OTHER"
        }
    }
}
