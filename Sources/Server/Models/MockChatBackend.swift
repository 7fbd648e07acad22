/// A deterministic backend with no network: it answers `[mock <model>] You said: <last user message>`,
/// the same text as the stand-in used to measure the original worker, after an optional delay.
struct MockChatBackend: ChatBackend {
    let delay: Duration

    var name: String { "mock" }

    func complete(_ input: ChatCompletionInput) async throws -> String {
        if delay > .zero {
            try await Task.sleep(for: delay)
        }
        let lastUserMessage = input.messages.last { $0.role == .user }?.content ?? ""
        return "[mock \(input.model)] You said: \(lastUserMessage)"
    }
}
