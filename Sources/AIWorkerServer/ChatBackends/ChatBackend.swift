import JSONValues

// The ChatBackend protocol and the values it takes and returns, together: one vocabulary every backend speaks.

/// A call of a function the model asks for, as OpenAI writes it in `tool_calls`.
struct ToolCall: Sendable, Equatable, Codable {
    struct Function: Sendable, Equatable, Codable {
        let name: String
        /// The arguments as JSON text, as the model wrote them.
        let arguments: String
    }

    let id: String
    var type = "function"
    let function: Function
}

/// One message of a conversation; encoded as OpenAI's message (`{"role", "content"}`, with `tool_calls` or
/// `tool_call_id` when it has them), as both kinds of upstream take it.
struct ChatMessage: Sendable, Equatable, Encodable {
    enum Role: String, Sendable, CaseIterable, Encodable {
        case system, developer, user, assistant, tool

        /// The roles the original API (`/chat/completions`) takes.
        static let original: [Role] = [.system, .user, .assistant]
    }

    let role: Role
    /// The text: a string content, or the text parts of a content array joined; empty for `null`.
    let content: String
    /// What an assistant message asked for.
    var toolCalls: [ToolCall] = []
    /// The call a `tool` message answers.
    var toolCallId: String? = nil

    private enum CodingKeys: String, CodingKey {
        case role, content
        case toolCalls = "tool_calls"
        case toolCallId = "tool_call_id"
    }

    func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(role, forKey: .role)
        if content.isEmpty && !toolCalls.isEmpty { try container.encodeNil(forKey: .content) } else { try container.encode(content, forKey: .content) }
        if !toolCalls.isEmpty { try container.encode(toolCalls, forKey: .toolCalls) }
        try container.encodeIfPresent(toolCallId, forKey: .toolCallId)
    }
}

/// A function a request offers the model (OpenAI's `tools` entry).
struct ToolDefinition: Sendable, Equatable {
    let name: String
    let description: String?
    /// Its parameters' JSON Schema, when it has one.
    let parameters: JSONValue?
}

/// What `/v1` asks beyond the messages, as the request validated it; the defaults are what the original route asks.
struct ChatOptions: Sendable {
    enum ToolChoice: Sendable, Equatable {
        case none, auto, required
        case function(String)
    }

    enum ResponseFormat: Sendable, Equatable {
        case text, jsonObject
        /// Answers must match this JSON Schema.
        case jsonSchema(JSONValue)
    }

    var tools: [ToolDefinition] = []
    var toolChoice = ToolChoice.auto
    /// Choices to answer.
    var n = 1
    /// Texts that end an answer where they would start.
    var stop: [String] = []
    var responseFormat = ResponseFormat.text
    var logprobs = false
    var topLogprobs = 0
    /// The request as the client sent it: an OpenAI-compatible upstream gets it whole (the model resolved), so
    /// that fields this server does not read (`seed`, `logit_bias`, `metadata`, ones newer than this server) reach it.
    var body: [String: JSONValue]? = nil
}

/// What a backend is asked to complete.
struct ChatCompletionInput: Sendable {
    let model: String
    let messages: [ChatMessage]
    let maxTokens: Int?
    let temperature: Double?
    var options = ChatOptions()
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

/// One answer of a completion (one of `n`).
struct ChatChoice: Sendable, Equatable {
    var index = 0
    /// Nil when the model answered with tool calls, a refusal or reasoning only.
    var content: String?
    var toolCalls: [ToolCall] = []
    var refusal: String? = nil
    /// The model's reasoning, when the backend sends it (`reasoning_content` or `reasoning`).
    var reasoning: String? = nil
    /// OpenAI's `logprobs` object, as the backend sent it.
    var logprobs: JSONValue? = nil
    /// Why the answer ended (`stop`, `length` when cut off by `max_tokens`, `content_filter`, `tool_calls`);
    /// nil when the backend does not say, which clients read as `stop`.
    var finishReason: String? = nil
}

/// A whole answer.
struct ChatReply: Sendable, Equatable {
    /// At least one; more for `n`.
    let choices: [ChatChoice]
    /// Nil when the backend does not say.
    let usage: TokenUsage?
    /// The backend's id of the completion, when it gives a plain one (`UpstreamValue.id`).
    var id: String? = nil
    var systemFingerprint: String? = nil

    /// A one-choice answer of text.
    init(text: String, usage: TokenUsage?, finishReason: String? = nil, id: String? = nil) {
        self.init(choices: [ChatChoice(content: text, finishReason: finishReason)], usage: usage, id: id)
    }

    init(choices: [ChatChoice], usage: TokenUsage?, id: String? = nil, systemFingerprint: String? = nil) {
        self.choices = choices.isEmpty ? [ChatChoice(content: "")] : choices
        self.usage = usage
        self.id = id
        self.systemFingerprint = systemFingerprint
    }

    /// The first choice's text, what the original route answers.
    var text: String { choices[0].content ?? "" }
}

/// A piece of one choice of a streamed answer, as OpenAI's `delta`.
struct ChoiceDelta: Sendable, Equatable {
    var index = 0
    var content: String? = nil
    var reasoning: String? = nil
    var refusal: String? = nil
    /// Pieces of tool calls, each with its `index`; the first piece of a call has its id and function name, the
    /// next ones more of its arguments.
    var toolCalls: [JSONValue]? = nil
    var logprobs: JSONValue? = nil
    var finishReason: String? = nil
}

/// A piece of a streamed answer.
enum ChatStreamEvent: Sendable, Equatable {
    /// The next piece of a choice.
    case choice(ChoiceDelta)
    /// What the whole answer used, when the backend says; comes last.
    case usage(TokenUsage)
    /// The backend's id of the completion, when it gives one; comes before the first piece.
    case id(String)

    /// The next text of the first choice.
    static func delta(_ text: String) -> ChatStreamEvent { .choice(ChoiceDelta(content: text)) }
}

/// A model that answers a conversation. One implementation per kind of backend.
protocol ChatBackend: Sendable {
    /// The backend's name in logs, metrics and readiness output.
    var name: String { get }
    /// The model's whole answer.
    func complete(_ input: ChatCompletionInput) async throws -> ChatReply
    /// Starts the answer and returns it piece by piece as the model produces it. Fails (throws) before returning
    /// when the backend refuses the request; ending the iteration early cancels the request to the model.
    func stream(_ input: ChatCompletionInput) async throws -> ProducedStream<ChatStreamEvent>
    /// The models the backend serves, for `GET /v1/models`; nil when it has no listing (only `MODEL_NAME` is
    /// listed then).
    func models() async throws -> [String]?
}

extension ChatBackend {
    func models() async throws -> [String]? { nil }
}
