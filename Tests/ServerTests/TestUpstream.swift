import Foundation
import Hummingbird
import HummingbirdTesting
import Synchronization

/// A small model upstream on loopback for backend tests: it answers in Workers AI's envelope or OpenAI's
/// shape, or fails on purpose (slow, garbage, 500, 429, a redirect, a stream cut in the middle), and records
/// what it was sent and whether a stream was abandoned by its client.
final class TestUpstream: Sendable {
    enum Behaviour: Sendable {
        case workersAI
        case slow(Duration)
        case garbage
        case status(Int)
        case rateLimited(retryAfter: String)
        case redirect
        /// Streams `events` chunks with a pause between them, then `[DONE]` unless `cut`.
        case stream(events: Int, pause: Duration, cut: Bool)
        /// An OpenAI-shaped answer (a completion, or chunks when the request streams) ending with this reason.
        case openAI(finishReason: String)
        /// Headers at once, then the body (a Workers AI answer) after `delay`.
        case slowBody(delay: Duration)
        /// This status with this body as JSON.
        case error(status: Int, body: String)
        /// One OpenAI chunk, then an error event in OpenAI's shape with this message.
        case streamError(message: String)
        /// Workers AI's function calling: `result.tool_calls` with arguments as an object, no response text.
        case workersAITools
        /// These texts as the data of one event each, then `[DONE]`.
        case events([String])
        /// A tool call with `content: null` and reasoning (or, streamed, the call in pieces), as LiteLLM answers one.
        case toolCall
    }

    let behaviour: Behaviour
    /// The last request's Authorization header and JSON body.
    let lastAuthorization = Mutex<String?>(nil)
    let lastBody = Mutex<String?>(nil)
    /// Set when a stream's writer failed because the client had gone.
    let streamAbandoned = Mutex(false)
    /// How often `GET /v1/models` was asked.
    let modelListings = Mutex(0)
    /// What `GET /v1/models` lists.
    static let listedModels = ["up-model-a", "up-model-b", "@cf/meta/llama-3-8b-instruct"]

    init(_ behaviour: Behaviour) {
        self.behaviour = behaviour
    }

