import AsyncHTTPClient
import Foundation
import Logging
import NIOCore
import NIOHTTP1
import ServerSentEvents

/// JSON over HTTP to a model backend: one POST with a bearer credential, no redirects followed (the client is
/// configured so), the whole answer within `timeout` and no silence longer than `idleTimeout` in its body, and
/// every failure turned into a `ChatBackendError`.
struct UpstreamHTTP: Sendable {
    let client: HTTPClient
    /// The backend's name in errors.
    let backend: String
    /// Admits requests onto the connections this server may open to the backend (`UPSTREAM_MAX_CONNECTIONS`,
    /// the client's pool size too), each waiting at most `UPSTREAM_POOL_TIMEOUT` for one.
    let connections: AdmissionGate
    let metrics: AppMetrics
    /// The most a whole answer may take, from sending the request to its last byte.
    let timeout: Duration
    /// The longest silence between two pieces of a body; nil: only `timeout` bounds it.
    var idleTimeout: Duration? = nil
    var logger = Logger(label: "ai-worker.upstream")
    static let maxBodyBytes = 8 << 20
    /// The most of an upstream error body read, to find its reason.
    static let maxErrorBodyBytes = 64 << 10

    /// An upstream answer whose status says success, with the time it has left and the connection it holds
    /// until its body is read or abandoned.
    struct Answer: Sendable {
        let response: HTTPClientResponse
        let deadline: UpstreamDeadline
        let connection: Permit
        /// The credential sent, redacted from any upstream message passed on.
        let secret: String?
    }

    /// POSTs `body` and returns the answer once its status says success; an error status becomes the error a
    /// client can act on, with the upstream's reason when it gives one.
    func post(url: String, bearer: String?, body: some Encodable, stream: Bool) async throws -> Answer {
        var request = HTTPClientRequest(url: url)
        request.method = .POST
        request.headers.add(name: "Content-Type", value: "application/json")
        request.headers.add(name: "Accept", value: stream ? "text/event-stream" : "application/json")
        request.body = .bytes(ByteBuffer(bytes: try JSONEncoder().encode(body)))
        return try await send(request, bearer: bearer)
    }

    /// GETs `url` (a JSON listing) under the same rules as `post`.
    func get(url: String, bearer: String?) async throws -> Answer {
        var request = HTTPClientRequest(url: url)
        request.headers.add(name: "Accept", value: "application/json")
        return try await send(request, bearer: bearer)
    }

    private func send(_ request: HTTPClientRequest, bearer: String?) async throws -> Answer {
        var request = request
        if let bearer { request.headers.add(name: "Authorization", value: "Bearer \(bearer)") }
        let connection = try await connection()
        // The whole answer's time starts once a connection is ours.
        let deadline = UpstreamDeadline(timeout: timeout, idle: idleTimeout)
        let response: HTTPClientResponse
        do {
            response = try await client.execute(request, deadline: .now() + .nanoseconds(timeout.nanoseconds))
        } catch {
            throw map(error)
        }
        deadline.touch()
        let status = Int(response.status.code)
        if (200..<300).contains(status) { return Answer(response: response, deadline: deadline, connection: connection, secret: bearer) }
        // An error answer holds its connection until its reason is read.
        defer { connection.free() }
        if status == 429 {
            throw ChatBackendError.rateLimited(backend: backend, retryAfter: response.headers.first(name: "Retry-After"))
        }
        let reason = await errorBody(of: response, deadline: deadline, secret: bearer)
        let error = Self.error(status: status, reason: reason, backend: backend)
        let metadata: Logger.Metadata = ["backend": "\(backend)", "status": "\(status)", "reason": "\(reason.message ?? "none")", "code": "\(reason.code ?? "none")"]
        if case .credentialsRefused = error {
            logger.error("Model backend refused this server's credentials or configuration: check its URL, key and set-up", metadata: metadata)
        } else {
            logger.warning("Model backend answered an error", metadata: metadata)
        }
        throw error
    }

    /// What upstreams answer, some with 400, when this server's credential or their own set-up is wrong rather
    /// than the request (LiteLLM says "No connected db." to a key it cannot check): nothing a client can fix.
    static let operatorErrors = ["no connected db", "invalid api key", "incorrect api key", "invalid_api_key", "api key not valid", "authentication error"]

    /// The error of an upstream status that is neither success nor 429.
    static func error(status: Int, reason: UpstreamErrorBody, backend: String) -> ChatBackendError {
        switch status {
        case 400, 413, 422:
            let text = ((reason.message ?? "") + " " + (reason.code ?? "")).lowercased()
            if operatorErrors.contains(where: text.contains) { return .credentialsRefused(backend: backend, status: status) }
            return reason.code == "model_not_found" ? .modelNotFound(backend: backend, reason: reason) : .rejected(backend: backend, reason: reason)
        case 404 where reason.code == "model_not_found" || reason.message?.lowercased().contains("model") == true:
            return .modelNotFound(backend: backend, reason: reason)
        case 401, 403:
            return .credentialsRefused(backend: backend, status: status)
        default:
            // Another 404 is a wrong base URL; 5xx and the rest are the backend's failure.
            return .failed(backend: backend, status: status)
        }
    }

