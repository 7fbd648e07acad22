import Foundation
import Hummingbird
import ServerSentEvents

/// OpenAI-compatible routes, so the official OpenAI SDKs work unchanged with `base_url=http://host:8787/v1`
/// and one of the user's API keys: `POST /v1/chat/completions` (also streamed as `chat.completion.chunk`
/// events) and `GET /v1/models`. Errors come in OpenAI's shape (see `OpenAIErrorMiddleware`).
struct OpenAIController {
    let chat: ChatService
    let authentication: AuthenticationMiddleware
    /// The per-user and per-key rate limit, when on (shared with `/chat/completions`).
    let limit: RateLimitMiddleware?

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

    struct Completion: ResponseEncodable {
        struct Choice: Encodable {
            struct Message: Encodable {
                let role: String
                let content: String
            }

            let index: Int
            let message: Message
            let finish_reason: String
        }

        let id: String
        let object: String
        let created: Int
        let model: String
        let choices: [Choice]
        let usage: Usage?
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

    /// `chat.completion.chunk` events: a role chunk, content chunks, a `stop` chunk, then usage when asked.
    struct ChunkEvents: ChatEventFormat {
        struct Chunk: Encodable {
            struct Choice: Encodable {
                struct Delta: Encodable {
                    let role: String?
                    let content: String?
                }

                let index: Int
                let delta: Delta
                let finish_reason: String?

                /// `finish_reason: null` is written out, as OpenAI does.
                func encode(to encoder: any Encoder) throws {
                    var container = encoder.container(keyedBy: CodingKeys.self)
                    try container.encode(index, forKey: .index)
                    try container.encode(delta, forKey: .delta)
                    try container.encode(finish_reason, forKey: .finish_reason)
                }

                private enum CodingKeys: String, CodingKey {
                    case index, delta, finish_reason
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

        /// Chunks carry the backend's completion id when it gives one.
        mutating func adopt(completionId: String) {
            id = completionId
        }

        private func chunk(_ choices: [Chunk.Choice], usage: Usage? = nil) -> ServerSentEvent {
            ServerSentEvent(data: CompactJSON.encode(Chunk(id: id, created: created, model: model, choices: choices, usage: usage)))
        }

        /// An `error` event in OpenAI's error shape, which the SDKs raise with its message.
        func failure(_ error: APIError) -> ServerSentEvent {
            ServerSentEvent(event: "error", data: CompactJSON.encode(OpenAIErrorMiddleware.Body(error)))
        }

        func opening() -> [ServerSentEvent] {
            [chunk([.init(index: 0, delta: .init(role: "assistant", content: ""), finish_reason: nil)])]
        }

        func events(forDelta text: String) -> [ServerSentEvent] {
            [chunk([.init(index: 0, delta: .init(role: nil, content: text), finish_reason: nil)])]
        }

        func closing(usage: TokenUsage?, finishReason: String?) -> [ServerSentEvent] {
            var events = [chunk([.init(index: 0, delta: .init(role: nil, content: nil), finish_reason: finishReason ?? "stop")])]
            if includeUsage, let usage { events.append(chunk([], usage: Usage(usage))) }
            return events
        }
    }

    func addRoutes(to group: RouterGroup<AppRequestContext>) {
        group.add(middleware: authentication)
        if let limit { group.add(middleware: limit) }
        let authenticated = group.group(context: AuthenticatedContext.self)
        authenticated.post("chat/completions", use: complete)
        authenticated.get("models", use: models)
    }

    /// A chat completion in OpenAI's shape, or a stream of chunks with `"stream": true`.
    @Sendable func complete(_ request: Request, context: AuthenticatedContext) async throws -> Response {
        let input = try await request.decode(as: ChatCompletionRequest.self, context: context)
        let id = "chatcmpl-" + RandomID.make(length: 24)
        let created = Int(Date().timeIntervalSince1970)
        let model = input.model ?? chat.defaultModel
        if input.stream {
            let stream = try await chat.stream(input)
            let format = ChunkEvents(id: id, created: created, model: model, includeUsage: input.includeUsage)
            return .eventStream(stream.serverSentEvents(format, logger: context.logger), metrics: chat.metrics)
        }
        let reply = try await chat.complete(input)
        return try Completion(
            id: reply.id ?? id, object: "chat.completion", created: created, model: model,
            choices: [.init(index: 0, message: .init(role: "assistant", content: reply.text), finish_reason: reply.finishReason ?? "stop")],
            usage: reply.usage.map(Usage.init)
        ).response(from: request, context: context)
    }

    /// The models a client may ask for: `MODEL_NAME` first, then those the backend lists (within
    /// `MODEL_ALLOWLIST` when it is set), fetched at most once a minute; never an error of the backend's.
    @Sendable func models(_ request: Request, context: AuthenticatedContext) async throws -> ModelList {
        let models = await chat.models()
        return ModelList(object: "list", data: models.map { .init(id: $0, object: "model", created: 0, owned_by: chat.backend.name) })
    }
}
