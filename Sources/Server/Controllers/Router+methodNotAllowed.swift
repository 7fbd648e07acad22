import Hummingbird

extension Router {
    /// Answers 405 with an `Allow` header for the methods a route does not serve, TRACE included (OPTIONS stays
    /// with CORS). Called once every route is added: it reads them from the route table, and its handlers sit
    /// outside every group, so a wrong method gets 405 before any authentication or rate limit. A route that
    /// serves GET also serves HEAD, which the router generates from GET.
    func rejectOtherMethods() {
        let routesByPath = Dictionary(grouping: routes) { $0.path.description }
        for routes in routesByPath.values {
            let allowed = routes.map(\.method)
            let served = allowed.contains(.get) && !allowed.contains(.head) ? allowed + [.head] : allowed
            let others: [HTTPRequest.Method] = [.get, .head, .post, .put, .patch, .delete, .trace].filter { !served.contains($0) }
            for method in others {
                on(routes[0].path, method: method) { _, _ -> Response in
                    throw APIError.methodNotAllowed(allowed: served)
                }
            }
        }
    }
}
