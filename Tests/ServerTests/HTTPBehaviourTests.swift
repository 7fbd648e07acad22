import HTTPTypes
import Foundation
import Hummingbird
import HummingbirdTesting
import Testing

@testable import AIWorkerServer

@Suite("HTTP behaviour: errors, limits, CORS, headers")
struct HTTPBehaviourTests {
    @Test func unknownRouteIsJSON404() async throws {
        try await withApp { client in
            for path in ["/nope", "/v2/chat/completions", "/users", "/index.html"] {
                let response = try await client.send(.get, path)
                #expect(response.status == .notFound, "\(path)")
                #expect(try response.errorCode() == "not_found")
            }
        }
    }

    @Test func wrongMethodIs405WithAllow() async throws {
        try await withApp { client in
            let cases: [(HTTPRequest.Method, String, String)] = [
                (.get, "/register", "POST"), (.get, "/chat/completions", "POST"),
                (.post, "/api-keys/list", "GET, HEAD"), (.get, "/api-keys/revoke/abc", "POST"), (.delete, "/users/login", "POST"),
                (.trace, "/users/login", "POST"), (.trace, "/health", "GET, HEAD"), (.head, "/register", "POST"),
                // Methods no route knows of, WebDAV's and the new QUERY among them.
                (HTTPRequest.Method("QUERY")!, "/health", "GET, HEAD"), (HTTPRequest.Method("PROPFIND")!, "/api-keys/revoke/abc", "POST"),
                (HTTPRequest.Method("BREW")!, "/chat/completions", "POST"),
            ]
            for (method, path, allowed) in cases {
                let response = try await client.send(method, path)
                #expect(response.status == .methodNotAllowed, "\(method) \(path)")
                #expect(response.headers[.allow] == allowed)
                #expect(try response.errorCode() == "method_not_allowed")
            }
            #expect(try await client.send(HTTPRequest.Method("QUERY")!, "/no-such-route").status == .notFound)
        }
    }

    @Test func headOnAGetRouteAnswersLikeGetWithoutABody() async throws {
        try await withApp { client in
            let get = try await client.send(.get, "/health")
            let head = try await client.send(.head, "/health")
            #expect(head.status == .ok)
            #expect(head.body.readableBytes == 0)
            #expect(head.headers[.contentType] == get.headers[.contentType])
            let user = try await client.registerUser()
            #expect(try await client.send(.head, "/api-keys/list", headers: bearer(user.token)).status == .ok)
            #expect(try await client.send(.head, "/api-keys/list").status == .unauthorized)
        }
    }

    @Test func bodyOverTheLimitIs413() async throws {
        try await withApp(["http.maxBodyBytes": "2048"]) { client in
            let big = #"{"email":"a@example.com","password":""# + String(repeating: "x", count: 4096) + #""}"#
            let response = try await client.send(.post, "/register", json: big)
            #expect(response.status == .contentTooLarge)
            #expect(try response.errorCode() == "body_too_large")
        }
    }

    @Test func nonJSONContentTypeIs415() async throws {
        try await withApp { client in
            let response = try await client.send(
                .post, "/register", json: "email=a", headers: [.contentType: "application/x-www-form-urlencoded"])
            #expect(response.status == .unsupportedMediaType)
            #expect(try response.errorCode() == "unsupported_media_type")
        }
    }

    @Test func preflightAllowsAuthorization() async throws {
        try await withApp { client in
            let response = try await client.send(
                .options, "/chat/completions",
                headers: [.origin: "https://example.com", .accessControlRequestMethod: "POST", .accessControlRequestHeaders: "Authorization"])
            #expect(response.status == .noContent)
            #expect(response.headers[.accessControlAllowOrigin] == "*")
            #expect(response.headers[.accessControlAllowHeaders]?.contains("Authorization") == true)
            #expect(response.headers[.accessControlAllowHeaders]?.contains("X-API-Key") == true)
            #expect(response.headers[.accessControlAllowMethods] == "GET, POST, OPTIONS")
            #expect(response.headers[.accessControlMaxAge] == "600")
        }
    }

    @Test func configuredOriginsAreTheOnlyOnesAllowed() async throws {
        try await withApp(["cors.origins": "https://app.example.com, https://admin.example.com"]) { client in
            let allowed = try await client.send(.get, "/nope", headers: [.origin: "https://app.example.com"])
            #expect(allowed.headers[.accessControlAllowOrigin] == "https://app.example.com")
            #expect(allowed.headers[.vary] == "Origin")
            let other = try await client.send(.get, "/nope", headers: [.origin: "https://evil.example.com"])
            #expect(other.headers[.accessControlAllowOrigin] == nil)
        }
    }

    @Test func everyResponseCarriesSecurityHeadersAndRequestId() async throws {
        try await withApp { client in
            let user = try await client.registerUser()
            for response in [
                try await client.send(.post, "/login", json: #"{"email":"\#(user.email)","password":"\#(user.password)"}"#),
                try await client.send(.get, "/nope"),
            ] {
                #expect(response.headers[.xContentTypeOptions] == "nosniff")
                #expect(response.headers[.cacheControl] == "no-store")
                #expect(response.headers[HTTPField.Name("X-Request-Id")!]?.isEmpty == false)
            }
        }
    }

    /// A credential in a query string never reaches the request log: secret-looking parameters are redacted.
    @Test func secretQueryParametersAreRedactedInTheRequestLog() {
        typealias Log = RequestTelemetryMiddleware<AppRequestContext>
        #expect(Log.redacted(path: "/stats", query: "api_key=sk-abc&limit=2") == "/stats?api_key=[redacted]&limit=2")
        #expect(Log.redacted(path: "/x", query: "Key=1&access%5Ftoken=t&X-Amz-Signature=s&cursor=c") == "/x?Key=[redacted]&access%5Ftoken=[redacted]&X-Amz-Signature=[redacted]&cursor=c")
        #expect(Log.redacted(path: "/health", query: nil) == "/health")
        #expect(Log.redacted(path: "/list", query: "cursor=abc&flag") == "/list?cursor=abc&flag")
    }

    /// The request log's `duration_ms` reads as `%.1f` would write it.
    @Test func theLoggedDurationHasOneDecimal() {
        typealias Log = RequestTelemetryMiddleware<AppRequestContext>
        for microseconds in [0, 40, 51, 949, 1_000, 12_345, 99_960, 1_234_567, 86_400_000_123] {
            let duration = Duration.microseconds(microseconds)
            #expect(Log.milliseconds(duration) == String(format: "%.1f", Double(microseconds) / 1_000), "\(microseconds) µs")
        }
    }
}
