import Hummingbird

extension RouterMethods {
    /// Answers 405 with an `Allow` header for the methods a route does not serve, TRACE included (OPTIONS stays
    /// with CORS). A route that serves GET also serves HEAD, which the router generates from GET.
    func rejectOtherMethods(_ path: RouterPath, allowed: [HTTPRequest.Method]) {
        let served = allowed.contains(.get) && !allowed.contains(.head) ? allowed + [.head] : allowed
        let others: [HTTPRequest.Method] = [.get, .head, .post, .put, .patch, .delete, .trace].filter { !served.contains($0) }
        for method in others {
            on(path, method: method) { _, _ -> Response in
                throw APIError.methodNotAllowed(allowed: served)
            }
        }
    }
}
