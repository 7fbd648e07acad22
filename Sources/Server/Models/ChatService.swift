/// Calls the model backend for both chat routes, timing every call for the metrics.
struct ChatService: Sendable {
    let backend: any ChatBackend
    let metrics: AppMetrics
    /// The model used when a request names none.
    let defaultModel: String

    func complete(_ request: ChatCompletionRequest) async throws -> ChatReply {
        try await timed { try await backend.complete(request.input(defaultModel: defaultModel)) }
    }

    /// Starts a streamed answer; the time recorded is until the backend starts answering.
    func stream(_ request: ChatCompletionRequest) async throws -> AsyncThrowingStream<ChatStreamEvent, any Error> {
        try await timed { try await backend.stream(request.input(defaultModel: defaultModel)) }
    }

    private func timed<Value>(_ call: () async throws -> Value) async throws -> Value {
        let start = ContinuousClock.now
        do {
            let value = try await call()
            metrics.chatBackendCall(backend: backend.name, duration: ContinuousClock.now - start, failed: false)
            return value
        } catch {
            metrics.chatBackendCall(backend: backend.name, duration: ContinuousClock.now - start, failed: true)
            throw error
        }
    }
}
