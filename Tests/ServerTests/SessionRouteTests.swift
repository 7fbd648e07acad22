import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Testing

@testable import AIWorkerServer

/// `POST /logout` and `POST /sessions/revoke-all`: an ended session is refused on its next request, on every
/// instance of the database.
@Suite("Session revocation")
struct SessionRouteTests {
    @Test func logoutEndsOnlyThePresentedSession() async throws {
        try await withApp { client in
            let user = try await client.registerUser()
            let second = try await client.send(.post, "/login", json: #"{"email":"\#(user.email)","password":"\#(user.password)"}"#)
            let other = try second.json()["token"] as! String
            let logout = try await client.send(.post, "/logout", headers: bearer(user.token))
            #expect(logout.status == .ok)
            #expect(try logout.json()["message"] as? String == "Logged out")
            let refused = try await client.send(.get, "/api-keys/list", headers: bearer(user.token))
            #expect(refused.status == .unauthorized)
            #expect(try refused.errorCode() == "invalid_token")
            #expect(try await client.send(.post, "/chat/completions", json: helloChat, headers: bearer(user.token)).status == .unauthorized)
            #expect(try await client.send(.get, "/api-keys/list", headers: bearer(other)).status == .ok)
        }
    }

    @Test func revokeAllEndsEverySessionAndANewLoginWorksAtOnce() async throws {
        try await withApp { client in
            let user = try await client.registerUser()
            let login = #"{"email":"\#(user.email)","password":"\#(user.password)"}"#
            let other = try await client.send(.post, "/login", json: login).json()["token"] as! String
            let key = try await client.createKey(token: user.token)
            let revoked = try await client.send(.post, "/sessions/revoke-all", headers: bearer(other))
            #expect(revoked.status == .ok)
            #expect((try revoked.json()["revoked_before"] as? String).flatMap { try? Date($0, strategy: .iso8601) } != nil)
            for token in [user.token, other] {
                #expect(try await client.send(.get, "/api-keys/list", headers: bearer(token)).status == .unauthorized)
            }
            // Within the same second: the new token's iat is lifted to the cut-off, so it counts.
            let fresh = try await client.send(.post, "/login", json: login).json()["token"] as! String
            #expect(try await client.send(.get, "/api-keys/list", headers: bearer(fresh)).status == .ok)
            #expect(try await client.send(.post, "/chat/completions", json: helloChat, headers: apiKeyHeader(key.key)).status == .ok,
                    "API keys are not sessions: they stay until revoked")
        }
    }

    @Test func anAPIKeyCannotEndSessions() async throws {
        try await withApp { client in
            let user = try await client.registerUser()
            let key = try await client.createKey(token: user.token)
            for path in ["/logout", "/sessions/revoke-all"] {
                let response = try await client.send(.post, path, headers: apiKeyHeader(key.key))
                #expect(response.status == .forbidden)
                #expect(try response.errorCode() == "api_key_not_allowed")
                #expect(try await client.send(.post, path).status == .unauthorized)
                #expect(try await client.send(.get, path, headers: bearer(user.token)).status == .methodNotAllowed)
            }
            #expect(try await client.send(.get, "/api-keys/list", headers: bearer(user.token)).status == .ok)
        }
    }

    @Test func aTokenWithoutAnIdIsLoggedOutWithEveryOtherSession() async throws {
        try await withApp { client in
            let user = try await client.registerUser()
            let userId = try AuthenticationTests.userId(of: user.token)
            let old = try AuthenticationTests.token(
                header: ["alg": "HS256", "typ": "JWT"], payload: AuthenticationTests.claims(userId: userId, issuedAt: .now - 5))
            #expect(try await client.send(.get, "/api-keys/list", headers: bearer(old)).status == .ok)
            let logout = try await client.send(.post, "/logout", headers: bearer(old))
            #expect(logout.status == .ok)
            #expect((try logout.json()["message"] as? String)?.contains("every session") == true)
            #expect(try await client.send(.get, "/api-keys/list", headers: bearer(old)).status == .unauthorized)
            #expect(try await client.send(.get, "/api-keys/list", headers: bearer(user.token)).status == .unauthorized)
        }
    }

    @Test func aSessionEndedOnOneInstanceIsRefusedByAnotherOnTheSameDatabase() async throws {
        try await withTwoInstances { a, b in
            let user = try await a.registerUser()
            #expect(try await b.send(.get, "/api-keys/list", headers: bearer(user.token)).status == .ok)
            #expect(try await a.send(.post, "/logout", headers: bearer(user.token)).status == .ok)
            #expect(try await b.send(.get, "/api-keys/list", headers: bearer(user.token)).status == .unauthorized)
        }
    }
}
