import Foundation
import JSONValues

/// The body of `POST /v1/chat/completions` as OpenAI defines it: messages of every role (assistant tool calls
/// with `content: null`, `tool` results, content-part arrays), `tools`, `tool_choice`, `parallel_tool_calls`,
/// `response_format`, `stop`, `seed`, `n`, `logprobs`, `top_logprobs`, the penalties, `logit_bias`, `user`,
/// `max_completion_tokens`, `stream_options` and `metadata`, each checked to OpenAI's documented types and ranges
/// (400 naming the field in `param`). Fields it does not know are kept: an OpenAI-compatible upstream gets them.
struct OpenAIChatRequest: Decodable {
    static let maxTools = 128
    static let maxChoices = 128
    static let maxStops = 4
    static let maxMetadata = 16
    /// A function or schema name as OpenAI allows it: 1 to 64 ASCII letters, digits, `_` or `-`.
    static func isName(_ name: String) -> Bool {
        (1...64).contains(name.utf8.count) && name.unicodeScalars.allSatisfy { $0.isASCII && (CharacterSet.alphanumerics.contains($0) || $0 == "_" || $0 == "-") }
    }

    /// The body as sent, for an OpenAI-compatible upstream.
    let body: [String: JSONValue]
    let messages: [ChatMessage]
    let model: String?
    let maxTokens: Int?
    let temperature: Double?
    let stream: Bool
    /// `stream_options.include_usage`: end the stream with a usage chunk.
    let includeUsage: Bool
    let options: ChatOptions

    /// What the backend is asked, with the server's model when the request names none.
    func input(defaultModel: String) -> ChatCompletionInput {
        ChatCompletionInput(model: model ?? defaultModel, messages: messages, maxTokens: maxTokens, temperature: temperature, options: options)
    }

    init(from decoder: any Decoder) throws {
        let body: [String: JSONValue]
        do {
            body = try [String: JSONValue](from: decoder)
        } catch {
            throw APIError.badRequest("The request body must be a JSON object.", code: "invalid_json")
        }
        self.body = body
        messages = try Self.messages(body["messages"])
        model = try Self.field(body, "model") { $0.stringValue }
        if let model, model.unicodeScalars.count > 200 || !ChatCompletionRequest.isModelName(model) {
            throw APIError.badRequest(
                "Field 'model' must be a model name such as @cf/meta/llama-3-8b-instruct: at most 200 characters, letters, digits, '_', '.' and '-' in '/'-separated parts, none of them '.' or '..'.",
                code: "invalid_model", param: "model")
        }
        // `max_completion_tokens` is the newer name of `max_tokens`; either bounds the answer.
        let maxTokens = try Self.integer(body, "max_tokens", in: ChatCompletionRequest.maxTokensRange)
        let maxCompletionTokens = try Self.integer(body, "max_completion_tokens", in: ChatCompletionRequest.maxTokensRange)
        self.maxTokens = maxCompletionTokens ?? maxTokens
        temperature = try Self.number(body, "temperature", in: ChatCompletionRequest.temperatureRange)
        _ = try Self.number(body, "top_p", in: 0...1)
        _ = try Self.number(body, "presence_penalty", in: -2...2)
        _ = try Self.number(body, "frequency_penalty", in: -2...2)
        _ = try Self.integer(body, "seed", in: Int(Int64.min / 2)...Int(Int64.max / 2))
        _ = try Self.field(body, "user") { $0.stringValue }
        _ = try Self.field(body, "parallel_tool_calls") { $0.boolValue }
        stream = try Self.field(body, "stream") { $0.boolValue } ?? false
        let streamOptions = try Self.field(body, "stream_options") { $0.objectValue }
        includeUsage = try streamOptions.flatMap { try Self.field($0, "include_usage", param: "stream_options.include_usage") { $0.boolValue } } ?? false
        try Self.checkLogitBias(body["logit_bias"])
        try Self.checkMetadata(body["metadata"])

        var options = ChatOptions(body: body)
        options.tools = try Self.tools(body["tools"])
        options.toolChoice = try Self.toolChoice(body["tool_choice"], tools: options.tools)
        options.n = try Self.integer(body, "n", in: 1...Self.maxChoices) ?? 1
        options.stop = try Self.stop(body["stop"])
        options.responseFormat = try Self.responseFormat(body["response_format"])
        options.logprobs = try Self.field(body, "logprobs") { $0.boolValue } ?? false
        options.topLogprobs = try Self.integer(body, "top_logprobs", in: 0...20) ?? 0
        if body["top_logprobs"].map({ $0 != .null }) == true, !options.logprobs {
            throw APIError.badRequest("Field 'top_logprobs' needs 'logprobs': true.", code: "invalid_field", param: "top_logprobs")
        }
        self.options = options
    }

