import Foundation
import Hummingbird
import HummingbirdTesting
import Testing

@testable import AIWorkerServer

@Suite("Chat completions")
struct ChatRouteTests {
    @Test func answersAsJSONWithEveryCredentialKind() async throws {
        try await withApp { client in
            let user = try await client.registerUser()
            let key = try await client.createKey(token: user.token)
            for headers in [bearer(user.token), apiKeyHeader(key.key), bearer(key.key)] {
                let response = try await client.send(.post, "/chat/completions", json: helloChat, headers: headers)
                #expect(response.status == .ok)
                #expect(try response.json()["response"] as? String == "[mock @cf/meta/llama-3-8b-instruct] You said: Hello there")
                #expect(response.text == #"{"response":"[mock @cf/meta/llama-3-8b-instruct] You said: Hello there"}"#)
                #expect(response.headers[.contentType] == "application/json; charset=utf-8")
                #expect(response.headers[.contentLength] == String(response.text.utf8.count))
            }
        }
    }

    @Test func usesTheRequestedModel() async throws {
        try await withApp { client in
            let user = try await client.registerUser()
            let body = #"{"model":"tiny","messages":[{"role":"user","content":"Hi"}]}"#
            let response = try await client.send(.post, "/chat/completions", json: body, headers: bearer(user.token))
            #expect(try response.json()["response"] as? String == "[mock tiny] You said: Hi")
        }
    }

    @Test func answersPlainTextWhenAcceptPrefersIt() async throws {
        try await withApp { client in
            let user = try await client.registerUser()
            var headers = bearer(user.token)
            headers[.accept] = "text/plain"
            let response = try await client.send(.post, "/chat/completions", json: helloChat, headers: headers)
            #expect(response.status == .ok)
            #expect(response.headers[.contentType] == "text/plain; charset=utf-8")
            #expect(response.text == "[mock @cf/meta/llama-3-8b-instruct] You said: Hello there")
        }
    }

    @Test func defaultFormatSettingAppliesWithoutPreference() async throws {
        try await withApp(["chat.defaultFormat": "text"]) { client in
            let user = try await client.registerUser()
            let plain = try await client.send(.post, "/chat/completions", json: helloChat, headers: bearer(user.token))
            #expect(plain.text.hasPrefix("[mock"))
            var headers = bearer(user.token)
            headers[.accept] = "application/json"
            let json = try await client.send(.post, "/chat/completions", json: helloChat, headers: headers)
            #expect(try json.json()["response"] is String)
        }
    }

    @Test func unacceptableAcceptIs406() async throws {
        try await withApp { client in
            let user = try await client.registerUser()
            var headers = bearer(user.token)
            headers[.accept] = "image/png"
            let response = try await client.send(.post, "/chat/completions", json: helloChat, headers: headers)
            #expect(response.status == .notAcceptable)
        }
    }

    @Test func revokedKeyStopsWorkingAtOnce() async throws {
        try await withApp { client in
            let user = try await client.registerUser()
            let key = try await client.createKey(token: user.token)
            #expect(try await client.send(.post, "/chat/completions", json: helloChat, headers: apiKeyHeader(key.key)).status == .ok)
            _ = try await client.send(.post, "/api-keys/revoke/\(key.id)", headers: bearer(user.token))
            let response = try await client.send(.post, "/chat/completions", json: helloChat, headers: apiKeyHeader(key.key))
            #expect(response.status == .unauthorized)
            #expect(try response.errorCode() == "invalid_api_key")
        }
    }

