// The ChatBackend protocol and the values it takes and returns, together: one vocabulary every backend speaks.

/// One message of a conversation; encoded as `{"role", "content"}`, as both kinds of upstream take it.
struct ChatMessage: Sendable, Equatable, Encodable {
    enum Role: String, Sendable, CaseIterable, Encodable {
        case system, user, assistant
    }

    let role: Role
    let content: String
}

/// What a backend is asked to complete.
struct ChatCompletionInput: Sendable {
    let model: String
    let messages: [ChatMessage]
    let maxTokens: Int?
    let temperature: Double?
}

/// Tokens a completion used, as the backend counts them.
struct TokenUsage: Sendable, Equatable {
    let promptTokens: Int
    let completionTokens: Int
    /// The backend's breakdowns (OpenAI's `prompt_tokens_details`, `completion_tokens_details`: cached,
    /// reasoning, audio tokens…), passed on as counts; nil when it gives none.
    var promptDetails: [String: Int]? = nil
    var completionDetails: [String: Int]? = nil

    var totalTokens: Int { promptTokens + completionTokens }
}

/// A whole answer.
struct ChatReply: Sendable, Equatable {
    let text: String
    /// Nil when the backend does not say.
    let usage: TokenUsage?
    /// Why the answer ended (`stop`, `length` when cut off by `max_tokens`, `content_filter`, `tool_calls`);
    /// nil when the backend does not say, which clients read as `stop`.
    var finishReason: String? = nil
    /// The backend's id of the completion, when it gives a plain one (`UpstreamValue.id`).
    var id: String? = nil
}

/// A piece of a streamed answer.
enum ChatStreamEvent: Sendable, Equatable {
    /// The next text of the answer.
    case delta(String)
    /// What the whole answer used, when the backend says; comes last.
    case usage(TokenUsage)
    /// Why the answer ended, when the backend says.
    case finish(reason: String)
    /// The backend's id of the completion, when it gives one; comes before the first piece.
    case id(String)
}

/// A model that answers a conversation. One implementation per kind of backend.
protocol ChatBackend: Sendable {
    /// The backend's name in logs, metrics and readiness output.
    var name: String { get }
    /// The model's whole answer.
    func complete(_ input: ChatCompletionInput) async throws -> ChatReply
    /// Starts the answer and returns it piece by piece as the model produces it. Fails (throws) before returning
    /// when the backend refuses the request; ending the iteration early cancels the request to the model.
    func stream(_ input: ChatCompletionInput) async throws -> AsyncThrowingStream<ChatStreamEvent, any Error>
    /// The models the backend serves, for `GET /v1/models`; nil when it has no listing (only `MODEL_NAME` is
    /// listed then).
    func models() async throws -> [String]?
}

extension ChatBackend {
    func models() async throws -> [String]? { nil }
}