    // MARK: Messages

    /// Every message, by role: `system`, `developer` and `user` with text or content parts; `assistant` with text,
    /// or `content: null` (or none) with `tool_calls` or a `refusal`; `tool` with the `tool_call_id` it answers.
    private static func messages(_ value: JSONValue?) throws -> [ChatMessage] {
        guard let list = value?.arrayValue else { throw APIError.invalidMessages }
        guard !list.isEmpty else {
            throw APIError.badRequest("messages must contain at least one message.", code: "invalid_messages", param: "messages")
        }
        return try list.enumerated().map { index, entry in
            let at = "messages[\(index)]"
            func invalid(_ what: String, _ param: String) -> APIError {
                APIError.badRequest("\(at)\(what)", code: "invalid_messages", param: param)
            }
            guard let message = entry.objectValue else { throw invalid(" must be an object with a 'role'.", at) }
            guard let role = message["role"]?.stringValue.flatMap(ChatMessage.Role.init(rawValue:)) else {
                throw invalid(".role must be one of \(ChatMessage.Role.allCases.map(\.rawValue).joined(separator: ", ")).", "\(at).role")
            }
            let toolCalls = role == .assistant ? try Self.toolCalls(message["tool_calls"], at: "\(at).tool_calls") : []
            let content: String
            switch message["content"] ?? .null {
            case .string(let text): content = text
            case .array(let parts): content = try Self.text(of: parts, at: "\(at).content")
            case .null where role == .assistant && (!toolCalls.isEmpty || message["refusal"]?.stringValue != nil): content = ""
            default:
                throw invalid(
                    ".content must be a string or an array of content parts" + (role == .assistant ? " (or null with tool_calls or a refusal)." : "."),
                    "\(at).content")
            }
            if let refusal = message["refusal"], refusal != .null, refusal.stringValue == nil { throw invalid(".refusal must be a string.", "\(at).refusal") }
            var toolCallId: String?
            if role == .tool {
                guard let id = message["tool_call_id"]?.stringValue, !id.isEmpty else {
                    throw invalid(".tool_call_id must name the tool call this message answers.", "\(at).tool_call_id")
                }
                toolCallId = id
            }
            if let name = message["name"], name.stringValue == nil { throw invalid(".name must be a string.", "\(at).name") }
            return ChatMessage(role: role, content: content, toolCalls: toolCalls, toolCallId: toolCallId)
        }
    }

    /// The text parts of a content array, joined; other parts (images, audio, files) are objects with a `type`.
    private static func text(of parts: [JSONValue], at: String) throws -> String {
        try parts.enumerated().compactMap { index, part -> String? in
            guard let type = part["type"]?.stringValue else {
                throw APIError.badRequest("\(at)[\(index)] must be an object with a 'type'.", code: "invalid_messages", param: "\(at)[\(index)].type")
            }
            guard type == "text" else { return nil }
            guard let text = part["text"]?.stringValue else {
                throw APIError.badRequest("\(at)[\(index)].text must be a string.", code: "invalid_messages", param: "\(at)[\(index)].text")
            }
            return text
        }.joined(separator: "\n")
    }

