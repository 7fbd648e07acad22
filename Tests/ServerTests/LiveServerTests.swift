import Foundation
import Hummingbird
import HummingbirdTesting
import Testing

@testable import AIWorkerServer

@Suite("Live socket")
struct LiveServerTests {
    @Test func readmeFlowWorksOverARealSocket() async throws {
        let app = try await buildApplication(reader: testReader())
        try await app.test(.live) { client in
            let user = try await client.registerUser(email: "alice@example.com", password: "secret123")
            let login = try await client.send(.post, "/login", json: #"{"email":"alice@example.com","password":"secret123"}"#)
            #expect(login.status == .ok)
            let token = try #require(try login.json()["token"] as? String)
            #expect(!token.isEmpty && !user.token.isEmpty)
            let key = try await client.createKey(token: token, name: "my key")
            let chat = try await client.send(.post, "/chat/completions", json: helloChat, headers: apiKeyHeader(key.key))
            #expect(chat.status == .ok)
            #expect(try chat.json()["response"] as? String == "[mock @cf/meta/llama-3-8b-instruct] You said: Hello there")
            #expect(try await client.send(.post, "/api-keys/revoke/\(key.id)", headers: bearer(token)).status == .ok)
            #expect(try await client.send(.post, "/chat/completions", json: helloChat, headers: apiKeyHeader(key.key)).status == .unauthorized)
        }
    }
}
