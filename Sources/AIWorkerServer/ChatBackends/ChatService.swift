/// Calls the model backend for both chat routes, timing every call for the metrics.
struct ChatService: Sendable {
    let backend: any ChatBackend
    let metrics: AppMetrics
    /// The model used when a request names none.
    let defaultModel: String
    /// The most messages, and characters across them, one request may send.
    let maxMessages: Int
    let maxCharacters: Int
    /// The streamed answers open now, against their caps.
    let streams: ChatStreamSlots
    /// The models a request may name (`MODEL_ALLOWLIST`, the default model always among them); nil: any.
    var allowedModels: Set<String>? = nil

    func complete(_ input: ChatCompletionInput) async throws -> ChatReply {
        try checkLimits(input)
        return try await timed { try await backend.complete(input) }
    }

    /// Starts a streamed answer for `userId` within the stream caps; the time recorded is until the backend starts
    /// answering. The slot is the stream's place under the caps and its share of the user's bandwidth: the caller
    /// paces its writes by it and frees it when the answer ends.
    func stream(_ input: ChatCompletionInput, userId: String) async throws -> (events: ProducedStream<ChatStreamEvent>, slot: StreamSlot) {
        try checkLimits(input)
        let slot: StreamSlot
        do {
            slot = try streams.take(userId: userId)
        } catch let error as APIError {
            metrics.streamRefused(cap: error.status == .tooManyRequests ? "user" : "server")
            throw error
        }
        return (try await timed { try await backend.stream(input) }, slot)
    }

    /// The models a client may ask for: the default first, then the backend's own list (only the allowed ones
    /// when `MODEL_ALLOWLIST` is set); just the default when the backend has no listing. Never fails because of
    /// the backend: when its list cannot be read (down, an error, an unreadable answer), the default and
    /// `MODEL_ALLOWLIST`, with `chat_model_list_stale` at 1 in the metrics until the list is read again.
    func models() async -> [String] {
        let listed: [String]
        do {
            listed = try await backend.models() ?? []
            metrics.modelListStale(backend: backend.name).record(0)
        } catch {
            listed = allowedModels?.sorted() ?? []
            metrics.modelListStale(backend: backend.name).record(1)
        }
        let offered = listed.filter { allowedModels?.contains($0) ?? true }
        return [defaultModel] + offered.filter { $0 != defaultModel }.reduce(into: [String]()) { if !$0.contains($1) { $0.append($1) } }
    }

    /// A 400 naming the limit when the request has too many messages or characters.
    private func checkLimits(_ request: ChatCompletionInput) throws {
        if let allowedModels, request.model != defaultModel, !allowedModels.contains(request.model) {
            throw APIError.badRequest(
                "Field 'model' names a model this server does not offer; it offers \(([defaultModel] + allowedModels.sorted()).joined(separator: ", ")).",
                code: "model_not_allowed", param: "model")
        }
        if request.messages.count > maxMessages {
            throw APIError.badRequest("messages has \(request.messages.count) entries; the limit is \(maxMessages).", code: "too_many_messages", param: "messages")
        }
        // Unicode scalars, as JSON Schema's maxLength counts: a grapheme of many combining marks counts each.
        let characters = request.messages.reduce(0) { $0 + $1.content.unicodeScalars.count }
        if characters > maxCharacters {
            throw APIError.badRequest("messages hold \(characters) characters; the limit is \(maxCharacters).", code: "messages_too_long", param: "messages")
        }
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
