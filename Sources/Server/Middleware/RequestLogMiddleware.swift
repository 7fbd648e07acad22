import Hummingbird
import Logging

/// Logs each request as Hummingbird's `LogRequestsMiddleware` does (`Request`, with `hb.request.method` and
/// `hb.request.path`), but with the value of every query parameter that may carry a credential redacted: a client
/// that puts its key in the URL (`?api_key=…`, `?key=…`, `?access_token=…`) must not find it in the server's log.
struct RequestLogMiddleware<Context: RequestContext>: RouterMiddleware {
    let level: Logger.Level

    /// Parts of a parameter name that mark its value secret (`api_key`, `access_token`, `X-Amz-Signature`, `sig`).
    static var secretNameParts: [String] { ["key", "token", "secret", "password", "passwd", "auth", "session", "sig", "credential", "jwt"] }

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        context.logger.log(
            level: level, "Request",
            metadata: ["hb.request.path": .string(Self.redacted(path: request.uri.path, query: request.uri.query)), "hb.request.method": .string(request.method.rawValue)])
        return try await next(request, context)
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
