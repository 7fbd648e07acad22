import Foundation
import Hummingbird
import ServerSentEvents
import JSONValues

/// OpenAI-compatible routes, so the official OpenAI SDKs work unchanged with `base_url=http://host:8787/v1`
/// and one of the user's API keys: `POST /v1/chat/completions` (also streamed as `chat.completion.chunk`
/// events) and `GET /v1/models`. Errors come in OpenAI's shape (see `OpenAIErrorBody`).
struct OpenAIController {
    let chat: ChatService
    let authentication: AuthenticationMiddleware
    /// The per-user and per-key rate limit, when on (shared with `/chat/completions`).
    let limit: RateLimitMiddleware<AuthenticatedContext>?

    struct Usage: Codable, Sendable {
        let prompt_tokens: Int
        let completion_tokens: Int
        let total_tokens: Int
        /// The backend's breakdowns, when it gave them.
        let prompt_tokens_details: [String: Int]?
        let completion_tokens_details: [String: Int]?

        init(_ usage: TokenUsage) {
            prompt_tokens = usage.promptTokens
            completion_tokens = usage.completionTokens
            total_tokens = usage.totalTokens
            prompt_tokens_details = usage.promptDetails
            completion_tokens_details = usage.completionDetails
        }
    }

    /// A choice's message as OpenAI writes it: `content` always present (null with tool calls or a refusal only),
    /// the rest only when there is something.
    struct Message: Encodable {
        let role: String
        let content: String?
        let toolCalls: [ToolCall]
        let refusal: String?
        let reasoning: String?

        init(_ choice: ChatChoice) {
            role = "assistant"
            content = choice.content
            toolCalls = choice.toolCalls
            refusal = choice.refusal
            reasoning = choice.reasoning
        }

        private enum CodingKeys: String, CodingKey {
            case role, content, refusal
            case toolCalls = "tool_calls"
            case reasoning = "reasoning_content"
        }

        func encode(to encoder: any Encoder) throws {
            var container = encoder.container(keyedBy: CodingKeys.self)
            try container.encode(role, forKey: .role)
            try container.encode(content, forKey: .content)
            if !toolCalls.isEmpty { try container.encode(toolCalls, forKey: .toolCalls) }
            try container.encodeIfPresent(refusal, forKey: .refusal)
            try container.encodeIfPresent(reasoning, forKey: .reasoning)
        }
    }

    struct Completion: ResponseEncodable {
        struct Choice: Encodable {
            let index: Int
            let message: Message
            let logprobs: JSONValue?
            let finish_reason: String

            /// `logprobs: null` is written out, as OpenAI does.
            func encode(to encoder: any Encoder) throws {
                var container = encoder.container(keyedBy: CodingKeys.self)
                try container.encode(index, forKey: .index)
                try container.encode(message, forKey: .message)
                try container.encode(logprobs ?? .null, forKey: .logprobs)
                try container.encode(finish_reason, forKey: .finish_reason)
            }

            private enum CodingKeys: String, CodingKey {
                case index, message, logprobs, finish_reason
            }
        }

        let id: String
        let object: String
        let created: Int
        let model: String
        let choices: [Choice]
        let usage: Usage?
        let system_fingerprint: String?
    }

    struct ModelList: ResponseEncodable {
        struct Model: Encodable {
            let id: String
            let object: String
            let created: Int
            let owned_by: String
        }

        let object: String
        let data: [Model]
    }

    /// `chat.completion.chunk` events: a role chunk, a chunk per piece of a choice (text, tool-call pieces,
    /// reasoning, refusal, log probabilities), a finish chunk per choice, then usage when asked.
    struct ChunkEvents: ChatEventFormat {
        struct Chunk: Encodable {
            struct Choice: Encodable {
                struct Delta: Encodable {
                    var role: String? = nil
                    var content: String? = nil
                    var reasoning_content: String? = nil
                    var refusal: String? = nil
                    var tool_calls: [JSONValue]? = nil
                }

                let index: Int
                let delta: Delta
                var logprobs: JSONValue? = nil
                let finish_reason: String?

                /// `finish_reason: null` is written out, as OpenAI does.
                func encode(to encoder: any Encoder) throws {
                    var container = encoder.container(keyedBy: CodingKeys.self)
                    try container.encode(index, forKey: .index)
                    try container.encode(delta, forKey: .delta)
                    try container.encodeIfPresent(logprobs, forKey: .logprobs)
                    try container.encode(finish_reason, forKey: .finish_reason)
                }

                private enum CodingKeys: String, CodingKey {
                    case index, delta, logprobs, finish_reason
                }
            }

            let id: String
            let object = "chat.completion.chunk"
            let created: Int
            let model: String
            let choices: [Choice]
            let usage: Usage?
        }