    /// An assistant message's `tool_calls`: each `{"id", "type": "function", "function": {"name", "arguments"}}`.
    private static func toolCalls(_ value: JSONValue?, at: String) throws -> [ToolCall] {
        guard let value, value != .null else { return [] }
        guard let list = value.arrayValue else { throw APIError.badRequest("\(at) must be an array.", code: "invalid_messages", param: at) }
        return try list.enumerated().map { index, call in
            guard let id = call["id"]?.stringValue, call["type"]?.stringValue ?? "function" == "function",
                  let name = call["function"]?["name"]?.stringValue, let arguments = call["function"]?["arguments"]?.stringValue
            else {
                throw APIError.badRequest(
                    "\(at)[\(index)] must be {\"id\", \"type\": \"function\", \"function\": {\"name\", \"arguments\"}} with string values.",
                    code: "invalid_messages", param: "\(at)[\(index)]")
            }
            return ToolCall(id: id, function: .init(name: name, arguments: arguments))
        }
    }

    // MARK: Tools and output

    private static func tools(_ value: JSONValue?) throws -> [ToolDefinition] {
        guard let value, value != .null else { return [] }
        guard let list = value.arrayValue, list.count <= maxTools else {
            throw APIError.badRequest("Field 'tools' must be an array of at most \(maxTools) tools.", code: "invalid_field", param: "tools")
        }
        return try list.enumerated().map { index, tool in
            let at = "tools[\(index)]"
            guard tool["type"]?.stringValue == "function", let function = tool["function"]?.objectValue else {
                throw APIError.badRequest("\(at) must be {\"type\": \"function\", \"function\": {...}}.", code: "invalid_field", param: at)
            }
            guard let name = function["name"]?.stringValue, isName(name) else {
                throw APIError.badRequest(
                    "\(at).function.name must be 1 to 64 letters, digits, '_' or '-'.", code: "invalid_field", param: "\(at).function.name")
            }
            if let description = function["description"], description.stringValue == nil {
                throw APIError.badRequest("\(at).function.description must be a string.", code: "invalid_field", param: "\(at).function.description")
            }
            if let parameters = function["parameters"], parameters.objectValue == nil {
                throw APIError.badRequest(
                    "\(at).function.parameters must be a JSON Schema object.", code: "invalid_field", param: "\(at).function.parameters")
            }
            if let strict = function["strict"], strict.boolValue == nil, strict != .null {
                throw APIError.badRequest("\(at).function.strict must be a boolean.", code: "invalid_field", param: "\(at).function.strict")
            }
            return ToolDefinition(name: name, description: function["description"]?.stringValue, parameters: function["parameters"])
        }
    }

    /// `none`, `auto`, `required`, or `{"type": "function", "function": {"name"}}`. Whether the named tool is among
    /// the tools is the backend's to judge, as its types are this server's: an OpenAI-compatible upstream refuses
    /// it with its own reason, and the mock calls no tool it was not given.
    private static func toolChoice(_ value: JSONValue?, tools: [ToolDefinition]) throws -> ChatOptions.ToolChoice {
        switch value {
        case nil, .null?: return tools.isEmpty ? .none : .auto
        case .string("none")?: return .none
        case .string("auto")?: return .auto
        case .string("required")?: return .required
        case let choice?:
            guard choice["type"]?.stringValue == "function", let name = choice["function"]?["name"]?.stringValue else {
                throw APIError.badRequest(
                    "Field 'tool_choice' must be none, auto, required or {\"type\": \"function\", \"function\": {\"name\"}}.",
                    code: "invalid_field", param: "tool_choice")
            }
            return .function(name)
        }
    }

