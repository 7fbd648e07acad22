import Hummingbird

/// Behind a trusted proxy (`TRUSTED_PROXIES`), takes the client's address from `X-Forwarded-For`: the
/// rightmost address that is not itself a trusted proxy, since each proxy appends the address it saw. A peer
/// that is not trusted is the client, whatever it forwards, so nobody can pick the address they are limited by.
struct ClientAddressMiddleware: RouterMiddleware {
    typealias Context = AppRequestContext

    let trustedProxies: Set<String>

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        var context = context
        context.clientAddress = Self.client(peer: context.clientAddress, forwardedFor: request.headers[values: .xForwardedFor], trusted: trustedProxies)
        return try await next(request, context)
    }

    /// The client's address for a request from `peer` carrying these `X-Forwarded-For` fields.
    static func client(peer: String, forwardedFor fields: [String], trusted: Set<String>) -> String {
        guard trusted.contains(peer) else { return peer }
        let hops = fields.flatMap { $0.split(separator: ",") }.map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
        return hops.last { !trusted.contains($0) } ?? hops.first ?? peer
    }
}
