import AsyncHTTPClient
import Foundation
import Glibc
import Hummingbird
import HummingbirdTesting
import NIOCore
import Testing

@testable import AIWorkerServer

/// The HTTP backends against real servers on loopback: a second instance of this server (its mock behind its
/// own `/v1/chat/completions`) and `TestUpstream` for Workers AI's envelope and for faults.
@Suite("Model backends")
struct ModelBackendTests {
    static let upstreamToken = "upstream-token-that-must-not-leak"

    /// Settings for a server whose Workers AI backend is `TestUpstream` at `port`.
    static func workersAI(port: Int, _ extra: [String: String] = [:]) -> [String: String] {
        ["model.backend": "workers-ai", "workers.ai.baseUrl": "http://127.0.0.1:\(port)", "workers.ai.accountId": "acct",
         "workers.ai.apiToken": upstreamToken, "upstream.timeout": "30"].merging(extra) { $1 }
    }

    @Test func openAICompatibleBackendUsesASecondInstanceOfThisServer() async throws {
        let upstream = try await buildApplication(reader: testReader())
        try await upstream.test(.live) { upstreamClient in
            let user = try await upstreamClient.registerUser()
            let key = try await upstreamClient.createKey(token: user.token)
            let settings = ["model.backend": "openai", "openai.baseUrl": "http://127.0.0.1:\(upstreamClient.port!)/v1", "openai.apiKey": key.key]
            try await withApp(settings) { client in
                let me = try await client.registerUser()
                let answer = try await client.send(.post, "/chat/completions", json: helloChat, headers: bearer(me.token))
                #expect(answer.status == .ok)
                #expect(try answer.json()["response"] as? String == "[mock @cf/meta/llama-3-8b-instruct] You said: Hello there")
                let streamed = try await client.send(
                    .post, "/chat/completions", json: #"{"stream":true,"model":"m2","messages":[{"role":"user","content":"one two"}]}"#,
                    headers: bearer(me.token))
                #expect(streamed.headers[.contentType]?.hasPrefix("text/event-stream") == true)
                let events = streamed.text.components(separatedBy: "\n\n").filter { !$0.isEmpty }
                #expect(events.last == "data: [DONE]")
                #expect(events.contains(#"data: {"response":"two"}"#))
                #expect(events.contains { $0.contains(#""usage":{"completion_tokens":6"#) })
            }
        }
    }

    @Test func workersAIBackendSendsTheTokenAndReadsTheEnvelope() async throws {
        let upstream = TestUpstream(.workersAI)
        try await upstream.run { port in
            try await withApp(Self.workersAI(port: port)) { client in
                let user = try await client.registerUser()
                let response = try await client.send(.post, "/chat/completions", json: helloChat, headers: bearer(user.token))
                #expect(try response.json()["response"] as? String == "from workers ai")
            }
        }
        #expect(upstream.lastAuthorization.withLock { $0 } == "Bearer \(Self.upstreamToken)")
        let body = try #require(upstream.lastBody.withLock { $0 })
        #expect(body.contains(#""messages""#) && body.contains("Hello there"))
    }

