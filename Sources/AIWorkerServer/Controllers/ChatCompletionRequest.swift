import Foundation
import NIOCore

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
            messages.append(ChatMessage(role: try Self.role(entry.role, at: index), content: entry.content))
        }
        self.messages = try Self.checked(messages: messages)
        model = try Self.checked(model: container.decodeIfPresent(String.self, forKey: .model))
        maxTokens = try Self.checked(maxTokens: container.decodeIfPresent(Int.self, forKey: .maxTokens))
        temperature = try Self.checked(temperature: container.decodeIfPresent(Double.self, forKey: .temperature))
        stream = try container.decodeIfPresent(Bool.self, forKey: .stream) ?? false
        includeUsage = try container.decodeIfPresent(StreamOptions.self, forKey: .streamOptions)?.include_usage ?? false
    }

    /// The body read with `JSONByteScanner` when it has the shape nearly every client sends: an object of this
    /// type's fields and nothing else, each once, the messages objects of a `role` and a `content` string, and it
    /// passes every check. `nil` otherwise (also when a check fails), for `JSONDecoder` and `init(from:)` to read
    /// the body and name what is wrong. What it reads is what `init(from:)` reads from the same bytes (tested).
    init?(plain body: ByteBuffer) {
        guard let fields = body.withUnsafeReadableBytes({ PlainFields(scanning: $0) }) else { return nil }
        do {
            messages = try Self.checked(messages: fields.messages.enumerated().map { ChatMessage(role: try Self.role($1.role, at: $0), content: $1.content) })
            model = try Self.checked(model: fields.model)
            maxTokens = try Self.checked(maxTokens: fields.maxTokens)
            temperature = try Self.checked(temperature: fields.temperature)
        } catch {
            return nil
        }
        stream = fields.stream ?? false
        includeUsage = fields.includeUsage ?? false
    }

    /// The fields of a plain body, as `init?(plain:)` scans them, unchecked.
    private struct PlainFields {
        var messages: [(role: String, content: String)] = []
        var model: String?
        var maxTokens: Int?
        var temperature: Double?
        var stream: Bool?
        var includeUsage: Bool?

        init?(scanning bytes: UnsafeRawBufferPointer) {
            var scanner = JSONByteScanner(bytes)
            var seen: [CodingKeys] = []
            guard scanner.take("{") else { return nil }
            repeat {
                guard let key = scanner.string().flatMap(CodingKeys.init(rawValue:)), !seen.contains(key), scanner.take(":") else { return nil }
                seen.append(key)
                switch key {
                case .messages:
                    guard scanner.take("[") else { return nil }
                    repeat {
                        guard let message = Self.message(&scanner) else { return nil }
                        messages.append(message)
                    } while scanner.take(",")
                    guard scanner.take("]") else { return nil }
                case .model:
                    if !scanner.takeNull() { guard let value = scanner.string() else { return nil }; model = value }
                case .maxTokens:
                    if !scanner.takeNull() { guard let value = scanner.integer() else { return nil }; maxTokens = value }
                case .temperature:
                    if !scanner.takeNull() { guard let value = scanner.double() else { return nil }; temperature = value }
                case .stream:
                    if !scanner.takeNull() { guard let value = scanner.bool() else { return nil }; stream = value }
                case .streamOptions:
                    if !scanner.takeNull() { guard let value = Self.includeUsage(&scanner) else { return nil }; includeUsage = value }
                }
            } while scanner.take(",")
            guard scanner.take("}"), scanner.atEnd(), !messages.isEmpty else { return nil }
        }

        /// `{"role": "...", "content": "..."}`, each once, nothing else.
        private static func message(_ scanner: inout JSONByteScanner) -> (role: String, content: String)? {
            var role: String?
            var content: String?
            guard scanner.take("{") else { return nil }
            repeat {
                guard let key = scanner.string(), scanner.take(":"), let value = scanner.string() else { return nil }
                switch key {
                case "role" where role == nil: role = value
                case "content" where content == nil: content = value
                default: return nil
                }
            } while scanner.take(",")
            guard scanner.take("}"), let role, let content else { return nil }
            return (role, content)
        }

        /// `stream_options`: `{}` or `{"include_usage": true|false|null}`; `.some(nil)` when it says nothing.
        private static func includeUsage(_ scanner: inout JSONByteScanner) -> Bool?? {
            guard scanner.take("{") else { return nil }
            if scanner.take("}") { return .some(nil) }
            guard scanner.string() == "include_usage", scanner.take(":") else { return nil }
            let value: Bool?
            if scanner.takeNull() {
                value = nil
            } else {
                guard let read = scanner.bool() else { return nil }
                value = read
            }
            guard scanner.take("}") else { return nil }
            return .some(value)
        }
    }

    /// A message's role, when the original API takes it.
    private static func role(_ role: String, at index: Int) throws -> ChatMessage.Role {
        guard let role = ChatMessage.Role(rawValue: role), ChatMessage.Role.original.contains(role) else {
            let roles = ChatMessage.Role.original.map(\.rawValue).joined(separator: ", ")
            throw APIError.badRequest("messages[\(index)].role must be one of \(roles).", code: "invalid_messages", param: "messages[\(index)].role")
        }
        return role
    }

    private static func checked(messages: [ChatMessage]) throws -> [ChatMessage] {
        guard !messages.isEmpty else {
            throw APIError.badRequest("messages must contain at least one message.", code: "invalid_messages", param: "messages")
        }
        return messages
    }

    private static func checked(model: String?) throws -> String? {
        if let model, model.unicodeScalars.count > 200 || !isModelName(model) {
            throw APIError.badRequest(
                "Field 'model' must be a model name such as @cf/meta/llama-3-8b-instruct: at most 200 characters, letters, digits, '_', '.' and '-' in '/'-separated parts, none of them '.' or '..'.",
                code: "invalid_model", param: "model")
        }
        return model
    }

    private static func checked(maxTokens: Int?) throws -> Int? {
        if let maxTokens, !maxTokensRange.contains(maxTokens) {
            throw APIError.badRequest(
                "Field 'max_tokens' must be from \(maxTokensRange.lowerBound) to \(maxTokensRange.upperBound).", code: "invalid_field", param: "max_tokens")
        }
        return maxTokens
    }

    private static func checked(temperature: Double?) throws -> Double? {
        if let temperature, !temperatureRange.contains(temperature) {
            throw APIError.badRequest("Field 'temperature' must be from 0 to 2.", code: "invalid_field", param: "temperature")
        }
        return temperature
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
