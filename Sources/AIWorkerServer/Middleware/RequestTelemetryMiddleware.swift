import Foundation
import Hummingbird
import Logging

/// Counts, times and logs each request, once, when its answer is ready (a streamed answer when its head goes out):
/// - metrics by route template, method and status, and the count of requests being handled;
/// - a log line at `level`: method, path, status and duration in milliseconds (the logger adds the request id,
///   `hb.request.id`). The value of every query parameter that may carry a credential is redacted: a client that
///   puts its key in the URL (`?api_key=…`, `?key=…`, `?access_token=…`) must not find it in the server's log.
///
/// One middleware for both, so that a request pays for one frame and one clock reading, not two.
struct RequestTelemetryMiddleware<Context: RequestContext>: RouterMiddleware {
    let metrics: AppMetrics
    let level: Logger.Level

    /// Parts of a parameter name that mark its value secret (`api_key`, `access_token`, `X-Amz-Signature`, `sig`).
    static var secretNameParts: [String] { ["key", "token", "secret", "password", "passwd", "auth", "session", "sig", "credential", "jwt"] }

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        let start = ContinuousClock.now
        var status = 500
        defer {
            let duration = ContinuousClock.now - start
            metrics.requestFinished(route: context.endpointPath ?? "unmatched", method: Self.label(request.method), status: status, duration: duration)
            log(request, status: status, duration: duration, context: context)
        }
        do {
            let response = try await metrics.inFlight.handling { try await next(request, context) }
            status = response.status.code
            return response
        } catch {
            status = (error as? any HTTPResponseError)?.status.code ?? 500
            throw error
        }
    }

    private func log(_ request: Request, status: Int, duration: Duration, context: Context) {
        context.logger.log(
            level: level, "Request",
            metadata: [
                "hb.request.method": .string(request.method.rawValue),
                "hb.request.path": .string(Self.redacted(path: request.uri.path, query: request.uri.query)),
                "hb.response.status": .string(String(status)),
                "duration_ms": .string(Self.milliseconds(duration)),
            ])
    }

    /// The duration in milliseconds with one decimal (`12.3`), as `%.1f` writes it but without Foundation's
    /// formatter, which was an eighth of a logged request's log line.
    static func milliseconds(_ duration: Duration) -> String {
        let tenths = Int((duration.seconds * 10_000).rounded())
        return "\(tenths / 10).\(tenths % 10)"
    }

    /// The method as a metric label: one of the standard methods, or `OTHER`, so that clients inventing methods
    /// cannot grow the label sets (and the handle table) without bound.
    static func label(_ method: HTTPRequest.Method) -> String {
        switch method {
        case .get, .head, .post, .put, .delete, .connect, .options, .trace, .patch: method.rawValue
        default: "OTHER"
        }
    }

    /// The path and query as logged: each secret parameter's value replaced by `[redacted]`.
    static func redacted(path: String, query: String?) -> String {
        guard let query, !query.isEmpty else { return path }
        let items = query.split(separator: "&", omittingEmptySubsequences: false).map { item -> String in
            let name = item.prefix { $0 != "=" }
            let decoded = (String(name).replacingOccurrences(of: "+", with: " ").removingPercentEncoding ?? String(name)).lowercased()
            return secretNameParts.contains(where: decoded.contains) ? "\(name)=[redacted]" : String(item)
        }
        return path + "?" + items.joined(separator: "&")
    }
}
