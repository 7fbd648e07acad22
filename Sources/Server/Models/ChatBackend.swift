/// One message of a conversation.
struct ChatMessage: Sendable, Equatable {
    enum Role: String, Sendable, CaseIterable {
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

/// A model that answers a conversation. One implementation per kind of backend.
protocol ChatBackend: Sendable {
    /// The backend's name in logs and readiness output.
    var name: String { get }
    /// The model's answer to the conversation.
    func complete(_ input: ChatCompletionInput) async throws -> String
}
