import Hummingbird

/// Answers 405 with an `Allow` header for any method a route's path does not serve: the standard ones, TRACE, and
/// any other token (`QUERY`, `PROPFIND`, …), where the router would answer 404. It sees only the requests no route
/// took (the router's not-found path), so a wrong method gets 405 before any authentication or rate limit. OPTIONS
/// stays with CORS. A route that serves GET also serves HEAD, which the router generates from GET.
struct MethodNotAllowedMiddleware<Context: RequestContext>: RouterMiddleware {
    /// Each route's path, as components, with the methods it serves.
    private let routes: [(components: [Substring], methods: [HTTPRequest.Method])]

    /// Built once every route is added, from the router's table; add it last, where it wraps the not-found path.
    init(routes: [Router<Context>.RouteDescription]) {
        self.routes = Dictionary(grouping: routes) { $0.path.description }.map { path, routes in
            let methods = routes.map(\.method)
            let served = methods.contains(.get) && !methods.contains(.head) ? methods + [.head] : methods
            return (path.split(separator: "/"), served)
        }
    }

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        do {
            return try await next(request, context)
        } catch let error as HTTPError where error.status == .notFound {
            guard request.method != .options, let served = methods(for: request.uri.path), !served.contains(request.method) else { throw error }
            throw APIError.methodNotAllowed(allowed: served)
        }
    }

    /// The methods served at `path`, nil when no route's path matches it.
    func methods(for path: String) -> [HTTPRequest.Method]? {
        let segments = path.split(separator: "/")
        let served = routes.filter { Self.matches($0.components, segments) }.flatMap(\.methods)
        return served.isEmpty ? nil : served
    }

    /// Whether a route path's components match a request path's segments: a capture (`{keyId}`) or `*` matches one
    /// segment, `**` the rest.
    static func matches(_ components: [Substring], _ segments: [Substring]) -> Bool {
        for (index, component) in components.enumerated() {
            if component == "**" { return true }
            guard index < segments.count else { return false }
            if component.contains("{") || component == "*" { continue }
            if component != segments[index] { return false }
        }
        return components.count == segments.count
    }
}