    /// `{"type": "text"}`, `{"type": "json_object"}`, or `{"type": "json_schema", "json_schema": {"name", "schema"?, "strict"?}}`.
    private static func responseFormat(_ value: JSONValue?) throws -> ChatOptions.ResponseFormat {
        guard let value, value != .null else { return .text }
        switch value["type"]?.stringValue {
        case "text": return .text
        case "json_object": return .jsonObject
        case "json_schema":
            guard let format = value["json_schema"]?.objectValue, let name = format["name"]?.stringValue, isName(name) else {
                throw APIError.badRequest(
                    "response_format.json_schema must be an object with a 'name' of 1 to 64 letters, digits, '_' or '-'.",
                    code: "invalid_field", param: "response_format.json_schema")
            }
            if let description = format["description"], description.stringValue == nil {
                throw APIError.badRequest(
                    "response_format.json_schema.description must be a string.", code: "invalid_field", param: "response_format.json_schema.description")
            }
            if let strict = format["strict"], strict.boolValue == nil, strict != .null {
                throw APIError.badRequest(
                    "response_format.json_schema.strict must be a boolean.", code: "invalid_field", param: "response_format.json_schema.strict")
            }
            if let schema = format["schema"], schema.objectValue == nil {
                throw APIError.badRequest(
                    "response_format.json_schema.schema must be a JSON Schema object.", code: "invalid_field", param: "response_format.json_schema.schema")
            }
            return .jsonSchema(format["schema"] ?? .object([:]))
        default:
            throw APIError.badRequest(
                "response_format.type must be text, json_object or json_schema.", code: "invalid_field", param: "response_format.type")
        }
    }

    /// A string or up to four strings.
    private static func stop(_ value: JSONValue?) throws -> [String] {
        switch value {
        case nil, .null?: return []
        case .string(let text)?: return [text]
        case .array(let list)? where list.count <= maxStops && list.allSatisfy({ $0.stringValue != nil }): return list.compactMap(\.stringValue)
        default:
            throw APIError.badRequest("Field 'stop' must be a string or an array of up to \(maxStops) strings.", code: "invalid_field", param: "stop")
        }
    }

    /// Token ids (as strings of digits) to biases from -100 to 100.
    private static func checkLogitBias(_ value: JSONValue?) throws {
        guard let value, value != .null else { return }
        guard let object = value.objectValue, object.allSatisfy({ key, bias in
            !key.isEmpty && key.allSatisfy(\.isASCII) && key.allSatisfy(\.isNumber) && bias.numberValue.map { (-100...100).contains($0) } == true
        }) else {
            throw APIError.badRequest(
                "Field 'logit_bias' must map token ids to numbers from -100 to 100.", code: "invalid_field", param: "logit_bias")
        }
    }

    /// Up to 16 pairs of strings: keys up to 64 characters, values up to 512.
    private static func checkMetadata(_ value: JSONValue?) throws {
        guard let value, value != .null else { return }
        guard let object = value.objectValue, object.count <= maxMetadata, object.allSatisfy({ key, text in
            key.count <= 64 && text.stringValue.map { $0.count <= 512 } == true
        }) else {
            throw APIError.badRequest(
                "Field 'metadata' must hold up to \(maxMetadata) strings of up to 512 characters, under keys of up to 64.",
                code: "invalid_field", param: "metadata")
        }
    }

    // MARK: Typed fields

    /// The field read by `read`, nil when absent or null; a 400 naming it when it has another type.
    private static func field<Value>(_ object: [String: JSONValue], _ name: String, param: String? = nil, _ read: (JSONValue) -> Value?) throws -> Value? {
        guard let value = object[name], value != .null else { return nil }
        guard let read = read(value) else {
            throw APIError.badRequest("Field '\(param ?? name)' has the wrong type (\(value.typeName)).", code: "invalid_field", param: param ?? name)
        }
        return read
    }

    private static func integer(_ object: [String: JSONValue], _ name: String, in range: ClosedRange<Int>) throws -> Int? {
        let value = try field(object, name) { $0.integerValue.map { Int($0) } }
        if let value, !range.contains(value) {
            throw APIError.badRequest("Field '\(name)' must be from \(range.lowerBound) to \(range.upperBound).", code: "invalid_field", param: name)
        }
        return value
    }

    private static func number(_ object: [String: JSONValue], _ name: String, in range: ClosedRange<Double>) throws -> Double? {
        let value = try field(object, name) { $0.numberValue }
        if let value, !range.contains(value) {
            throw APIError.badRequest(
                "Field '\(name)' must be from \(range.lowerBound.formatted()) to \(range.upperBound.formatted()).", code: "invalid_field", param: name)
        }
        return value
    }
}