    @Test(arguments: [
        (#"{}"#, "Invalid request format. Messages array is required."),
        (#"{"messages":"x"}"#, "Invalid request format. Messages array is required."),
        (#"{"messages":null}"#, "Invalid request format. Messages array is required."),
        (#"{"messages":[]}"#, "messages must contain at least one message."),
        (#"{"messages":[1]}"#, "messages[0] must be an object with a string 'role' and a string 'content'."),
        (#"{"messages":[{"role":"user","content":5}]}"#, "messages[0] must be an object with a string 'role' and a string 'content'."),
        (#"{"messages":[{"role":"user","content":"a"},{"role":"robot","content":"b"}]}"#, "messages[1].role must be one of system, user, assistant."),
        (#"{"messages":[{"role":"user","content":"a"}],"max_tokens":0}"#, "Field 'max_tokens' must be from 1 to 8192."),
        (#"{"messages":[{"role":"user","content":"a"}],"temperature":3}"#, "Field 'temperature' must be from 0 to 2."),
        (#"{"messages":[{"role":"user","content":"a"}],"model":1}"#, "Field 'model' must be a string."),
    ])
    func badMessagesAre400NamingTheProblem(body: String, message: String) async throws {
        try await withApp { client in
            let user = try await client.registerUser()
            let response = try await client.send(.post, "/chat/completions", json: body, headers: bearer(user.token))
            #expect(response.status == .badRequest)
            #expect(try response.json()["error"] as? String == message)
        }
    }

    @Test(arguments: ["../../accounts/other/tokens", "@cf/../../x", "a/./b", "a//b", "a b", "", "caf\u{e9}"])
    func aModelNameThatCouldLeaveItsURLPathIs400(model: String) async throws {
        try await withApp { client in
            let user = try await client.registerUser()
            let body = #"{"messages":[{"role":"user","content":"a"}],"model":"\#(model)"}"#
            let response = try await client.send(.post, "/chat/completions", json: body, headers: bearer(user.token))
            #expect(response.status == .badRequest)
            #expect(try response.errorCode() == "invalid_model")
            let openAI = try await client.send(.post, "/v1/chat/completions", json: body, headers: bearer(user.token))
            #expect(openAI.status == .badRequest)
            #expect((try openAI.json()["error"] as? [String: Any])?["param"] as? String == "model")
        }
    }

    @Test func modelNamesOfTheUsualShapesAreAccepted() async throws {
        try await withApp { client in
            let user = try await client.registerUser()
            for model in ["@cf/meta/llama-3-8b-instruct", "gpt-4o-mini", "org/model.v2_final"] {
                let body = #"{"messages":[{"role":"user","content":"a"}],"model":"\#(model)"}"#
                #expect(try await client.send(.post, "/chat/completions", json: body, headers: bearer(user.token)).status == .ok, "\(model)")
            }
        }
    }

    @Test func chatWithoutContentTypeIsAccepted() async throws {
        try await withApp { client in
            let user = try await client.registerUser()
            let response = try await client.execute(
                uri: "/chat/completions", method: .post, headers: bearer(user.token), body: ByteBuffer(string: helloChat))
            #expect(response.status == .ok)
        }
    }
}

@Suite("Model allow-list")
struct ModelAllowlistTests {
    @Test func onlyListedModelsAndTheDefaultMayBeNamed() async throws {
        try await withApp(["model.allowlist": "@cf/meta/llama-3.1-8b-instruct, gpt-4o-mini", "model.name": "@cf/meta/llama-3-8b-instruct"]) { client in
            let user = try await client.registerUser()
            func chat(_ model: String?) async throws -> TestResponse {
                let field = model.map { #","model":"\#($0)""# } ?? ""
                return try await client.send(
                    .post, "/chat/completions", json: #"{"messages":[{"role":"user","content":"hi"}]\#(field)}"#, headers: bearer(user.token))
            }
            #expect(try await chat(nil).status == .ok)
            #expect(try await chat("@cf/meta/llama-3-8b-instruct").status == .ok)
            #expect(try await chat("gpt-4o-mini").status == .ok)
            let refused = try await chat("@cf/other/model")
            #expect(refused.status == .badRequest)
            #expect(try refused.errorCode() == "model_not_allowed")
            #expect((try refused.json()["error"] as? String)?.contains("gpt-4o-mini") == true)
        }
        await #expect(throws: SettingsError.self) { _ = try await buildApplication(reader: testReader(["model.allowlist": "../../accounts"])) }
    }
}
