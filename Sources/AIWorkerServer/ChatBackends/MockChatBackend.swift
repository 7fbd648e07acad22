import Foundation
import JSONValues

/// A deterministic backend with no network: it answers `[mock <model>] You said: <last user message>`, the same
/// text as the stand-in used to measure the original worker, after an optional delay. Streamed, the answer comes
/// word by word. Token counts are word counts.
///
/// For `/v1` it does what OpenAI's API promises, deterministically, so scenarios and SDKs can test those paths
/// without an upstream: with `tools` (and `tool_choice` not `none`) it calls the chosen tool, or the first, with
/// arguments made from its parameters' schema, until the last message is the tool's result, which it answers as
/// `[mock <model>] The tool said: <result>`; it answers `n` choices, cuts at a `stop` text, cuts at `max_tokens`
/// words with `finish_reason: length`, answers `{"answer": <text>}` for `json_object` (or a value of the schema's
/// shape for `json_schema`), and gives each word a log probability of 0 when `logprobs` is asked.
struct MockChatBackend: ChatBackend {
    let delay: Duration

    var name: String { "mock" }

    func complete(_ input: ChatCompletionInput) async throws -> ChatReply {
        if delay > .zero {
            try await Task.sleep(for: delay)
        }
        return Self.reply(input)
    }

    func stream(_ input: ChatCompletionInput) async throws -> ProducedStream<ChatStreamEvent> {
        let reply = Self.reply(input)
        let pieces = reply.choices.flatMap(Self.pieces)
        let pause = delay / max(pieces.count, 1)
        return ProducedStream { send in
            for piece in pieces {
                if pause > .zero { try await Task.sleep(for: pause) }
                try Task.checkCancellation()
                await send(.choice(piece))
            }
            if let usage = reply.usage { await send(.usage(usage)) }
        }
    }

    /// The whole answer: `n` choices, each as the request's options shape it.
    static func reply(_ input: ChatCompletionInput) -> ChatReply {
        let choices = (0..<max(1, input.options.n)).map { choice(input, index: $0) }
        let completion = choices.reduce(0) { $0 + wordCount($1.content ?? "") + $1.toolCalls.reduce(0) { $0 + wordCount($1.function.arguments) } }
        return ChatReply(choices: choices, usage: TokenUsage(promptTokens: promptTokens(input), completionTokens: completion))
    }

    /// The original route's answer text, and the start of every `/v1` text answer.
    static func answer(_ input: ChatCompletionInput) -> String {
        if let last = input.messages.last, last.role == .tool {
            return "[mock \(input.model)] The tool said: \(last.content)"
        }
        let lastUserMessage = input.messages.last { $0.role == .user }?.content ?? ""
        return "[mock \(input.model)] You said: \(lastUserMessage)"
    }

    private static func choice(_ input: ChatCompletionInput, index: Int) -> ChatChoice {
        let options = input.options
        if let tool = calledTool(input) {
            let lastUserMessage = input.messages.last { $0.role == .user }?.content ?? ""
            let arguments = CompactJSON.encode(value(for: tool.parameters, text: lastUserMessage))
            let call = ToolCall(id: "call_mock_\(index)_\(tool.name)", function: .init(name: tool.name, arguments: arguments))
            return ChatChoice(index: index, content: nil, toolCalls: [call], finishReason: "tool_calls")
        }
        var text = answer(input)
        var finishReason = "stop"
        switch options.responseFormat {
        case .text: break
        case .jsonObject: text = CompactJSON.encode(JSONValue.object(["answer": .string(text)]))
        case .jsonSchema(let schema): text = CompactJSON.encode(value(for: schema, text: text))
        }
        if let cut = options.stop.compactMap({ text.range(of: $0)?.lowerBound }).min() {
            text = String(text[..<cut])
        }
        if let maxTokens = input.maxTokens, case let words = Self.words(text), words.count > maxTokens {
            text = words.prefix(maxTokens).joined()
            finishReason = "length"
        }
        let logprobs = options.logprobs ? Self.logprobs(Self.words(text), top: options.topLogprobs) : nil
        return ChatChoice(index: index, content: text, logprobs: logprobs, finishReason: finishReason)
    }

    /// The tool the model calls: none once the last message is a tool's result, or when `tool_choice` is `none`.
    private static func calledTool(_ input: ChatCompletionInput) -> ToolDefinition? {
        guard input.messages.last?.role != .tool else { return nil }
        switch input.options.toolChoice {
        case .none: return nil
        case .auto, .required: return input.options.tools.first
        case .function(let name): return input.options.tools.first { $0.name == name }
        }
    }

