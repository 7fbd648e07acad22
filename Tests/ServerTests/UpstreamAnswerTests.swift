import Foundation
import Hummingbird
import HummingbirdTesting
import Testing

@testable import AIWorkerServer

/// What a real upstream does that the happy path does not: an answer that stalls after its headers, silence in
/// the middle of a stream, errors with a reason in their body, an error in the middle of a stream.
@Suite("Upstream answers")
struct UpstreamAnswerTests {
    static let streamed = #"{"stream":true,"messages":[{"role":"user","content":"x"}]}"#

    static func openAI(port: Int, _ extra: [String: String] = [:]) -> [String: String] {
        ["model.backend": "openai", "openai.baseUrl": "http://127.0.0.1:\(port)/v1", "openai.apiKey": ModelBackendTests.upstreamToken,
         "upstream.timeout": "30"].merging(extra) { $1 }
    }

    private func events(_ text: String) -> [String] {
        text.components(separatedBy: "\n\n").filter { !$0.isEmpty }
    }

    @Test func aBodyThatComesAfterTheDeadlineIs504() async throws {
        try await TestUpstream(.slowBody(delay: .seconds(30))).run { port in
            try await withApp(ModelBackendTests.workersAI(port: port, ["upstream.timeout": "1"])) { client in
                let user = try await client.registerUser()
                let start = ContinuousClock.now
                let response = try await client.send(.post, "/chat/completions", json: helloChat, headers: bearer(user.token))
                #expect(response.status == .gatewayTimeout)
                #expect(try response.errorCode() == "upstream_timeout")
                // Well under the body's 30 s, with room for a loaded machine's scheduling.
                #expect(ContinuousClock.now - start < .seconds(20), "the deadline bounds the body, not only the headers")
            }
        }
    }

    @Test func aStreamThatStallsPastTheDeadlineEndsWithAnErrorAndNoDone() async throws {
        // A deadline of 4 s, so the first piece comes within it on a loaded machine; the pause of 30 s is far past it.
        try await TestUpstream(.stream(events: 3, pause: .seconds(30), cut: false)).run { port in
            try await withApp(ModelBackendTests.workersAI(port: port, ["upstream.timeout": "4"])) { client in
                let user = try await client.registerUser()
                let start = ContinuousClock.now
                let response = try await client.send(.post, "/chat/completions", json: Self.streamed, headers: bearer(user.token))
                let events = events(response.text)
                #expect(events.first == #"data: {"response":"piece0 "}"#)
                #expect(events.last?.hasPrefix("event: error\n") == true)
                #expect(events.last?.contains("upstream_timeout") == true && events.last?.contains("did not answer in time") == true)
                #expect(!events.contains("data: [DONE]"))
                // Under the 30 s pause, with room for a loaded machine's scheduling.
                #expect(ContinuousClock.now - start < .seconds(20))
            }
        }
    }

    @Test func silenceLongerThanTheIdleTimeoutEndsTheStream() async throws {
        // A pause of 30 s: the 1 s idle timeout must end the stream well before it, even on a loaded machine.
        try await TestUpstream(.stream(events: 3, pause: .seconds(30), cut: false)).run { port in
            let settings = ModelBackendTests.workersAI(port: port, ["upstream.timeout": "60", "upstream.idleTimeout": "1"])
            try await withApp(settings) { client in
                let user = try await client.registerUser()
                let start = ContinuousClock.now
                let response = try await client.send(.post, "/chat/completions", json: Self.streamed, headers: bearer(user.token))
                let last = try #require(events(response.text).last)
                #expect(last.contains("upstream_timeout") && last.contains("went silent for more than 1 s"), "\(last)")
                #expect(ContinuousClock.now - start < .seconds(20), "the idle timeout, not the pause or the 60 s deadline, ended it")
            }
        }
    }

