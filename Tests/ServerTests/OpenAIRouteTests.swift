import Foundation
import Hummingbird
import HummingbirdTesting
import Testing

@testable import AIWorkerServer

@Suite("OpenAI-compatible routes")
struct OpenAIRouteTests {
    @Test func chatCompletionHasOpenAIsShape() async throws {
        try await withApp { client in
            let key = try await client.createKey(token: client.registerUser().token)
            let response = try await client.send(
                .post, "/v1/chat/completions", json: #"{"model":"gpt-4o-mini","messages":[{"role":"user","content":"Hi"}]}"#,
                headers: bearer(key.key))
            #expect(response.status == .ok)
            let body = try response.json()
            #expect((body["id"] as? String)?.hasPrefix("chatcmpl-") == true)
            #expect(body["object"] as? String == "chat.completion")
            #expect(body["model"] as? String == "gpt-4o-mini")
            #expect(body["created"] is Int)
            let choice = try #require((body["choices"] as? [[String: Any]])?.first)
            #expect(choice["finish_reason"] as? String == "stop")
            #expect((choice["message"] as? [String: String]) == ["role": "assistant", "content": "[mock gpt-4o-mini] You said: Hi"])
            #expect((body["usage"] as? [String: Int])?["total_tokens"] == 6)
        }
    }

    @Test func streamSendsChunksThenUsageThenDone() async throws {
        try await withApp { client in
            let key = try await client.createKey(token: client.registerUser().token)
            let response = try await client.send(
                .post, "/v1/chat/completions",
                json: #"{"model":"m","stream":true,"stream_options":{"include_usage":true},"messages":[{"role":"user","content":"Hi"}]}"#,
                headers: bearer(key.key))
            let events = response.text.components(separatedBy: "\n\n").filter { !$0.isEmpty }
            #expect(events.last == "data: [DONE]")
            let chunks = try events.dropLast().map { event -> [String: Any] in
                try #require(JSONSerialization.jsonObject(with: Data(event.dropFirst(6).utf8)) as? [String: Any])
            }
            #expect(chunks.allSatisfy { $0["object"] as? String == "chat.completion.chunk" })
            #expect(Set(chunks.compactMap { $0["id"] as? String }).count == 1)
            let deltas = chunks.compactMap { (($0["choices"] as? [[String: Any]])?.first?["delta"] as? [String: Any])?["content"] as? String }
            #expect(deltas.joined() == "[mock m] You said: Hi")
            let stop = chunks.compactMap { ($0["choices"] as? [[String: Any]])?.first?["finish_reason"] as? String }
            #expect(stop == ["stop"])
            #expect((chunks.last?["usage"] as? [String: Int])?["prompt_tokens"] == 1)
        }
    }

    @Test func modelsListsTheDefaultModel() async throws {
        try await withApp(["model.name": "tiny-model"]) { client in
            let key = try await client.createKey(token: client.registerUser().token)
            let response = try await client.send(.get, "/v1/models", headers: bearer(key.key))
            let data = try #require(try response.json()["data"] as? [[String: Any]])
            #expect(data.first?["id"] as? String == "tiny-model")
            #expect(try response.json()["object"] as? String == "list")
        }
    }

    @Test func theModelListsRateLimitIsInOpenAIsShape() async throws {
        try await withApp(["rateLimit.chatPerMinute": "1"]) { client in
            let key = try await client.createKey(token: client.registerUser().token)
            #expect(try await client.send(.get, "/v1/models", headers: bearer(key.key)).status == .ok)
            let limited = try await client.send(.get, "/v1/models", headers: bearer(key.key))
            #expect(limited.status == .tooManyRequests && limited.headers[.retryAfter] != nil)
            let error = try #require(try limited.json()["error"] as? [String: Any])
            #expect(error["type"] as? String == "rate_limit_error" && error["message"] is String, "\(error)")
        }
    }

    @Test func aWrongMethodOrUnknownPathUnderV1IsInOpenAIsShapeToo() async throws {
        try await withApp { client in
            let wrongMethod = try await client.send(.post, "/v1/models")
            #expect(wrongMethod.status == .methodNotAllowed && wrongMethod.headers[.allow] == "GET, HEAD")
            let unknown = try await client.send(.get, "/v1/nope")
            #expect(unknown.status == .notFound)
            for (response, type) in [(wrongMethod, "invalid_request_error"), (unknown, "not_found_error")] {
                let error = try #require(try response.json()["error"] as? [String: Any])
                #expect(error["type"] as? String == type, "\(error)")
                #expect(error["message"] is String)
            }
        }
    }

    @Test(arguments: [
        ("", "Bearer nope", 401, "authentication_error", "invalid_token", nil as String?),
        (#"{"messages":[]}"#, "", 400, "invalid_request_error", "invalid_messages", "messages"),
        (#"{"messages":[{"role":"user","content":"x"}],"temperature":9}"#, "", 400, "invalid_request_error", "invalid_field", "temperature"),
        (#"{"messages":[{"role":"user","content":"x"}],"model":"no 'quotes' here"}"#, "", 400, "invalid_request_error", "invalid_model", "model"),
        (#"{"messages":[{"role":"robot","content":"x"}]}"#, "", 400, "invalid_request_error", "invalid_messages", "messages[0].role"),
    ])
    func errorsComeInOpenAIsShape(body: String, authorization: String, status: Int, type: String, code: String, param: String?) async throws {
        try await withApp { client in
            let key = try await client.createKey(token: client.registerUser().token)
            let response = try await client.send(
                .post, "/v1/chat/completions", json: body.isEmpty ? "{}" : body,
                headers: [.authorization: authorization.isEmpty ? "Bearer \(key.key)" : authorization])
            #expect(response.status.code == status)
            let error = try #require(try response.json()["error"] as? [String: Any])
            #expect(error["type"] as? String == type)
            #expect(error["code"] as? String == code)
            #expect(error["message"] is String)
            #expect((error["param"] as? String) == param)
        }
    }
}
