import Hummingbird
import ServerSentEvents

/// `POST /chat/completions`: the model's answer as `{"response": "..."}`, as plain text when asked, or
/// streamed as Workers AI does (`data: {"response": "..."}` events, then `data: [DONE]`).
struct ChatController {
    let chat: ChatService
    let authentication: AuthenticationMiddleware
    /// The per-user and per-key rate limit, when on.
    let limit: RateLimitMiddleware<AuthenticatedContext>?
    let defaultFormat: ChatFormat

    /// The answer, `{"response": "..."}`, written by hand byte for byte as the response encoder writes it: a
    /// profile of chat showed the encoder at a twentieth of a request's CPU.
    struct ChatResponse: ResponseGenerator {
        let response: String

        /// The body.
        var json: String { #"{"response":"# + CompactJSON.string(response) + "}" }

        func response(from request: Request, context: some RequestContext) throws -> Response {
            let body = ByteBuffer(string: json)
            return Response(
                status: .ok, headers: [.contentType: "application/json; charset=utf-8", .contentLength: String(body.readableBytes)],
                body: .init(byteBuffer: body))
        }
    }

    /// Workers AI's event shape.
    struct WorkersAIEvents: ChatEventFormat {
        struct Event: Encodable {
            let response: String
            let usage: Usage?
        }

        struct Usage: Encodable {
            let prompt_tokens: Int
            let completion_tokens: Int
            let total_tokens: Int
        }

        func opening() -> [ServerSentEvent] { [] }

        /// An `error` event with the API's own error body.
        func failure(_ error: APIError) -> ServerSentEvent {
            ServerSentEvent(event: "error", data: CompactJSON.encode(["error": error.message, "code": error.code]))
        }

        /// The first choice's text; the Workers AI shape has nothing else.
        func events(for delta: ChoiceDelta) -> [ServerSentEvent] {
            guard delta.index == 0, let text = delta.content, !text.isEmpty else { return [] }
            // `Event(response: text, usage: nil)` as `CompactJSON.encode` writes it, without an encoder an event.
            return [ServerSentEvent(data: #"{"response":"# + CompactJSON.string(text) + "}")]
        }

        /// The Workers AI shape has no finish reason; the usage closes the stream.
        func closing(usage: TokenUsage?, finishReasons: [(index: Int, reason: String?)]) -> [ServerSentEvent] {
            guard let usage else { return [] }
            let total = Usage(prompt_tokens: usage.promptTokens, completion_tokens: usage.completionTokens, total_tokens: usage.totalTokens)
            return [ServerSentEvent(data: CompactJSON.encode(Event(response: "", usage: total)))]
        }
    }

    func addRoutes(to group: RouterGroup<AppRequestContext>) {
        group.add(middleware: authentication)
        let authenticated = group.group(context: AuthenticatedContext.self)
        if let limit { authenticated.add(middleware: limit) }
        authenticated.post("completions", use: complete)
    }

    /// Answers a conversation with the configured model backend.
    @Sendable func complete(_ request: Request, context: AuthenticatedContext) async throws -> Response {
        var request = request
        let bytes = try await request.keepBody(context: context)
        let body = try ChatCompletionRequest(plain: bytes) ?? context.requestDecoder.decode(ChatCompletionRequest.self, from: bytes)
        let input = body.input(defaultModel: chat.defaultModel)
        if body.stream {
            let stream = try await chat.stream(input, userId: context.principal.userId)
            return .eventStream(
                stream.events.serverSentEvents(WorkersAIEvents(), logger: context.logger), slot: stream.slot, request: request, metrics: chat.metrics)
        }
        guard let format = ContentNegotiation.chatFormat(accept: request.headers.value(of: .accept), default: defaultFormat) else {
            throw APIError.notAcceptable("application/json or text/plain")
        }
        let answer = try await chat.complete(input).text
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