    @Test func aStreamWithPiecesInsideTheIdleTimeoutIsNotCut() async throws {
        // 12 s of pieces 400 ms apart, past an 8 s idle timeout: room for a busy machine's pauses (CI's CPU hogs
        // held one piece back past a 3 s one).
        try await TestUpstream(.stream(events: 30, pause: .milliseconds(400), cut: false)).run { port in
            let settings = ModelBackendTests.workersAI(port: port, ["upstream.timeout": "60", "upstream.idleTimeout": "8"])
            try await withApp(settings) { client in
                let user = try await client.registerUser()
                let response = try await client.send(.post, "/chat/completions", json: Self.streamed, headers: bearer(user.token))
                #expect(events(response.text).last == "data: [DONE]")
            }
        }
    }

    /// Upstream client errors become ours with the upstream's reason; its credentials never show.
    @Test(arguments: [
        (400, #"{"error":{"message":"Invalid model name passed in model=nope. Call `/v1/models` to view available models for your key.","type":"invalid_request_error","code":"400"}}"#,
         400, "upstream_rejected", "Invalid model name passed in model=nope"),
        (404, #"{"error":{"message":"The model `nope` does not exist","type":"invalid_request_error","code":"model_not_found"}}"#,
         404, "model_not_found", "The model `nope` does not exist"),
        (422, #"{"detail":"x","message":"max_tokens must be at most 4096"}"#, 400, "upstream_rejected", "max_tokens must be at most 4096"),
        (401, #"{"error":{"message":"Incorrect API key provided: upstream-token-that-must-not-leak"}}"#, 502, "upstream_auth_failed", "credentials"),
        (400, #"{"error":{"message":"No connected db.","type":"no_db_connection","param":null,"code":"400"}}"#, 502, "upstream_auth_failed", "configuration"),
        (404, "<html>Not Found</html>", 502, "upstream_error", "HTTP 404"),
        (400, #"{"error":"bad key sk-abcdefghijklmnop and Bearer abc.def and upstream-token-that-must-not-leak"}"#, 400, "upstream_rejected", "sk-[redacted]"),
    ])
    func upstreamClientErrorsKeepTheirReason(status: Int, body: String, ours: Int, code: String, says: String) async throws {
        try await TestUpstream(.error(status: status, body: body)).run { port in
            try await withApp(Self.openAI(port: port)) { client in
                let user = try await client.registerUser()
                let response = try await client.send(.post, "/chat/completions", json: helloChat, headers: bearer(user.token))
                #expect(response.status.code == ours)
                #expect(try response.errorCode() == code)
                let message = try #require(try response.json()["error"] as? String)
                #expect(message.contains(says), "\(message)")
                #expect(!response.text.contains(ModelBackendTests.upstreamToken))
                #expect(!response.text.contains("abcdefghijklmnop") && !response.text.contains("abc.def"))
            }
        }
    }

    @Test func onV1TheReasonComesInOpenAIsShapeAndIsNotRetriedOnTheFallback() async throws {
        let body = #"{"error":{"message":"Invalid model name passed in model=nope","type":"invalid_request_error","code":"400"}}"#
        try await TestUpstream(.error(status: 400, body: body)).run { port in
            try await withApp(Self.openAI(port: port, ["model.fallback": "mock"])) { client in
                let user = try await client.registerUser()
                let response = try await client.send(.post, "/v1/chat/completions", json: helloChat, headers: bearer(user.token))
                #expect(response.status == .badRequest, "a refused request is the client's: the fallback would refuse it too")
                let error = try #require(try response.json()["error"] as? [String: Any])
                #expect(error["code"] as? String == "upstream_rejected")
                #expect(error["type"] as? String == "invalid_request_error")
                #expect(error["param"] is NSNull, "a quoted backend name in the message is not a request field")
                #expect((error["message"] as? String)?.contains("Invalid model name") == true)
            }
        }
    }

    @Test func anErrorInTheMiddleOfAStreamKeepsItsMessageInEachRoutesShape() async throws {
        try await TestUpstream(.streamError(message: "the model crashed")).run { port in
            try await withApp(Self.openAI(port: port)) { client in
                let user = try await client.registerUser()
                let v1 = try await client.send(.post, "/v1/chat/completions", json: Self.streamed, headers: bearer(user.token))
                let last = try #require(events(v1.text).last)
                #expect(last.hasPrefix("event: error\ndata: "))
                let data = try #require(last.components(separatedBy: "data: ").last?.data(using: .utf8))
                let error = try #require((try JSONSerialization.jsonObject(with: data) as? [String: Any])?["error"] as? [String: Any])
                #expect((error["message"] as? String)?.contains("the model crashed") == true, "\(error)")
                #expect(error["code"] as? String == "upstream_error")
                #expect(error["type"] as? String == "api_error")
                #expect(!v1.text.contains("[DONE]"))

                let plain = try await client.send(.post, "/chat/completions", json: Self.streamed, headers: bearer(user.token))
                #expect(events(plain.text).last?.contains(#""error":"The model backend 'openai' reported an error: the model crashed""#) == true, "\(plain.text)")
            }
        }
    }

    /// The check each upstream event passes before it is read: whether it holds an error member.
    @Test func anEventMentionsAnErrorWhereverItsErrorMemberIs() {
        for data in [#""error"#, #"{"error":{"message":"x"}}"#, #"{"choices":[],"error":"x"}"#, #"{"choices":[{"delta":{"content":"\"error"}}]}"#] {
            #expect(UpstreamHTTP.mentionsError(data), "\(data)")
        }
        for data in ["", #""erro"#, #"error"#, #"{"choices":[{"delta":{"content":"an error"}}],"x":1}"#] {
            #expect(!UpstreamHTTP.mentionsError(data), "\(data)")
        }
    }

    @Test func messagesAreSanitised() {
        let secret = "my-upstream-secret"
        let text = UpstreamErrorBody.sanitise("line\none\u{7}\tsk-ABCDEF123456 bearer tok.en== my-upstream-secret " + String(repeating: "x", count: 500), secret: secret)
        #expect(text.hasPrefix("line one sk-[redacted] Bearer [redacted] [redacted] xxx"))
        #expect(text.count == UpstreamErrorBody.maxLength)
        #expect(UpstreamErrorBody(body: Array(#"{"errors":[{"message":"AiError: bad input"}],"success":false}"#.utf8), secret: nil).message == "AiError: bad input")
        #expect(UpstreamErrorBody(body: Array("plain text failure".utf8), secret: nil).message == "plain text failure")
    }

    /// A model streams tokens, and a token can be half an emoji: JavaScript writes such a half as a lone escape.
    /// The halves are joined across the two events; a half that finds no pair becomes U+FFFD, never an error.
    @Test func aSurrogatePairSplitAcrossTwoEventsArrivesWhole() async throws {
        let events = [#"{"response":"a \ud83d"}"#, #"{"response":"\ude00 b"}"#, #"{"response":" c \udc00 d"}"#]
        try await TestUpstream(.events(events)).run { port in
            try await withApp(ModelBackendTests.workersAI(port: port)) { client in
                let user = try await client.registerUser()
                let response = try await client.send(.post, "/chat/completions", json: Self.streamed, headers: bearer(user.token))
                let texts = self.events(response.text).compactMap { event -> String? in
                    guard let data = event.split(separator: "\n").first(where: { $0.hasPrefix("data: {") })?.dropFirst(6) else { return nil }
                    return (try? JSONSerialization.jsonObject(with: Data(data.utf8)) as? [String: Any])?["response"] as? String
                }
                #expect(texts.joined() == "a 😀 b c \u{FFFD} d")
                #expect(response.text.hasSuffix("data: [DONE]\n\n"))
            }
        }
    }

    @Test func anEventPastTheParsersBoundEndsTheStreamWithAnError() async throws {
        let huge = #"{"response":""# + String(repeating: "x", count: 5 << 20) + #""}"#
        try await TestUpstream(.events([#"{"response":"first"}"#, huge])).run { port in
            try await withApp(ModelBackendTests.workersAI(port: port)) { client in
                let user = try await client.registerUser()
                let response = try await client.send(.post, "/chat/completions", json: Self.streamed, headers: bearer(user.token))
                let events = self.events(response.text)
                #expect(events.first == #"data: {"response":"first"}"#)
                #expect(events.last?.hasPrefix("event: error") == true && events.last?.contains("upstream_invalid_response") == true)
                #expect(!response.text.contains("[DONE]"))
            }
        }
    }
}

/// What an OpenAI-compatible upstream says of itself reaches `/v1` clients: its models, its completion ids, its
/// token breakdowns.
@Suite("Upstream details")
struct UpstreamDetailsTests {
    @Test func theModelListIsTheUpstreamsWithinTheAllowListFetchedOnceAMinute() async throws {
        let upstream = TestUpstream(.openAI(finishReason: "stop"))
        try await upstream.run { port in
            try await withApp(UpstreamAnswerTests.openAI(port: port)) { client in
                let user = try await client.registerUser()
                for _ in 0..<3 {
                    let list = try await client.send(.get, "/v1/models", headers: bearer(user.token))
                    let ids = try #require(try list.json()["data"] as? [[String: Any]]).compactMap { $0["id"] as? String }
                    #expect(ids == ["@cf/meta/llama-3-8b-instruct", "up-model-a", "up-model-b"], "the default first, once")
                }
                #expect(upstream.modelListings.withLock { $0 } == 1)
                #expect(try await client.send(.get, "/metrics").text.contains(#"chat_model_list_stale{backend="openai"} 0"#))
            }
            try await withApp(UpstreamAnswerTests.openAI(port: port, ["model.allowlist": "up-model-b,elsewhere"])) { client in
                let user = try await client.registerUser()
                let list = try await client.send(.get, "/v1/models", headers: bearer(user.token))
                let ids = try #require(try list.json()["data"] as? [[String: Any]]).compactMap { $0["id"] as? String }
                #expect(ids == ["@cf/meta/llama-3-8b-instruct", "up-model-b"])
            }
        }
    }

    /// Down, an error status (LiteLLM's 404 or its 400 for a bad key), or an unreadable answer: `/v1/models` still
    /// lists MODEL_NAME and MODEL_ALLOWLIST, and the metrics say the list is stale until it can be read again.
    @Test(arguments: [nil, TestUpstream.Behaviour.error(status: 404, body: #"{"detail":"Not Found"}"#),
                      .error(status: 400, body: #"{"error":{"message":"No connected db.","code":"400"}}"#), .garbage])
    func theModelListNeverFailsBecauseOfTheUpstream(_ behaviour: TestUpstream.Behaviour?) async throws {
        @Sendable func check(port: Int) async throws {
            try await withApp(UpstreamAnswerTests.openAI(port: port, ["model.allowlist": "up-model-b,elsewhere"])) { client in
                let user = try await client.registerUser()
                for _ in 0..<2 {
                    let list = try await client.send(.get, "/v1/models", headers: bearer(user.token))
                    #expect(list.status == .ok)
                    let ids = try #require(try list.json()["data"] as? [[String: Any]]).compactMap { $0["id"] as? String }
                    #expect(ids == ["@cf/meta/llama-3-8b-instruct", "elsewhere", "up-model-b"])
                }
                #expect(try await client.send(.get, "/metrics").text.contains(#"chat_model_list_stale{backend="openai"} 1"#))
            }
        }
        if let behaviour {
            let upstream = TestUpstream(behaviour)
            try await upstream.run { port in try await check(port: port) }
            #expect(upstream.modelListings.withLock { $0 } == 1, "a failure is remembered for a while, not asked again on each call")
        } else {
            try await check(port: 1)
        }
    }

    @Test func theCompletionIdAndTokenBreakdownsPassThrough() async throws {
        try await TestUpstream(.openAI(finishReason: "stop")).run { port in
            try await withApp(UpstreamAnswerTests.openAI(port: port)) { client in
                let user = try await client.registerUser()
                let plain = try await client.send(.post, "/v1/chat/completions", json: helloChat, headers: bearer(user.token))
                #expect(try plain.json()["id"] as? String == "up-1")
                let usage = try #require(try plain.json()["usage"] as? [String: Any])
                #expect(usage["completion_tokens_details"] as? [String: Int] == ["reasoning_tokens": 1], "counts pass, other members do not")
                let streamed = try await client.send(.post, "/v1/chat/completions", json: UpstreamAnswerTests.streamed, headers: bearer(user.token))
                let chunks = streamed.text.components(separatedBy: "\n\n").filter { $0.hasPrefix("data: {") }
                #expect(!chunks.isEmpty && chunks.allSatisfy { $0.contains(#""id":"up-1""#) }, "\(streamed.text)")
            }
        }
    }
}

/// `/v1` carries OpenAI's whole chat API to an OpenAI-compatible upstream and back: the request as the client sent
/// it (fields this server does not read included), and the answer's tool calls with `content: null`, reasoning and
/// fingerprint, streamed piece by piece in order.
@Suite("The whole OpenAI chat API through the gateway")
struct OpenAIPassThroughTests {
    static let tools = #"[{"type":"function","function":{"name":"get_weather","parameters":{"type":"object","properties":{"city":{"type":"string"}}}}}]"#

    @Test func aToolCallWithNullContentPassesBothWays() async throws {
        let upstream = TestUpstream(.toolCall)
        try await upstream.run { port in
            try await withApp(UpstreamAnswerTests.openAI(port: port)) { client in
                let user = try await client.registerUser()
                let body = #"{"messages":[{"role":"user","content":"Paris"}],"tools":\#(Self.tools),"tool_choice":"auto","seed":7,"service_tier":"flex","metadata":{"team":"a"}}"#
                let response = try await client.send(.post, "/v1/chat/completions", json: body, headers: bearer(user.token))
                #expect(response.status == .ok, "\(response.text)")
                let json = try response.json()
                let choice = try #require((json["choices"] as? [[String: Any]])?.first)
                let message = try #require(choice["message"] as? [String: Any])
                #expect(message["content"] is NSNull && choice["finish_reason"] as? String == "tool_calls")
                #expect(message["reasoning_content"] as? String == "the user wants weather" && json["system_fingerprint"] as? String == "fp_up")
                let call = try #require((message["tool_calls"] as? [[String: Any]])?.first)
                #expect(call["id"] as? String == "call_up" && (call["function"] as? [String: String])?["arguments"] == #"{"city":"Paris"}"#)
                let sent = try #require(try JSONSerialization.jsonObject(with: Data(upstream.lastBody.withLock { $0 ?? "" }.utf8)) as? [String: Any])
                #expect(sent["model"] as? String == "@cf/meta/llama-3-8b-instruct" && sent["seed"] as? Int == 7 && sent["service_tier"] as? String == "flex")
                #expect((sent["tools"] as? [Any])?.count == 1 && sent["tool_choice"] as? String == "auto" && sent["stream"] as? Bool == false)
                #expect(sent["stream_options"] == nil, "stream_options only with stream")
            }
        }
    }

    @Test func streamedToolCallPiecesPassInOrder() async throws {
        let upstream = TestUpstream(.toolCall)
        try await upstream.run { port in
            try await withApp(UpstreamAnswerTests.openAI(port: port)) { client in
                let user = try await client.registerUser()
                let body = #"{"messages":[{"role":"user","content":"Paris"}],"tools":\#(Self.tools),"stream":true}"#
                let response = try await client.send(.post, "/v1/chat/completions", json: body, headers: bearer(user.token))
                let chunks = response.text.components(separatedBy: "\n\n").filter { $0.hasPrefix("data: {") }
                    .compactMap { try? JSONSerialization.jsonObject(with: Data($0.dropFirst(6).utf8)) as? [String: Any] }
                let calls = chunks.flatMap { ($0["choices"] as? [[String: Any]]) ?? [] }
                    .flatMap { (($0["delta"] as? [String: Any])?["tool_calls"] as? [[String: Any]]) ?? [] }
                let arguments = calls.compactMap { ($0["function"] as? [String: Any])?["arguments"] as? String }.joined()
                #expect(arguments == #"{"city":"Paris"}"# && calls.first?["id"] as? String == "call_up", "\(response.text)")
                let reasons = chunks.flatMap { ($0["choices"] as? [[String: Any]]) ?? [] }.compactMap { $0["finish_reason"] as? String }
                #expect(reasons == ["tool_calls"] && response.text.hasSuffix("data: [DONE]\n\n"))
                let sent = upstream.lastBody.withLock { $0 ?? "" }
                #expect(sent.contains(#""include_usage":true"#) && sent.contains(#""stream":true"#))
            }
        }
    }

    /// Workers AI's function calling: tools go in its shape (name, description, parameters), and its calls come
    /// back as OpenAI's `tool_calls`, arguments as JSON text, with `content: null`.
    @Test func workersAIToolsMapBothWays() async throws {
        let upstream = TestUpstream(.workersAITools)
        try await upstream.run { port in
            try await withApp(ModelBackendTests.workersAI(port: port)) { client in
                let user = try await client.registerUser()
                let tools = #"[{"type":"function","function":{"name":"get_weather","description":"The weather","parameters":{"type":"object"}}}]"#
                let body = #"{"messages":[{"role":"user","content":"Paris"}],"tools":\#(tools)}"#
                let response = try await client.send(.post, "/v1/chat/completions", json: body, headers: bearer(user.token))
                let choice = try #require((try response.json()["choices"] as? [[String: Any]])?.first, "\(response.text)")
                let message = try #require(choice["message"] as? [String: Any])
                let call = try #require((message["tool_calls"] as? [[String: Any]])?.first)
                #expect(message["content"] is NSNull && choice["finish_reason"] as? String == "tool_calls")
                #expect((call["function"] as? [String: String]) == ["name": "get_weather", "arguments": #"{"city":"Paris"}"#] && call["type"] as? String == "function")
                let sent = try #require(try JSONSerialization.jsonObject(with: Data(upstream.lastBody.withLock { $0 ?? "" }.utf8)) as? [String: Any])
                let tool = try #require((sent["tools"] as? [[String: Any]])?.first)
                #expect(tool["name"] as? String == "get_weather" && tool["description"] as? String == "The weather" && tool["function"] == nil)
            }
        }
    }

    /// Workers AI is asked only what it can do here; the rest is refused naming the field, never dropped.
    @Test(arguments: [(#""tools":\#(tools),"tool_choice":"required""#, "tool_choice"), (#""tools":\#(tools),"stream":true"#, "stream"),
                      (#""n":2"#, "n"), (#""logprobs":true"#, "logprobs"), (#""stop":"x""#, "stop"),
                      (#""response_format":{"type":"json_object"}"#, "response_format")])
    func workersAIRefusesWhatItCannotDo(field: String, param: String) async throws {
        try await TestUpstream(.workersAI).run { port in
            try await withApp(ModelBackendTests.workersAI(port: port)) { client in
                let user = try await client.registerUser()
                let body = #"{"messages":[{"role":"user","content":"x"}],\#(field)}"#
                let response = try await client.send(.post, "/v1/chat/completions", json: body, headers: bearer(user.token))
                #expect(response.status == .badRequest)
                let error = try #require(try response.json()["error"] as? [String: Any])
                #expect(error["code"] as? String == "unsupported_parameter" && error["param"] as? String == param, "\(response.text)")
            }
        }
    }
}
