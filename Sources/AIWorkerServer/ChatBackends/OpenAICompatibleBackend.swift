import AsyncHTTPClient
import Foundation
import JSONValues

/// Any server that speaks OpenAI's `POST /chat/completions`: llama.cpp's server, vLLM, Ollama's `/v1`,
/// OpenAI, Cloudflare's OpenAI-compatible endpoint, or another instance of this server.
struct OpenAICompatibleBackend: ChatBackend {
    let http: UpstreamHTTP
    /// E.g. `http://127.0.0.1:8080/v1` (without `/chat/completions`).
    let baseURL: String
    let apiKey: String?

    var name: String { http.backend }

    struct Request: Encodable {
        struct StreamOptions: Encodable {
            let include_usage: Bool
        }

        let model: String
        let messages: [ChatMessage]
        let max_tokens: Int?
        let temperature: Double?
        let stream: Bool
        let stream_options: StreamOptions?
    }

    struct Usage: Decodable, Equatable {
        let prompt_tokens: Int
        let completion_tokens: Int
        let prompt_tokens_details: TokenCounts?
        let completion_tokens_details: TokenCounts?

        var tokenUsage: TokenUsage {
            TokenUsage(
                promptTokens: prompt_tokens, completionTokens: completion_tokens, promptDetails: prompt_tokens_details?.counts,
                completionDetails: completion_tokens_details?.counts)
        }
    }

    /// A breakdown of token counts: its integer members, whatever they are called (others are skipped).
    struct TokenCounts: Decodable, Equatable {
        let counts: [String: Int]?

        init(from decoder: any Decoder) throws {
            let container = try decoder.container(keyedBy: AnyKey.self)
            let counts = container.allKeys.prefix(32).reduce(into: [String: Int]()) { counts, key in
                if UpstreamValue.word(key.stringValue) != nil, let value = try? container.decode(Int.self, forKey: key) { counts[key.stringValue] = value }
            }
            self.counts = counts.isEmpty ? nil : counts
        }

        struct AnyKey: CodingKey {
            let stringValue: String
            var intValue: Int? { nil }
            init(stringValue: String) { self.stringValue = stringValue }
            init?(intValue: Int) { nil }
        }
    }

    struct ModelList: Decodable {
        struct Model: Decodable { let id: String }
        let data: [Model]
    }

    /// A choice's message; `content` is null with tool calls, a refusal, or a reasoning model cut off.
    struct Message: Decodable {
        let content: String?
        let tool_calls: [ToolCall]?
        let refusal: String?
        let reasoning_content: String?
        let reasoning: String?
    }

    struct Completion: Decodable {
        struct Choice: Decodable {
            let index: Int?
            let message: Message
            let logprobs: JSONValue?
            let finish_reason: String?
        }

        let id: String?
        let choices: [Choice]
        let usage: Usage?
        let system_fingerprint: String?
    }

    struct Chunk: Decodable, Equatable {
        struct Choice: Decodable, Equatable {
            struct Delta: Decodable, Equatable {
                let content: String?
                let reasoning_content: String?
                let reasoning: String?
                let refusal: String?
                let tool_calls: [JSONValue]?
            }

            let index: Int?
            let delta: Delta?
            let logprobs: JSONValue?
            let finish_reason: String?
        }

        let id: String?
        let choices: [Choice]
        let usage: Usage?
    }

    /// The upstream's model list, kept `ModelListCache.lifetime` so `GET /v1/models` does not hit it each time.
    let modelList = ModelListCache()

    /// Sends the request upstream: a `/v1` request as the client sent it (every field it has, ones this server does
    /// not read included), with the model resolved and usage asked for when streaming; the original route's as `Request`.
    private func send(_ input: ChatCompletionInput, stream: Bool) async throws -> UpstreamHTTP.Answer {
        let url = baseURL + "/chat/completions"
        guard var body = input.options.body else {
            let request = Request(
                model: input.model, messages: input.messages, max_tokens: input.maxTokens, temperature: input.temperature, stream: stream,
                stream_options: stream ? .init(include_usage: true) : nil)
            return try await http.post(url: url, bearer: apiKey, body: request, stream: stream)
        }
        body["model"] = .string(input.model)
        body["stream"] = .bool(stream)
        var options = body["stream_options"]?.objectValue ?? [:]
        options["include_usage"] = .bool(true)
        body["stream_options"] = stream ? .object(options) : nil
        return try await http.post(url: url, bearer: apiKey, body: body, stream: stream)
    }

    func complete(_ input: ChatCompletionInput) async throws -> ChatReply {
        let response = try await send(input, stream: false)
        let completion = try await http.decode(Completion.self, from: response)
        guard !completion.choices.isEmpty else { throw ChatBackendError.invalidResponse(backend: name, detail: "no choices") }
        let choices = completion.choices.enumerated().map { offset, choice in
            ChatChoice(
                index: choice.index ?? offset, content: choice.message.content, toolCalls: choice.message.tool_calls ?? [],
                refusal: choice.message.refusal, reasoning: choice.message.reasoning_content ?? choice.message.reasoning, logprobs: choice.logprobs,
                finishReason: UpstreamValue.word(choice.finish_reason))
        }
        return ChatReply(
            choices: choices, usage: completion.usage?.tokenUsage, id: UpstreamValue.id(completion.id),
            systemFingerprint: UpstreamValue.id(completion.system_fingerprint))
    }

    func models() async throws -> [String]? {
        try await modelList.models {
            do {
                let answer = try await http.get(url: baseURL + "/models", bearer: apiKey)
                return try await http.decode(ModelList.self, from: answer).data.map(\.id)
            } catch {
                http.logger.warning(
                    "The model backend's list of models cannot be read; /v1/models lists MODEL_NAME and MODEL_ALLOWLIST until it can",
                    metadata: ["backend": "\(name)", "error": "\((error as? ChatBackendError)?.apiError.message ?? "\(type(of: error))")"])
                throw error
            }
        }
    }

    func stream(_ input: ChatCompletionInput) async throws -> ProducedStream<ChatStreamEvent> {
        let response = try await send(input, stream: true)
        let backend = name
        return http.events(from: response) { event in
            guard let chunk = Chunk(plain: event.data) ?? (try? JSONDecoder().decode(Chunk.self, from: Data(event.data.utf8))) else {
                throw ChatBackendError.invalidResponse(backend: backend, detail: "an event is not a chat.completion.chunk")
            }
            var items: [ChatStreamEvent] = []
            if let id = UpstreamValue.id(chunk.id) { items.append(.id(id)) }
            for (offset, choice) in chunk.choices.enumerated() {
                let delta = choice.delta
                items.append(.choice(ChoiceDelta(
                    index: choice.index ?? offset, content: delta?.content.flatMap { $0.isEmpty ? nil : $0 },
                    reasoning: delta?.reasoning_content ?? delta?.reasoning, refusal: delta?.refusal, toolCalls: delta?.tool_calls,
                    logprobs: choice.logprobs.flatMap { $0 == .null ? nil : $0 }, finishReason: UpstreamValue.word(choice.finish_reason))))
            }
            if let usage = chunk.usage { items.append(.usage(usage.tokenUsage)) }
            return items
        }
    }
}