        var id: String
        let created: Int
        let model: String
        let includeUsage: Bool
        /// Choices asked for: each gets its role chunk first.
        let choiceCount: Int

        /// Chunks carry the backend's completion id when it gives one.
        mutating func adopt(completionId: String) {
            id = completionId
        }

        private func chunk(_ choices: [Chunk.Choice], usage: Usage? = nil) -> ServerSentEvent {
            ServerSentEvent(data: CompactJSON.encode(Chunk(id: id, created: created, model: model, choices: choices, usage: usage)))
        }

        /// An `error` event in OpenAI's error shape, which the SDKs raise with its message.
        func failure(_ error: APIError) -> ServerSentEvent {
            ServerSentEvent(event: "error", data: CompactJSON.encode(OpenAIErrorBody(error)))
        }

        func opening() -> [ServerSentEvent] {
            (0..<choiceCount).map { chunk([.init(index: $0, delta: .init(role: "assistant", content: ""), finish_reason: nil)]) }
        }

        func events(for delta: ChoiceDelta) -> [ServerSentEvent] {
            if let content = delta.content, delta.reasoning == nil, delta.refusal == nil, delta.toolCalls == nil, delta.logprobs == nil {
                return [ServerSentEvent(data: contentChunk(content, index: delta.index))]
            }
            let piece = Chunk.Choice.Delta(content: delta.content, reasoning_content: delta.reasoning, refusal: delta.refusal, tool_calls: delta.toolCalls)
            return [chunk([.init(index: delta.index, delta: piece, logprobs: delta.logprobs, finish_reason: nil)])]
        }

        /// A chunk with one choice's text and nothing else, as `CompactJSON.encode` writes it (sorted keys), without
        /// an encoder: nearly every event of a stream is one, and the encoder was 14% of a gateway's CPU per token.
        func contentChunk(_ content: String, index: Int) -> String {
            #"{"choices":[{"delta":{"content":"# + CompactJSON.string(content) + #"},"finish_reason":null,"index":"# + String(index)
                + #"}],"created":"# + String(created) + #","id":"# + CompactJSON.string(id) + #","model":"# + CompactJSON.string(model)
                + #","object":"chat.completion.chunk"}"#
        }

        func closing(usage: TokenUsage?, finishReasons: [(index: Int, reason: String?)]) -> [ServerSentEvent] {
            var events = finishReasons.map { chunk([.init(index: $0.index, delta: .init(), finish_reason: $0.reason ?? "stop")]) }
            if includeUsage, let usage { events.append(chunk([], usage: Usage(usage))) }
            return events
        }
    }

    func addRoutes(to group: RouterGroup<AppRequestContext>) {
        group.add(middleware: authentication)
        let authenticated = group.group(context: AuthenticatedContext.self)
        if let limit { authenticated.add(middleware: limit) }
        authenticated.post("chat/completions", use: complete)
        authenticated.get("models", use: models)
    }

    /// A chat completion in OpenAI's shape, or a stream of chunks with `"stream": true`.
    @Sendable func complete(_ request: Request, context: AuthenticatedContext) async throws -> Response {
        var request = request
        let body = try context.requestDecoder.decode(OpenAIChatRequest.self, from: try await request.keepBody(context: context))
        let input = body.input(defaultModel: chat.defaultModel)
        let id = "chatcmpl-" + RandomID.make(length: 24)
        let created = Int(Date().timeIntervalSince1970)
        if body.stream {
            let stream = try await chat.stream(input, userId: context.principal.userId)
            let format = ChunkEvents(id: id, created: created, model: input.model, includeUsage: body.includeUsage, choiceCount: input.options.n)
            return .eventStream(stream.events.serverSentEvents(format, logger: context.logger), slot: stream.slot, request: request, metrics: chat.metrics)
        }
        let reply = try await chat.complete(input)
        return try Completion(
            id: reply.id ?? id, object: "chat.completion", created: created, model: input.model,
            choices: reply.choices.map { .init(index: $0.index, message: Message($0), logprobs: $0.logprobs, finish_reason: $0.finishReason ?? "stop") },
            usage: reply.usage.map(Usage.init), system_fingerprint: reply.systemFingerprint
        ).response(from: request, context: context)
    }

    /// The models a client may ask for: `MODEL_NAME` first, then those the backend lists (within
    /// `MODEL_ALLOWLIST` when it is set), fetched at most once a minute; never an error of the backend's.
    @Sendable func models(_ request: Request, context: AuthenticatedContext) async throws -> ModelList {
        let models = await chat.models()
        return ModelList(object: "list", data: models.map { .init(id: $0, object: "model", created: 0, owned_by: chat.backend.name) })
    }
}
