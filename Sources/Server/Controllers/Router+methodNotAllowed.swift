import Hummingbird

extension RouterMethods {
    /// Answers 405 with an `Allow` header for the methods a route does not serve (OPTIONS stays with CORS).
    func rejectOtherMethods(_ path: RouterPath, allowed: [HTTPRequest.Method]) {
        let others: [HTTPRequest.Method] = [.get, .head, .post, .put, .patch, .delete].filter { !allowed.contains($0) }
        for method in others {
            on(path, method: method) { _, _ -> Response in
                throw APIError.methodNotAllowed(allowed: allowed)
            }
        }
    }
}
