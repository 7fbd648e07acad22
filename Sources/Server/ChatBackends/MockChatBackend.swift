/// A deterministic backend with no network: it answers `[mock <model>] You said: <last user message>`,
/// the same text as the stand-in used to measure the original worker, after an optional delay. Streamed, the
/// answer comes word by word. Token counts are word counts.
struct MockChatBackend: ChatBackend {
    let delay: Duration

    var name: String { "mock" }

    func complete(_ input: ChatCompletionInput) async throws -> ChatReply {
        if delay > .zero {
            try await Task.sleep(for: delay)
        }
        let text = Self.answer(input)
        return ChatReply(text: text, usage: Self.usage(input, text))
    }

    func stream(_ input: ChatCompletionInput) async throws -> AsyncThrowingStream<ChatStreamEvent, any Error> {
        let text = Self.answer(input)
        let pieces = Self.words(text)
        let pause = delay / max(pieces.count, 1)
        return AsyncThrowingStream { continuation in
            let task = Task {
                do {
                    for piece in pieces {
                        if pause > .zero { try await Task.sleep(for: pause) }
                        try Task.checkCancellation()
                        continuation.yield(.delta(piece))
                    }
                    continuation.yield(.usage(Self.usage(input, text)))
                    continuation.finish()
                } catch {
                    continuation.finish(throwing: error)
                }
            }
            continuation.onTermination = { _ in task.cancel() }
        }
    }

    static func answer(_ input: ChatCompletionInput) -> String {
        let lastUserMessage = input.messages.last { $0.role == .user }?.content ?? ""
        return "[mock \(input.model)] You said: \(lastUserMessage)"
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

    static func usage(_ input: ChatCompletionInput, _ text: String) -> TokenUsage {
        TokenUsage(promptTokens: input.messages.reduce(0) { $0 + wordCount($1.content) }, completionTokens: wordCount(text))
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