    /// A place on one of the backend's connections, waited for at most `UPSTREAM_POOL_TIMEOUT`, with the pool's
    /// use and waits in the metrics.
    private func connection() async throws -> Permit {
        let start = ContinuousClock.now
        let admitted: Permit
        do {
            admitted = try await connections.acquire()
        } catch let busy as AdmissionGate.Busy {
            metrics.upstreamConnectionWait(backend: backend, duration: .now - start, busy: true)
            logger.warning("Every connection to the model backend is in use", metadata: ["backend": "\(backend)", "limit": "\(connections.limit)"])
            throw ChatBackendError.busy(backend: backend, retryAfterSeconds: busy.retryAfterSeconds)
        }
        metrics.upstreamConnectionWait(backend: backend, duration: .now - start, busy: false)
        let inUse = metrics.upstreamConnectionsInUse(backend: backend)
        let gate = connections
        inUse.record(gate.load.running)
        return Permit {
            admitted.free()
            inUse.record(gate.load.running)
        }
    }

    /// The reason in an error answer's body, read within the answer's time; none when it cannot be read.
    private func errorBody(of response: HTTPClientResponse, deadline: UpstreamDeadline, secret: String?) async -> UpstreamErrorBody {
        let body = try? await deadline.enforce(backend: backend) { try await response.body.collect(upTo: Self.maxErrorBodyBytes) }
        return body.map { UpstreamErrorBody(body: Array($0.readableBytesView), secret: secret) } ?? UpstreamErrorBody(message: nil, code: nil)
    }

    /// The whole body decoded as `Value`, within the answer's time.
    func decode<Value: Decodable>(_ type: Value.Type, from answer: Answer) async throws -> Value {
        defer { answer.connection.free() }
        let body: ByteBuffer
        do {
            body = try await answer.deadline.enforce(backend: backend) {
                var collected = ByteBuffer()
                for try await var piece in answer.response.body {
                    answer.deadline.touch()
                    guard collected.readableBytes + piece.readableBytes <= Self.maxBodyBytes else {
                        throw ChatBackendError.invalidResponse(backend: backend, detail: "the answer is over \(Self.maxBodyBytes) bytes")
                    }
                    collected.writeBuffer(&piece)
                }
                return collected
            }
        } catch {
            throw map(error)
        }
        do {
            return try JSONDecoder().decode(Value.self, from: Data(body.readableBytesView))
        } catch {
            throw ChatBackendError.invalidResponse(backend: backend, detail: "\(error)")
        }
    }

    /// Whether an event's data holds `"error`, the start of an error member: each quote in its UTF-8 compared with
    /// `memcmp`. Foundation's `contains` showed as 2.5% of a gateway's CPU, and the standard library's `contains` of
    /// one collection in another (a generic search, its type metadata looked up at each call) as 40%.
    static func mentionsError(_ data: String) -> Bool {
        var data = data
        return data.withUTF8 { bytes in
            bytes.indices.dropLast(5).contains { bytes[$0] == UInt8(ascii: "\"") && memcmp(bytes.baseAddress! + $0, "\"error", 6) == 0 }
        }
    }

    /// The body's server-sent events, each turned into stream events by `transform` (nil: skip, stop at
    /// `[DONE]`), within the answer's time, read as the client takes them, as a stream whose cancellation
    /// cancels the request. An event that is an error (`{"error": ...}` in OpenAI's or Workers AI's shape) ends
    /// the stream with its reason.
    func events(
        from answer: Answer, transform: @escaping @Sendable (ServerSentEvent) throws -> [ChatStreamEvent]
    ) -> ProducedStream<ChatStreamEvent> {
        let backend = self.backend
        let mapError = self.map
        return ProducedStream { send in
            defer { answer.connection.free() }
            do {
                let finished = try await answer.deadline.enforce(backend: backend) {
                    var parser = ServerSentEventParser()
                    var surrogates = SurrogateJoiner()
                    for try await buffer in answer.response.body {
                        answer.deadline.touch()
                        let events: [ServerSentEvent]
                        do {
                            events = try parser.feed(buffer.readableBytesView)
                        } catch {
                            throw ChatBackendError.invalidResponse(backend: backend, detail: "\(error)")
                        }
                        for var event in events {
                            if event.data == "[DONE]" { return true }
                            event.data = surrogates.join(event.data)
                            if Self.mentionsError(event.data), let message = UpstreamErrorBody(body: Array(event.data.utf8), secret: answer.secret).message {
                                throw ChatBackendError.reported(backend: backend, reason: .init(message: message, code: nil))
                            }
                            for item in try transform(event) { await send(item) }
                        }
                        // Waiting for our own client to take the pieces is not the upstream's silence.
                        answer.deadline.touch()
                    }
                    return false
                }
                guard finished else {
                    throw ChatBackendError.invalidResponse(backend: backend, detail: "the stream ended without [DONE]")
                }
            } catch let error as ChatBackendError {
                throw error
            } catch {
                throw Task.isCancelled ? CancellationError() : mapError(error)
            }
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
