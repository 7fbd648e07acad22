import Foundation
import Hummingbird
import HummingbirdTesting
import Testing

@testable import AIWorkerServer

@Suite("API keys")
struct APIKeyRouteTests {
    @Test func createReturnsKeyOnceWithItsMetadata() async throws {
        try await withApp { client in
            let user = try await client.registerUser()
            let response = try await client.send(.post, "/api-keys/create", json: #"{"name":"my key"}"#, headers: bearer(user.token))
            #expect(response.status == .ok)
            let body = try response.json()
            let key = try #require(body["key"] as? String)
            #expect(key.hasPrefix("sk-") && key.count >= 35)
            #expect(body["message"] as? String == "API key created successfully. Save this key as it won't be shown again.")
            #expect(body["name"] as? String == "my key")
            #expect(key.hasPrefix(try #require(body["prefix"] as? String)))
            #expect((body["created_at"] as? String)?.hasSuffix("Z") == true)
            #expect(body["id"] is String)
        }
    }

    @Test func listShowsKeysWithoutSecretsAndRevocation() async throws {
        try await withApp { client in
            let user = try await client.registerUser()
            let first = try await client.createKey(token: user.token, name: "first")
            _ = try await client.createKey(token: user.token, name: "second")
            #expect(try await client.send(.post, "/api-keys/revoke/\(first.id)", headers: bearer(user.token)).status == .ok)
            let response = try await client.send(.get, "/api-keys/list", headers: bearer(user.token))
            #expect(response.status == .ok)
            let keys = try response.jsonArray()
            #expect(keys.map { $0["name"] as? String } == ["first", "second"])
            #expect(keys.map { $0["active"] as? Bool } == [false, true])
            #expect(Set(keys[0].keys) == ["id", "name", "active", "prefix", "created_at", "last_used_at"])
            #expect(!response.text.contains(first.key))
        }
    }

    @Test func noAnswerEverCarriesAPasswordAHashOrAKeyAfterCreation() async throws {
        try await withApp { client in
            let user = try await client.registerUser(password: "correct horse battery")
            let key = try await client.createKey(token: user.token, name: "' OR 1=1; DROP TABLE api_keys; --")
            var answers = [
                try await client.send(.post, "/login", json: #"{"email":"\#(user.email)","password":"correct horse battery"}"#),
                try await client.send(.get, "/api-keys/list", headers: bearer(user.token)),
                try await client.send(.post, "/chat/completions", json: helloChat, headers: apiKeyHeader(key.key)),
                try await client.send(.post, "/api-keys/revoke/\(key.id)", headers: bearer(user.token)),
            ]
            answers.append(try await client.send(.post, "/register", json: #"{"email":"\#(user.email)","password":"correct horse battery"}"#))
            let hash = APIKeySecret.hash(key.key)
            for answer in answers {
                #expect(!answer.text.contains("correct horse battery"))
                #expect(!answer.text.contains("$2b$") && !answer.text.contains(hash))
                #expect(!answer.text.contains(key.key))
            }
            #expect(try answers[1].jsonArray().first?["name"] as? String == "' OR 1=1; DROP TABLE api_keys; --")
        }
    }

    @Test func lastUsedAtIsSetWhenTheKeyIsUsed() async throws {
        try await withApp { client in
            let user = try await client.registerUser()
            let key = try await client.createKey(token: user.token)
            #expect(try await client.send(.get, "/api-keys/list", headers: bearer(user.token)).jsonArray()[0]["last_used_at"] is NSNull)
            _ = try await client.send(.post, "/chat/completions", json: helloChat, headers: apiKeyHeader(key.key))
            let used = try await client.send(.get, "/api-keys/list", headers: bearer(user.token)).jsonArray()[0]
            #expect((used["last_used_at"] as? String)?.hasSuffix("Z") == true)
        }
    }

    @Test func revokingTwiceSucceeds() async throws {
        try await withApp { client in
            let user = try await client.registerUser()
            let key = try await client.createKey(token: user.token)
            for _ in 0..<2 {
                let response = try await client.send(.post, "/api-keys/revoke/\(key.id)", headers: bearer(user.token))
                #expect(response.status == .ok)
                #expect(try response.json()["message"] as? String == "API key revoked successfully")
            }
        }
    }

    /// A NUL byte in a key id or a cursor names no key, in a login email no user, and a key name cannot hold one, on
    /// SQLite and on PostgreSQL alike (whose text cannot hold it).
    @Test func aNulInAKeyIdOrACursorIsNotFound() async throws {
        try await withApp { client in
            let user = try await client.registerUser()
            _ = try await client.createKey(token: user.token)
            let revoke = try await client.send(.post, "/api-keys/revoke/%00", headers: bearer(user.token))
            #expect(revoke.status == .notFound)
            #expect(try revoke.errorCode() == "api_key_not_found")
            let named = try await client.send(.post, "/api-keys/create", json: #"{"name":"a\u0000b"}"#, headers: bearer(user.token))
            #expect(named.status == .badRequest)
            let login = try await client.send(.post, "/login", json: #"{"email":"a\u0000@example.com","password":"valid password"}"#)
            #expect(login.status == .unauthorized)
            let list = try await client.send(.get, "/api-keys/list?limit=1&cursor=a%00b", headers: bearer(user.token))
            #expect(list.status == .notFound)
            #expect(try list.errorCode() == "cursor_not_found")
        }
    }

    @Test func aKeyNameIsKeptAsWrittenWithinOneTo100Characters() async throws {
        try await withApp { client in
            let user = try await client.registerUser()
            #expect(try await client.send(.post, "/api-keys/create", json: #"{"name":" "}"#, headers: bearer(user.token)).status == .ok)
            #expect(try await client.send(.post, "/api-keys/create", json: #"{"name":""}"#, headers: bearer(user.token)).status == .badRequest)
            let hundred = String(repeating: "é", count: 100)
            #expect(try await client.send(.post, "/api-keys/create", json: #"{"name":"\#(hundred)"}"#, headers: bearer(user.token)).status == .ok)
            let list = try await client.send(.get, "/api-keys/list", headers: bearer(user.token))
            #expect(try list.jsonArray().map { $0["name"] as? String } == [" ", hundred])
        }
    }

    @Test func aPercentEncodedKeyIdNamesTheSameKey() async throws {
        try await withApp { client in
            let user = try await client.registerUser()
            let key = try await client.createKey(token: user.token)
            let encoded = key.id.unicodeScalars.map { String(format: "%%%02X", $0.value) }.joined()
            #expect(try await client.send(.post, "/api-keys/revoke/\(encoded)", headers: bearer(user.token)).status == .ok)
            #expect(try await client.send(.post, "/chat/completions", json: helloChat, headers: apiKeyHeader(key.key)).status == .unauthorized)
        }
    }

    @Test func revokingUnknownOrForeignKeyIs404AndForeignKeyKeepsWorking() async throws {
        try await withApp { client in
            let alice = try await client.registerUser()
            let bob = try await client.registerUser()
            let bobKey = try await client.createKey(token: bob.token)
            let unknown = try await client.send(.post, "/api-keys/revoke/does-not-exist", headers: bearer(alice.token))
            let foreign = try await client.send(.post, "/api-keys/revoke/\(bobKey.id)", headers: bearer(alice.token))
            #expect(unknown.status == .notFound)
            #expect(foreign.status == .notFound)
            #expect(try unknown.json() as NSDictionary == foreign.json() as NSDictionary)
            let chat = try await client.send(.post, "/chat/completions", json: helloChat, headers: apiKeyHeader(bobKey.key))
            #expect(chat.status == .ok)
        }
    }

    @Test func apiKeyCannotManageKeys() async throws {
        try await withApp { client in
            let user = try await client.registerUser()
            let key = try await client.createKey(token: user.token)
            for headers in [apiKeyHeader(key.key), bearer(key.key)] {
                let create = try await client.send(.post, "/api-keys/create", json: #"{"name":"minted"}"#, headers: headers)
                #expect(create.status == .forbidden)
                #expect(try create.errorCode() == "api_key_not_allowed")
                #expect(try await client.send(.get, "/api-keys/list", headers: headers).status == .forbidden)
                #expect(try await client.send(.post, "/api-keys/revoke/\(key.id)", headers: headers).status == .forbidden)
            }
        }
    }

    @Test func keyRoutesRequireAuthentication() async throws {
        try await withApp { client in
            let response = try await client.send(.get, "/api-keys/list")
            #expect(response.status == .unauthorized)
            #expect(response.headers[.wwwAuthenticate] != nil)
            #expect(try response.errorCode() == "authentication_required")
        }
    }

    @Test(arguments: [#"{}"#, #"{"name":""}"#, #"{"name":7}"#, #"{"name":"\#(String(repeating: "n", count: 101))"}"#])
    func badKeyNameIs400(body: String) async throws {
        try await withApp { client in
            let user = try await client.registerUser()
            let response = try await client.send(.post, "/api-keys/create", json: body, headers: bearer(user.token))
            #expect(response.status == .badRequest)
            _ = try response.errorCode()
        }
    }
}

@Suite("API key cap and pages")
struct APIKeyCapAndPageTests {
    @Test func aUserHoldsAtMostTheCapOfActiveKeys() async throws {
        try await withApp(["apiKeys.perUser": "2"]) { client in
            let user = try await client.registerUser()
            let first = try await client.createKey(token: user.token)
            _ = try await client.createKey(token: user.token)
            let third = try await client.send(.post, "/api-keys/create", json: #"{"name":"third"}"#, headers: bearer(user.token))
            #expect(third.status == .conflict)
            #expect(try third.errorCode() == "api_key_limit")
            #expect(try await client.send(.post, "/api-keys/revoke/\(first.id)", headers: bearer(user.token)).status == .ok)
            #expect(try await client.send(.post, "/api-keys/create", json: #"{"name":"third"}"#, headers: bearer(user.token)).status == .ok,
                    "revoked keys do not count")
        }
    }

    @Test func theListIsPagedWithALinkHeaderOnlyWhenALimitIsGiven() async throws {
        try await withApp { client in
            let user = try await client.registerUser()
            for _ in 0..<5 { _ = try await client.createKey(token: user.token) }
            let all = try await client.send(.get, "/api-keys/list", headers: bearer(user.token))
            #expect(try JSONSerialization.jsonObject(with: Data(buffer: all.body)) as? [Any] != nil, "a plain array, as before")
            #expect(all.headers[.link] == nil)
            var seen: [String] = []
            var next: String? = "/api-keys/list?limit=2"
            while let uri = next {
                let page = try await client.send(.get, uri, headers: bearer(user.token))
                #expect(page.status == .ok)
                let keys = try #require(try JSONSerialization.jsonObject(with: Data(buffer: page.body)) as? [[String: Any]])
                seen += keys.compactMap { $0["id"] as? String }
                next = page.headers[.link].flatMap { $0.split(separator: ">").first.map { String($0.dropFirst()) } }
                #expect(seen.count <= 5)
            }
            let everyId = try #require(try JSONSerialization.jsonObject(with: Data(buffer: all.body)) as? [[String: Any]]).compactMap { $0["id"] as? String }
            #expect(seen == everyId)
            #expect(try await client.send(.get, "/api-keys/list?limit=1001", headers: bearer(user.token)).status == .badRequest)
            #expect(try await client.send(.get, "/api-keys/list?limit=2&cursor=nope", headers: bearer(user.token)).status == .notFound)
        }
    }
}
