import Foundation
import Hummingbird
import Logging

/// Logs each request once, when its answer is ready: method, path, status and duration in milliseconds (the
/// logger adds the request id, `hb.request.id`). A streamed answer is logged when its head goes out. The value of
/// every query parameter that may carry a credential is redacted: a client that puts its key in the URL
/// (`?api_key=…`, `?key=…`, `?access_token=…`) must not find it in the server's log.
struct RequestLogMiddleware<Context: RequestContext>: RouterMiddleware {
    let level: Logger.Level

    /// Parts of a parameter name that mark its value secret (`api_key`, `access_token`, `X-Amz-Signature`, `sig`).
    static var secretNameParts: [String] { ["key", "token", "secret", "password", "passwd", "auth", "session", "sig", "credential", "jwt"] }

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        let start = ContinuousClock.now
        do {
            let response = try await next(request, context)
            log(request, status: response.status.code, since: start, context: context)
            return response
        } catch {
            log(request, status: (error as? any HTTPResponseError)?.status.code ?? 500, since: start, context: context)
            throw error
        }
    }

    private func log(_ request: Request, status: Int, since start: ContinuousClock.Instant, context: Context) {
        let milliseconds = (ContinuousClock.now - start).seconds * 1_000
        context.logger.log(
            level: level, "Request",
            metadata: [
                "hb.request.method": .string(request.method.rawValue),
                "hb.request.path": .string(Self.redacted(path: request.uri.path, query: request.uri.query)),
                "hb.response.status": .stringConvertible(status),
                "duration_ms": .string(String(format: "%.1f", milliseconds)),
            ])
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