    /// Each fault, the status and code a client gets, and no upstream secret in the answer.
    @Test(arguments: [
        (TestUpstream.Behaviour.slow(.seconds(10)), 504, "upstream_timeout"),
        (.garbage, 502, "upstream_invalid_response"),
        (.status(500), 502, "upstream_error"),
        (.redirect, 502, "upstream_error"),
        (.rateLimited(retryAfter: "17"), 429, "upstream_rate_limited"),
        (.status(429), 429, "upstream_rate_limited"),
    ])
    func upstreamFaultsAreMapped(behaviour: TestUpstream.Behaviour, status: Int, code: String) async throws {
        let upstream = TestUpstream(behaviour)
        // Only the slow upstream needs a short timeout; the others keep the helper's, long enough for a busy machine.
        let timeout: [String: String] = if case .slow = behaviour { ["upstream.timeout": "2"] } else { [:] }
        try await upstream.run { port in
            try await withApp(Self.workersAI(port: port, timeout)) { client in
                let user = try await client.registerUser()
                let response = try await client.send(.post, "/chat/completions", json: helloChat, headers: bearer(user.token))
                #expect(response.status.code == status)
                #expect(try response.errorCode() == code)
                #expect(!response.text.contains(Self.upstreamToken))
                if case .rateLimited(let retryAfter) = behaviour { #expect(response.headers[.retryAfter] == retryAfter) }
                if status == 429 { #expect(Int(response.headers[.retryAfter] ?? "") ?? 0 >= 1, "every 429 says when to retry") }
            }
        }
    }

    /// A loopback port that takes no connection: a listening socket whose accept queue is already full, so a
    /// further connect hangs until its deadline.
    static func portThatAcceptsNothing(_ body: (Int) async throws -> Void) async throws {
        let listener = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafeMutablePointer(to: &address) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(listener, $0, length) } }
        listen(listener, 0)
        _ = withUnsafeMutablePointer(to: &address) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(listener, $0, &length) } }
        let port = Int(UInt16(bigEndian: address.sin_port))
        var fillers: [Int32] = []
        for _ in 0..<3 {
            let filler = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
            _ = fcntl(filler, F_SETFL, O_NONBLOCK)
            _ = withUnsafeMutablePointer(to: &address) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(filler, $0, length) } }
            fillers.append(filler)
        }
        defer { (fillers + [listener]).forEach { close($0) } }
        try await body(port)
    }

    @Test func anUpstreamThatAcceptsNoConnectionIs502Unreachable() async throws {
        try await Self.portThatAcceptsNothing { port in
            try await withApp(Self.workersAI(port: port, ["upstream.connectTimeout": "1", "upstream.timeout": "10"])) { client in
                let user = try await client.registerUser()
                let response = try await client.send(.post, "/chat/completions", json: helloChat, headers: bearer(user.token))
                #expect(response.status == .badGateway)
                #expect(try response.errorCode() == "upstream_unreachable")
            }
        }
    }

    @Test func theUpstreamsFinishReasonReachesOpenAIClientsStreamedOrNot() async throws {
        let upstream = TestUpstream(.openAI(finishReason: "length"))
        try await upstream.run { port in
            let settings = ["model.backend": "openai", "openai.baseUrl": "http://127.0.0.1:\(port)/v1", "upstream.timeout": "5"]
            try await withApp(settings) { client in
                let user = try await client.registerUser()
                let plain = try await client.send(.post, "/v1/chat/completions", json: helloChat, headers: bearer(user.token))
                #expect(plain.status == .ok)
                let choices = try #require(try plain.json()["choices"] as? [[String: Any]])
                #expect(choices.first?["finish_reason"] as? String == "length", "a truncated answer says so")
                let streamed = try await client.send(
                    .post, "/v1/chat/completions", json: #"{"messages":[{"role":"user","content":"hi"}],"stream":true}"#, headers: bearer(user.token))
                #expect(streamed.text.contains(#""finish_reason":"length""#), "\(streamed.text)")
                #expect(!streamed.text.contains(#""finish_reason":"stop""#))
            }
        }
    }

    @Test func onlyPlainWordsAndIdsPassFromAnUpstream() {
        #expect(UpstreamValue.word("content_filter") == "content_filter")
        #expect(UpstreamValue.word("<script>") == nil && UpstreamValue.word("") == nil && UpstreamValue.word(nil) == nil)
        #expect(UpstreamValue.word(String(repeating: "a", count: 33)) == nil)
        #expect(UpstreamValue.id("chatcmpl-A1_b.2:c") == "chatcmpl-A1_b.2:c")
        #expect(UpstreamValue.id("id with spaces") == nil && UpstreamValue.id("id\u{0}") == nil && UpstreamValue.id("é") == nil)
        #expect(UpstreamValue.id(String(repeating: "a", count: 129)) == nil)
        // The bounds are inclusive; anything beyond ASCII, a combining mark or a full-width letter, is refused.
        #expect(UpstreamValue.word(String(repeating: "a", count: 32)) != nil && UpstreamValue.id(String(repeating: "Z", count: 128)) != nil)
        #expect(UpstreamValue.word("Stop") == nil && UpstreamValue.word("stop\u{301}") == nil && UpstreamValue.word("ｓtop") == nil)
        #expect(UpstreamValue.id("chatcmpl-\u{301}") == nil && UpstreamValue.id("ｉd") == nil && UpstreamValue.id("id/1") == nil)
    }

    @Test func unreachableUpstreamIs502AndTheFallbackAnswers() async throws {
        let closed = Self.workersAI(port: 1)
        try await withApp(closed) { client in
            let user = try await client.registerUser()
            let response = try await client.send(.post, "/chat/completions", json: helloChat, headers: bearer(user.token))
            #expect(response.status == .badGateway)
            #expect(try response.errorCode() == "upstream_unreachable")
        }
        try await withApp(closed.merging(["model.fallback": "mock"]) { $1 }) { client in
            let user = try await client.registerUser()
            let response = try await client.send(.post, "/chat/completions", json: helloChat, headers: bearer(user.token))
            #expect(response.status == .ok)
            #expect((try response.json()["response"] as? String)?.hasPrefix("[mock") == true)
        }
    }

    @Test func aStreamCutInTheMiddleEndsWithAnErrorEvent() async throws {
        let upstream = TestUpstream(.stream(events: 2, pause: .milliseconds(10), cut: true))
        try await upstream.run { port in
            try await withApp(Self.workersAI(port: port)) { client in
                let user = try await client.registerUser()
                let response = try await client.send(
                    .post, "/chat/completions", json: #"{"stream":true,"messages":[{"role":"user","content":"x"}]}"#, headers: bearer(user.token))
                #expect(response.status == .ok)
                let events = response.text.components(separatedBy: "\n\n").filter { !$0.isEmpty }
                #expect(events.first == #"data: {"response":"piece0 "}"#)
                #expect(events.last?.hasPrefix("event: error\ndata: {") == true)
                #expect(events.last?.contains("upstream_invalid_response") == true)
                #expect(!events.contains("data: [DONE]"))
            }
        }
    }

    @Test func aClientThatLeavesCancelsTheUpstreamStream() async throws {
        let upstream = TestUpstream(.stream(events: 400, pause: .milliseconds(10), cut: false))
        try await upstream.run { port in
            let app = try await buildApplication(reader: testReader(Self.workersAI(port: port)))
            try await app.test(.live) { client in
                let user = try await client.registerUser()
                var request = HTTPClientRequest(url: "http://127.0.0.1:\(client.port!)/chat/completions")
                request.method = .POST
                request.headers.add(name: "Authorization", value: "Bearer \(user.token)")
                request.headers.add(name: "Content-Type", value: "application/json")
                request.body = .bytes(ByteBuffer(string: #"{"stream":true,"messages":[{"role":"user","content":"x"}]}"#))
                // The first piece read, then the client's shutdown closes the connection.
                let readOne = try await withHTTPClient { http in
                    let response = try await http.execute(request, timeout: .seconds(30))
                    for try await _ in response.body { return true }
                    return false
                }
                #expect(readOne)
                // The server notices the closed connection, stops reading the upstream and cancels its request.
                let deadline = ContinuousClock.now + .seconds(3)
                while !upstream.streamAbandoned.withLock({ $0 }), ContinuousClock.now < deadline {
                    try await Task.sleep(for: .milliseconds(50))
                }
                #expect(upstream.streamAbandoned.withLock { $0 })
            }
        }
    }

    @Test func backendSettingsAreChecked() async throws {
        await #expect(throws: SettingsError.self) { try AppSettings(reader: await testReader(["model.backend": "openai"])) }
        await #expect(throws: SettingsError.self) { try AppSettings(reader: await testReader(["model.backend": "workers-ai"])) }
        await #expect(throws: SettingsError.self) { try AppSettings(reader: await testReader(["model.backend": "openai", "openai.baseUrl": "ftp://x"])) }
    }
}
