import Hummingbird

/// `POST /chat/completions`: the model's answer as `{"response": "..."}`, or as plain text when asked.
struct ChatController {
    let backend: any ChatBackend
    let metrics: AppMetrics
    let authentication: AuthenticationMiddleware
    let defaultModel: String
    let defaultFormat: ChatFormat
    let maxBodyBytes: Int

    struct ChatResponse: ResponseEncodable {
        let response: String
    }

    func addRoutes(to group: RouterGroup<AppRequestContext>) {
        group.rejectOtherMethods("completions", allowed: [.post])
        group.add(middleware: authentication)
        group.post("completions", use: complete)
    }

    /// Answers a conversation with the configured model backend.
    @Sendable func complete(_ request: Request, context: AppRequestContext) async throws -> Response {
        _ = try context.requirePrincipal()
        guard let format = ContentNegotiation.chatFormat(accept: request.headers[.accept], default: defaultFormat) else {
            throw APIError.notAcceptable
        }
        var request = request
        let input = try await request.decodeJSON(as: ChatCompletionRequest.self, limit: maxBodyBytes)
        let start = ContinuousClock.now
        let answer: String
        do {
            answer = try await backend.complete(
                ChatCompletionInput(
                    model: input.model ?? defaultModel, messages: input.messages,
                    maxTokens: input.maxTokens, temperature: input.temperature))
            metrics.chatBackendCall(backend: backend.name, duration: ContinuousClock.now - start, failed: false)
        } catch {
            metrics.chatBackendCall(backend: backend.name, duration: ContinuousClock.now - start, failed: true)
            throw error
        }
        switch format {
        case .json:
            return try ChatResponse(response: answer).response(from: request, context: context)
        case .text:
            return Response(
                status: .ok, headers: [.contentType: "text/plain; charset=utf-8"],
                body: .init(byteBuffer: ByteBuffer(string: answer)))
        }
    }
}
