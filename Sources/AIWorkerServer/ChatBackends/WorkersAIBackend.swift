import Foundation
import JSONValues

/// Cloudflare Workers AI's REST API: `POST {base}/accounts/{account}/ai/run/{model}` with an API token,
/// answering `{"result":{"response":...},"success":true,"errors":[]}` (or, streamed, `data: {"response":...}`
/// events ending with `data: [DONE]`).
struct WorkersAIBackend: ChatBackend {
    let http: UpstreamHTTP
    /// `https://api.cloudflare.com/client/v4` by default; configurable so it can be tested locally.
    let baseURL: String
    let accountId: String
    let apiToken: String?

    var name: String { http.backend }

    /// A tool as Workers AI's function calling takes it (not OpenAI's `{"type", "function"}` nesting).
    struct Tool: Encodable {
        let name: String
        let description: String?
        let parameters: JSONValue?
    }

    /// A call as Workers AI answers it: arguments as an object (or text).
    struct Call: Decodable {
        let name: String
        let arguments: JSONValue?

        /// As OpenAI's `tool_calls` entry, numbered within the answer.
        func toolCall(_ index: Int) -> ToolCall {
            let text = arguments.map { $0.stringValue ?? CompactJSON.encode($0) } ?? "{}"
            return ToolCall(id: "call_\(index)_\(RandomID.make(length: 16))", function: .init(name: name, arguments: text))
        }
    }

    struct Request: Encodable {
        let messages: [ChatMessage]
        let tools: [Tool]?
        let stream: Bool?
        let max_tokens: Int?
        let temperature: Double?
        let top_p: Double?
        let seed: Int?
        let frequency_penalty: Double?
        let presence_penalty: Double?
    }

    struct Usage: Decodable {
        let prompt_tokens: Int?
        let completion_tokens: Int?

        var tokenUsage: TokenUsage? {
            guard let prompt_tokens, let completion_tokens else { return nil }
            return TokenUsage(promptTokens: prompt_tokens, completionTokens: completion_tokens)
        }
    }

    struct Envelope: Decodable {
        struct Result: Decodable {
            let response: String?
            let tool_calls: [Call]?
            let usage: Usage?
        }

        struct Message: Decodable { let message: String? }

        let result: Result?
        let success: Bool?
        let errors: [Message]?
    }

    struct Event: Decodable {
        let response: String?
        let usage: Usage?
    }

    private func url(_ model: String) -> String {
        let path = model.addingPercentEncoding(withAllowedCharacters: .urlPathAllowed) ?? model
        return "\(baseURL)/accounts/\(accountId)/ai/run/\(path)"
    }

    /// The request in Workers AI's terms: the sampling fields it takes carried over, `developer` messages as
    /// `system`, tools as its function calling takes them (for the models that have it; others refuse with their
    /// reason, 400 `upstream_rejected`); what it cannot do here (a chosen or required tool, tools in a stream,
    /// several choices, log probabilities, structured output, stop texts, logit bias) is a 400
    /// `unsupported_parameter` naming the field, never silently dropped.
    private func request(_ input: ChatCompletionInput, stream: Bool) throws -> Request {
        let options = input.options
        let body = options.body ?? [:]
        let unsupported: [(String, Bool)] = [
            ("tool_choice", ![.auto, .none].contains(options.toolChoice)), ("stream", stream && !options.tools.isEmpty),
            ("n", options.n > 1), ("logprobs", options.logprobs), ("top_logprobs", options.topLogprobs > 0),
            ("response_format", options.responseFormat != .text), ("stop", !options.stop.isEmpty),
            ("logit_bias", body["logit_bias"].map { $0 != .null && $0 != .object([:]) } ?? false),
        ]
        if let (field, _) = unsupported.first(where: \.1) {
            throw APIError.badRequest(
                "The Workers AI backend does not support '\(field)'" + (field == "stream" ? " with tools" : "") + " on this server.",
                code: "unsupported_parameter", param: field)
        }
        let tools = options.toolChoice == .none ? [] : options.tools.map { tool in
            Tool(name: tool.name, description: tool.description, parameters: tool.parameters)
        }
        return Request(
            messages: input.messages.map { $0.role == .developer ? ChatMessage(role: .system, content: $0.content) : $0 },
            tools: tools.isEmpty ? nil : tools,
            stream: stream ? true : nil, max_tokens: input.maxTokens, temperature: input.temperature,
            top_p: body["top_p"]?.numberValue, seed: body["seed"]?.integerValue.map { Int($0) },
            frequency_penalty: body["frequency_penalty"]?.numberValue, presence_penalty: body["presence_penalty"]?.numberValue)
    }

    func complete(_ input: ChatCompletionInput) async throws -> ChatReply {
        let response = try await http.post(url: url(input.model), bearer: apiToken, body: try request(input, stream: false), stream: false)
        let envelope = try await http.decode(Envelope.self, from: response)
        let calls = envelope.result?.tool_calls ?? []
        guard envelope.success != false, let result = envelope.result, result.response != nil || !calls.isEmpty else {
            let reason = envelope.errors?.compactMap(\.message).joined(separator: "; ") ?? "no result.response"
            throw ChatBackendError.invalidResponse(backend: name, detail: reason)
        }
        let choice = calls.isEmpty
            ? ChatChoice(content: result.response)
            : ChatChoice(content: result.response.flatMap { $0.isEmpty ? nil : $0 }, toolCalls: calls.enumerated().map { $1.toolCall($0) }, finishReason: "tool_calls")
        return ChatReply(choices: [choice], usage: result.usage?.tokenUsage)
    }

    func stream(_ input: ChatCompletionInput) async throws -> ProducedStream<ChatStreamEvent> {
        let response = try await http.post(url: url(input.model), bearer: apiToken, body: try request(input, stream: true), stream: true)
        let backend = name
        return http.events(from: response) { event in
            guard let decoded = try? JSONDecoder().decode(Event.self, from: Data(event.data.utf8)) else {
                throw ChatBackendError.invalidResponse(backend: backend, detail: "an event is not {\"response\": ...}")
            }
            var items: [ChatStreamEvent] = []
            if let text = decoded.response, !text.isEmpty { items.append(.delta(text)) }
            if let usage = decoded.usage?.tokenUsage { items.append(.usage(usage)) }
            return items
        }
    }
}