    func application() -> some ApplicationProtocol {
        let router = Router()
        router.post("accounts/:account/ai/run/**") { request, _ in try await self.answer(request) }
        router.post("v1/chat/completions") { request, _ in try await self.answer(request) }
        router.get("v1/models") { _, _ in
            self.modelListings.withLock { $0 += 1 }
            switch self.behaviour {
            case .error(let status, let body):
                return Response(status: .init(code: status), headers: [.contentType: "application/json"], body: .init(byteBuffer: ByteBuffer(string: body)))
            case .garbage: return Self.json("<html>not a list</html>")
            default: break
            }
            let data = Self.listedModels.map { #"{"id":"\#($0)","object":"model","created":1,"owned_by":"up"}"# }.joined(separator: ",")
            return Self.json(#"{"object":"list","data":[\#(data)]}"#)
        }
        // A deep accept queue: a thousand streams connect at once, and SYNs dropped by a full queue of 256 are only
        // retried after a second or more, past the connect timeout on a busy machine.
        return Application(router: router, configuration: .init(address: .hostname("127.0.0.1", port: 0), backlog: 4_096))
    }

    private func answer(_ request: Request) async throws -> Response {
        lastAuthorization.withLock { $0 = request.headers[.authorization] }
        let body = try await request.body.collect(upTo: 1 << 20)
        lastBody.withLock { $0 = String(buffer: body) }
        switch behaviour {
        case .workersAI:
            return Self.json(#"{"result":{"response":"from workers ai","usage":{"prompt_tokens":3,"completion_tokens":3}},"success":true,"errors":[]}"#)
        case .slow(let delay):
            try await Task.sleep(for: delay)
            return Self.json(#"{"result":{"response":"late"},"success":true,"errors":[]}"#)
        case .garbage:
            return Self.json("<html>not json")
        case .status(let code):
            return Response(status: .init(code: code), body: .init(byteBuffer: ByteBuffer(string: "upstream broke")))
        case .rateLimited(let retryAfter):
            return Response(status: .tooManyRequests, headers: [.retryAfter: retryAfter])
        case .redirect:
            return Response(status: .found, headers: [.location: "http://127.0.0.1:1/elsewhere"])
        case .openAI(let reason):
            guard lastBody.withLock({ $0 ?? "" }).contains(#""stream":true"#) else {
                return Self.json(#"{"id":"up-1","object":"chat.completion","created":1,"model":"m","choices":[{"index":0,"message":{"role":"assistant","content":"cut sh"},"finish_reason":"\#(reason)"}],"usage":{"prompt_tokens":2,"completion_tokens":2,"completion_tokens_details":{"reasoning_tokens":1,"note":"x"}}}"#)
            }
            let chunks = [
                #"{"id":"up-1","object":"chat.completion.chunk","created":1,"model":"m","choices":[{"index":0,"delta":{"content":"cut sh"},"finish_reason":null}]}"#,
                #"{"id":"up-1","object":"chat.completion.chunk","created":1,"model":"m","choices":[{"index":0,"delta":{},"finish_reason":"\#(reason)"}]}"#,
            ]
            return Response(status: .ok, headers: [.contentType: "text/event-stream"], body: .init(byteBuffer: ByteBuffer(string: chunks.map { "data: \($0)\n\n" }.joined() + "data: [DONE]\n\n")))
        case .slowBody(let delay):
            return Response(status: .ok, headers: [.contentType: "application/json"], body: ResponseBody { writer in
                try await Task.sleep(for: delay)
                try await writer.write(ByteBuffer(string: #"{"result":{"response":"late"},"success":true,"errors":[]}"#))
                try await writer.finish(nil)
            })
        case .error(let status, let body):
            return Response(status: .init(code: status), headers: [.contentType: "application/json"], body: .init(byteBuffer: ByteBuffer(string: body)))
        case .workersAITools:
            return Self.json(#"{"result":{"response":null,"tool_calls":[{"name":"get_weather","arguments":{"city":"Paris"}}],"usage":{"prompt_tokens":9,"completion_tokens":5}},"success":true,"errors":[]}"#)
        case .toolCall:
            guard lastBody.withLock({ $0 ?? "" }).contains(#""stream":true"#) else {
                return Self.json(#"{"id":"up-tool","object":"chat.completion","created":1,"model":"m","system_fingerprint":"fp_up","choices":[{"index":0,"message":{"role":"assistant","content":null,"reasoning_content":"the user wants weather","tool_calls":[{"id":"call_up","type":"function","function":{"name":"get_weather","arguments":"{\"city\":\"Paris\"}"}}]},"logprobs":null,"finish_reason":"tool_calls"}],"usage":{"prompt_tokens":5,"completion_tokens":4}}"#)
            }
            let chunks = [
                #"{"id":"up-tool","choices":[{"index":0,"delta":{"role":"assistant","content":null,"tool_calls":[{"index":0,"id":"call_up","type":"function","function":{"name":"get_weather","arguments":""}}]},"finish_reason":null}]}"#,
                #"{"id":"up-tool","choices":[{"index":0,"delta":{"tool_calls":[{"index":0,"function":{"arguments":"{\"city\":"}}]},"finish_reason":null}]}"#,
                #"{"id":"up-tool","choices":[{"index":0,"delta":{"tool_calls":[{"index":0,"function":{"arguments":"\"Paris\"}"}}]},"finish_reason":null}]}"#,
                #"{"id":"up-tool","choices":[{"index":0,"delta":{},"finish_reason":"tool_calls"}]}"#,
            ]
            return Response(status: .ok, headers: [.contentType: "text/event-stream"], body: .init(byteBuffer: ByteBuffer(string: chunks.map { "data: \($0)\n\n" }.joined() + "data: [DONE]\n\n")))
        case .events(let data):
            let text = data.map { "data: \($0)\n\n" }.joined() + "data: [DONE]\n\n"
            return Response(status: .ok, headers: [.contentType: "text/event-stream"], body: .init(byteBuffer: ByteBuffer(string: text)))
        case .streamError(let message):
            let events = [
                #"{"id":"up-1","object":"chat.completion.chunk","created":1,"model":"m","choices":[{"index":0,"delta":{"content":"so far"},"finish_reason":null}]}"#,
                #"{"error":{"message":"\#(message)","type":"server_error","code":null}}"#,
            ]
            return Response(status: .ok, headers: [.contentType: "text/event-stream"], body: .init(byteBuffer: ByteBuffer(string: events.map { "data: \($0)\n\n" }.joined())))
        case .stream(let count, let pause, let cut):
            // The connection's inbound side is watched: a client that leaves during a pause is seen at once.
            var request = request
            request.body = RequestBody(buffer: body)
            // The connection closes after the stream (the inbound side was consumed): said, as our server says it.
            return Response(status: .ok, headers: [.contentType: "text/event-stream", .connection: "close"], body: ResponseBody { [request] writer in
                do {
                    try await request.body.consumeWithCancellationOnInboundClose { _ in
                        for index in 0..<count {
                            try await writer.write(ByteBuffer(string: "data: {\"response\":\"piece\(index) \"}\n\n"))
                            try await Task.sleep(for: pause)
                        }
                    }
                    if !cut { try await writer.write(ByteBuffer(string: "data: [DONE]\n\n")) }
                    try await writer.finish(nil)
                } catch {
                    self.streamAbandoned.withLock { $0 = true }
                    throw error
                }
            })
        }
    }

    static func json(_ text: String) -> Response {
        Response(status: .ok, headers: [.contentType: "application/json"], body: .init(byteBuffer: ByteBuffer(string: text)))
    }

    /// Runs `body` with this upstream listening on a loopback port.
    func run<Value: Sendable>(_ body: @Sendable (Int) async throws -> Value) async throws -> Value {
        try await application().test(.live) { client in try await body(client.port!) }
    }
}