    /// A value of the schema's shape: the text for strings, 1 for numbers, true for booleans, one item for arrays,
    /// and for objects their required properties (all of them when none are required).
    static func value(for schema: JSONValue?, text: String, depth: Int = 0) -> JSONValue {
        guard let schema, depth < 8 else { return .string(text) }
        let type = schema["type"]?.stringValue ?? schema["type"]?.arrayValue?.first?.stringValue ?? (schema["properties"] != nil ? "object" : "string")
        if let first = schema["enum"]?.arrayValue?.first { return first }
        switch type {
        case "object":
            let properties = schema["properties"]?.objectValue ?? [:]
            let required = schema["required"]?.arrayValue?.compactMap(\.stringValue) ?? []
            let names = required.isEmpty ? properties.keys.sorted() : required
            return .object(Dictionary(uniqueKeysWithValues: names.map { ($0, value(for: properties[$0], text: text, depth: depth + 1)) }))
        case "array": return .array([value(for: schema["items"], text: text, depth: depth + 1)])
        case "integer", "number": return .number(1)
        case "boolean": return .bool(true)
        case "null": return .null
        default: return .string(text)
        }
    }

    /// OpenAI's `logprobs` for the words: each certain (0), with `top` alternatives, the word itself first.
    private static func logprobs(_ words: [String], top: Int) -> JSONValue {
        func entry(_ token: String, _ logprob: Double) -> JSONValue {
            .object(["token": .string(token), "logprob": .number(logprob), "bytes": .array(token.utf8.map { .number(Double($0)) })])
        }
        return .object(["content": .array(words.map { word in
            var item = entry(word, 0).objectValue!
            item["top_logprobs"] = .array((0..<top).map { $0 == 0 ? entry(word, 0) : entry("\(word)~\($0)", -Double($0) * 10) })
            return .object(item)
        })])
    }

    /// A choice as stream pieces: its words (with their log probabilities), or its tool call with the arguments in
    /// two pieces; the last piece has the finish reason.
    private static func pieces(of choice: ChatChoice) -> [ChoiceDelta] {
        var pieces: [ChoiceDelta] = []
        for (position, call) in choice.toolCalls.enumerated() {
            let head: JSONValue = .object([
                "index": .number(Double(position)), "id": .string(call.id), "type": .string("function"),
                "function": .object(["name": .string(call.function.name), "arguments": .string("")]),
            ])
            pieces.append(ChoiceDelta(index: choice.index, toolCalls: [head]))
            let arguments = call.function.arguments
            let middle = arguments.index(arguments.startIndex, offsetBy: arguments.count / 2)
            for part in [arguments[..<middle], arguments[middle...]] where !part.isEmpty {
                let piece: JSONValue = .object(["index": .number(Double(position)), "function": .object(["arguments": .string(String(part))])])
                pieces.append(ChoiceDelta(index: choice.index, toolCalls: [piece]))
            }
        }
        let tokens = choice.logprobs?["content"]?.arrayValue
        for (position, word) in words(choice.content ?? "").enumerated() {
            let logprobs = tokens.flatMap { position < $0.count ? JSONValue.object(["content": .array([$0[position]])]) : nil }
            pieces.append(ChoiceDelta(index: choice.index, content: word, logprobs: logprobs))
        }
        if pieces.isEmpty { pieces.append(ChoiceDelta(index: choice.index)) }
        pieces[pieces.count - 1].finishReason = choice.finishReason
        return pieces
    }

    /// The text cut after each space, so the pieces join back to the text.
    static func words(_ text: String) -> [String] {
        var pieces: [String] = []
        var current = ""
        for character in text {
            current.append(character)
            if character == " " {
                pieces.append(current)
                current = ""
            }
        }
        if !current.isEmpty { pieces.append(current) }
        return pieces
    }

    static func promptTokens(_ input: ChatCompletionInput) -> Int {
        input.messages.reduce(0) { $0 + wordCount($1.content) }
    }

    /// Runs of non-whitespace. On the scalars rather than the characters: splitting by `Character` was a twentieth
    /// of a chat request's CPU in profiles, for the same count (whitespace is never part of a grapheme's base).
    static func wordCount(_ text: String) -> Int {
        var count = 0
        var inWord = false
        for scalar in text.unicodeScalars {
            let space = scalar.isASCII ? (scalar == " " || ("\t"..."\r").contains(scalar)) : scalar.properties.isWhitespace
            if !space, !inWord { count += 1 }
            inWord = !space
        }
        return count
    }
}
