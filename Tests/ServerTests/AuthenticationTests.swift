import Crypto
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import JWTKit
import Testing

@testable import AIWorkerServer

/// Tokens a client might forge or replay; each must be refused with 401.
@Suite("Session token rules")
struct AuthenticationTests {
    /// A token with the given header and payload, signed with HMAC-SHA256 under `secret` (or unsigned).
    static func token(header: [String: Any], payload: [String: Any], secret: String? = testSecret) throws -> String {
        func part(_ object: [String: Any]) throws -> String {
            APIKeySecret.base64URL(Array(try JSONSerialization.data(withJSONObject: object)))
        }
        let input = "\(try part(header)).\(try part(payload))"
        guard let secret else { return input + "." }
        let signature = HMAC<SHA256>.authenticationCode(for: Data(input.utf8), using: SymmetricKey(data: Data(secret.utf8)))
        return input + "." + APIKeySecret.base64URL(Array(signature))
    }

    static func claims(userId: String, issuedAt: Date = .now, lifetime: TimeInterval = 3600) -> [String: Any] {
        ["sub": userId, "userId": userId, "iat": issuedAt.timeIntervalSince1970, "exp": (issuedAt + lifetime).timeIntervalSince1970]
    }

    /// The user id inside a token issued by the server.
    static func userId(of token: String) throws -> String {
        let payload = try #require(Data(base64URLEncoded: String(token.split(separator: ".")[1])))
        return try #require((try JSONSerialization.jsonObject(with: payload) as? [String: Any])?["userId"] as? String)
    }

    @Test func issuedTokenCarriesSubUserIdIatAndExp() async throws {
        let service = await SessionTokenService(secret: testSecret, lifetime: 86_400)
        let token = try await service.issue(userId: "user-1")
        let payload = try #require(Data(base64URLEncoded: String(token.split(separator: ".")[1])))
        let claims = try #require(try JSONSerialization.jsonObject(with: payload) as? [String: Any])
        #expect(claims["sub"] as? String == "user-1")
        #expect(claims["userId"] as? String == "user-1")
        let iat = try #require(claims["iat"] as? Double)
        #expect(try #require(claims["exp"] as? Double) - iat == 86_400)
        #expect(await service.verify(token)?.userId == "user-1")
    }

    @Test func handMadeValidTokenIsAccepted() async throws {
        try await withApp { client in
            let user = try await client.registerUser()
            let token = try Self.token(header: ["alg": "HS256", "typ": "JWT"], payload: Self.claims(userId: Self.userId(of: user.token)))
            #expect(try await client.send(.post, "/chat/completions", json: helloChat, headers: bearer(token)).status == .ok)
        }
    }

    @Test func forgedOrStaleTokensAreRefused() async throws {
        try await withApp { client in
            let user = try await client.registerUser()
            let id = try Self.userId(of: user.token)
            let hs256 = ["alg": "HS256", "typ": "JWT"]
            var noExpiry = Self.claims(userId: id)
            noExpiry["exp"] = nil
            let signature = user.token.split(separator: ".")[2]
            let tampered = try Self.token(header: hs256, payload: Self.claims(userId: "someone-else"), secret: nil) + signature
            var notYetValid = Self.claims(userId: id)
            notYetValid["nbf"] = Date.now.timeIntervalSince1970 + 3600
            let tokens = [
                "issued in the future": try Self.token(header: hs256, payload: Self.claims(userId: id, issuedAt: .now + 3600)),
                "not valid before an hour from now": try Self.token(header: hs256, payload: notYetValid),
                "expired": try Self.token(header: hs256, payload: Self.claims(userId: id, issuedAt: .now - 7200, lifetime: 3600)),
                "alg none": try Self.token(header: ["alg": "none", "typ": "JWT"], payload: Self.claims(userId: id), secret: nil),
                "HS512 header": try Self.token(header: ["alg": "HS512", "typ": "JWT"], payload: Self.claims(userId: id)),
                "original secret": try Self.token(header: hs256, payload: Self.claims(userId: id), secret: "your-secret-key"),
                "no exp": try Self.token(header: hs256, payload: noExpiry),
                "ghost user": try Self.token(header: hs256, payload: Self.claims(userId: "no-such-user")),
                "tampered payload": tampered,
                "garbage": "not.a.jwt",
            ]
            for (name, token) in tokens {
                let response = try await client.send(.post, "/chat/completions", json: helloChat, headers: bearer(token))
                #expect(response.status == .unauthorized, "\(name)")
                #expect(try response.errorCode() == "invalid_token", "\(name)")
            }
        }
    }

    @Test func bearerSchemeIsCaseInsensitive() {
        #expect(AuthenticationMiddleware.bearerToken("bearer abc") == "abc")
        #expect(AuthenticationMiddleware.bearerToken("Bearer  abc ") == "abc")
        #expect(AuthenticationMiddleware.bearerToken("Basic abc") == nil)
        #expect(AuthenticationMiddleware.bearerToken("Bearer") == nil)
        #expect(AuthenticationMiddleware.bearerToken("BEARER abc") == "abc" && AuthenticationMiddleware.bearerToken("bEaReR\tabc") == nil)
        #expect(AuthenticationMiddleware.bearerToken("Bearer\u{301} abc") == nil && AuthenticationMiddleware.bearerToken("Bearers abc") == nil)
        #expect(AuthenticationMiddleware.bearerToken("Bearer \tabc\u{A0}") == "abc" && AuthenticationMiddleware.bearerToken("Bearer   ") == nil)
        #expect(AuthenticationMiddleware.bearerToken("Bearer é") == "é")
    }

    @Test func xAPIKeyWinsOverAGarbageBearer() async throws {
        try await withApp { client in
            let user = try await client.registerUser()
            let key = try await client.createKey(token: user.token)
            var headers = apiKeyHeader(key.key)
            headers[.authorization] = "Bearer garbage"
            #expect(try await client.send(.post, "/chat/completions", json: helloChat, headers: headers).status == .ok)
        }
    }

    /// A credential field sent twice is read as both values joined, as `HTTPFields`' subscript reads it, so it is
    /// no credential at all: the server does not pick one of the two.
    @Test func aKeySentTwiceIsRefused() async throws {
        var fields = HTTPFields()
        fields.append(HTTPField(name: .xAPIKey, value: "one"))
        #expect(fields.value(of: .xAPIKey) == "one" && fields.value(of: .authorization) == nil)
        fields.append(HTTPField(name: .authorization, value: "Bearer x"))
        fields.append(HTTPField(name: .xAPIKey, value: "two"))
        #expect(fields.value(of: .xAPIKey) == "one, two" && fields.value(of: .xAPIKey) == fields[.xAPIKey])
        try await withApp { client in
            let user = try await client.registerUser()
            let key = try await client.createKey(token: user.token)
            var headers = apiKeyHeader(key.key)
            headers.append(HTTPField(name: .xAPIKey, value: key.key))
            let response = try await client.send(.post, "/chat/completions", json: helloChat, headers: headers)
            #expect(response.status == .unauthorized)
            #expect(try await client.send(.post, "/chat/completions", json: helloChat, headers: apiKeyHeader(key.key)).status == .ok)
        }
    }

    @Test func missingCredentialsAre401WithChallenge() async throws {
        try await withApp { client in
            let response = try await client.send(.post, "/chat/completions", json: helloChat)
            #expect(response.status == .unauthorized)
            #expect(response.headers[.wwwAuthenticate] == #"Bearer realm="ai-worker""#)
            #expect(try response.errorCode() == "authentication_required")
        }
    }
}
