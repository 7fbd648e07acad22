import Foundation

/// The body of `POST /chat/completions` and `POST /v1/chat/completions`, checked field by field so each
/// problem gets its own 400.
struct ChatCompletionRequest: Decodable {
    static let maxTokensRange = 1...8_192
    static let temperatureRange = 0.0...2.0

    let messages: [ChatMessage]

    /// What the backend is asked, with the server's model when the request names none.
    func input(defaultModel: String) -> ChatCompletionInput {
        ChatCompletionInput(model: model ?? defaultModel, messages: messages, maxTokens: maxTokens, temperature: temperature)
    }
    let model: String?
    let maxTokens: Int?
    let temperature: Double?
    /// Answer as server-sent events.
    let stream: Bool
    /// OpenAI's `stream_options.include_usage`: end the stream with a usage chunk.
    let includeUsage: Bool

    private enum CodingKeys: String, CodingKey {
        case messages, model, temperature, stream
        case maxTokens = "max_tokens"
        case streamOptions = "stream_options"
    }

    private struct StreamOptions: Decodable {
        let include_usage: Bool?
    }

    private struct Entry: Decodable {
        let role: String
        let content: String
    }

    init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        // The original's message for a missing or non-array `messages`, kept word for word.
        guard container.contains(.messages), (try? container.decodeNil(forKey: .messages)) == false,
            var list = try? container.nestedUnkeyedContainer(forKey: .messages)
        else { throw APIError.invalidMessages }
        var messages: [ChatMessage] = []
        while !list.isAtEnd {
            let index = messages.count
            guard let entry = try? list.decode(Entry.self) else {
                throw APIError.badRequest(
                    "messages[\(index)] must be an object with a string 'role' and a string 'content'.", code: "invalid_messages", param: "messages")
            }
            guard let role = ChatMessage.Role(rawValue: entry.role), ChatMessage.Role.original.contains(role) else {
                let roles = ChatMessage.Role.original.map(\.rawValue).joined(separator: ", ")
                throw APIError.badRequest("messages[\(index)].role must be one of \(roles).", code: "invalid_messages", param: "messages[\(index)].role")
            }
            messages.append(ChatMessage(role: role, content: entry.content))
        }
        guard !messages.isEmpty else {
            throw APIError.badRequest("messages must contain at least one message.", code: "invalid_messages", param: "messages")
        }
        self.messages = messages
        model = try container.decodeIfPresent(String.self, forKey: .model)
        if let model, model.unicodeScalars.count > 200 || !Self.isModelName(model) {
            throw APIError.badRequest(
                "Field 'model' must be a model name such as @cf/meta/llama-3-8b-instruct: at most 200 characters, letters, digits, '_', '.' and '-' in '/'-separated parts, none of them '.' or '..'.",
                code: "invalid_model", param: "model")
        }
        maxTokens = try container.decodeIfPresent(Int.self, forKey: .maxTokens)
        if let maxTokens, !Self.maxTokensRange.contains(maxTokens) {
            throw APIError.badRequest(
                "Field 'max_tokens' must be from \(Self.maxTokensRange.lowerBound) to \(Self.maxTokensRange.upperBound).",
                code: "invalid_field", param: "max_tokens")
        }
        temperature = try container.decodeIfPresent(Double.self, forKey: .temperature)
        if let temperature, !Self.temperatureRange.contains(temperature) {
            throw APIError.badRequest("Field 'temperature' must be from 0 to 2.", code: "invalid_field", param: "temperature")
        }
        stream = try container.decodeIfPresent(Bool.self, forKey: .stream) ?? false
        includeUsage = try container.decodeIfPresent(StreamOptions.self, forKey: .streamOptions)?.include_usage ?? false
    }

    /// `@?part(/part)*` with parts of `[A-Za-z0-9_.-]` that are not `.` or `..`, exactly the spec's pattern: the
    /// model goes into upstream URLs (Workers AI's `/ai/run/{model}`), where `..` would climb to other API paths.
    static func isModelName(_ model: String) -> Bool {
        let name = model.hasPrefix("@") ? model.dropFirst() : Substring(model)
        let parts = name.split(separator: "/", omittingEmptySubsequences: false)
        return parts.allSatisfy { part in
            !part.isEmpty && part != "." && part != ".."
                && part.unicodeScalars.allSatisfy { ($0.isASCII && CharacterSet.alphanumerics.contains($0)) || "_.-".unicodeScalars.contains($0) }
        }
    }
}
