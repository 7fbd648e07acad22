import AsyncHTTPClient
import Foundation
import NIOCore
import NIOHTTP1
import ServerSentEvents

/// JSON over HTTP to a model backend: one POST with a bearer credential and a deadline, no redirects
/// followed (the client is configured so), and every failure turned into a `ChatBackendError`.
struct UpstreamHTTP: Sendable {
    let client: HTTPClient
    /// The backend's name in errors.
    let backend: String
    /// The most a whole answer may take.
    let timeout: Duration
    static let maxBodyBytes = 8 << 20

    /// POSTs `body` and returns the response once its status says success.
    func post(url: String, bearer: String?, body: some Encodable, stream: Bool) async throws -> HTTPClientResponse {
        var request = HTTPClientRequest(url: url)
        request.method = .POST
        request.headers.add(name: "Content-Type", value: "application/json")
        request.headers.add(name: "Accept", value: stream ? "text/event-stream" : "application/json")
        if let bearer { request.headers.add(name: "Authorization", value: "Bearer \(bearer)") }
        request.body = .bytes(ByteBuffer(bytes: try JSONEncoder().encode(body)))
        let response: HTTPClientResponse
        do {
            response = try await client.execute(request, deadline: .now() + .nanoseconds(timeout.nanoseconds))
        } catch {
            throw map(error)
        }
        switch response.status.code {
        case 200..<300:
            return response
        case 429:
            throw ChatBackendError.rateLimited(backend: backend, retryAfter: response.headers.first(name: "Retry-After"))
        default:
            throw ChatBackendError.failed(backend: backend, status: Int(response.status.code))
        }
    }

    /// The whole body decoded as `Value`.
    func decode<Value: Decodable>(_ type: Value.Type, from response: HTTPClientResponse) async throws -> Value {
        let body: ByteBuffer
        do {
            body = try await response.body.collect(upTo: Self.maxBodyBytes)
        } catch {
            throw map(error)
        }
        do {
            return try JSONDecoder().decode(Value.self, from: Data(body.readableBytesView))
        } catch {
            throw ChatBackendError.invalidResponse(backend: backend, detail: "\(error)")
        }
    }

    /// The body's server-sent events, each turned into stream events by `transform` (nil: skip, stop at
    /// `[DONE]`), as a stream whose cancellation cancels the request.
    func events(
        from response: HTTPClientResponse, transform: @escaping @Sendable (ServerSentEvent) throws -> [ChatStreamEvent]
    ) -> AsyncThrowingStream<ChatStreamEvent, any Error> {
        let backend = self.backend
        let mapError = self.map
        return AsyncThrowingStream { continuation in
            let task = Task {
                var parser = ServerSentEventParser()
                var finished = false
                do {
                    reading: for try await buffer in response.body {
                        for event in parser.feed(buffer.readableBytesView) {
                            if event.data == "[DONE]" {
                                finished = true
                                break reading
                            }
                            for item in try transform(event) { continuation.yield(item) }
                        }
                    }
                    guard finished else {
                        throw ChatBackendError.invalidResponse(backend: backend, detail: "the stream ended without [DONE]")
                    }
                    continuation.finish()
                } catch let error as ChatBackendError {
                    continuation.finish(throwing: error)
                } catch {
                    continuation.finish(throwing: Task.isCancelled ? CancellationError() : mapError(error))
                }
            }
            continuation.onTermination = { _ in task.cancel() }
        }
    }

    /// A transport error as the backend error a client can act on.
    func map(_ error: any Error) -> any Error {
        if error is ChatBackendError || error is CancellationError { return error }
        if let error = error as? HTTPClientError {
            switch error {
            // Not connecting in time is not reaching it: 502 like a refused connection, whatever its form.
            case .connectTimeout: return ChatBackendError.unreachable(backend: backend)
            case .deadlineExceeded, .readTimeout, .writeTimeout: return ChatBackendError.timeout(backend: backend)
            case .remoteConnectionClosed, .invalidURL, .emptyHost: return ChatBackendError.unreachable(backend: backend)
            default: break
            }
        }
        let text = String(describing: error).lowercased()
        // Connect failures first: NIO's `connectTimeout` also names a timeout.
        if text.contains("connect") || text.contains("refused") || text.contains("resolve") || text.contains("unreachable") {
            return ChatBackendError.unreachable(backend: backend)
        }
        if text.contains("timeout") || text.contains("timed out") { return ChatBackendError.timeout(backend: backend) }
        return ChatBackendError.invalidResponse(backend: backend, detail: String(describing: error))
    }
}
