import AsyncHTTPClient
import Foundation
import NIOCore
import NIOHTTP1
import ServerSentEvents
import JSONValues

// The HTTP executor with the request and response records it returns.

/// A request as sent, kept for reports.
struct SentRequest: Sendable {
    let method: String
    let url: String
    let headers: [(name: String, value: String)]
    let body: String?
    /// Bytes sent instead of `body` when they are not valid UTF-8 (the fuzzer's invalid encodings).
    var bytes: [UInt8]? = nil
    /// When set, only this many bytes of the body are sent (the head announces all of them) and the connection is
    /// left open: a client that stalls mid-body.
    var bodyStopsAfter: Int? = nil
    /// When set, only this many bytes of the head are sent and the connection is left open: a client that stalls
    /// before its request is whole.
    var headStopsAfter: Int? = nil
}

/// A response as received.
struct ReceivedResponse: Sendable {
    let status: Int
    let headers: [(name: String, value: String)]
    let body: Data
    /// For `text/event-stream`: the events, read as they arrived.
    var events: [ServerSentEvent]?
    /// Whether the request was sent a second time, on a new connection, because the first connection closed
    /// before any answer (a kept-alive connection the server or a balancer closed as the request went out).
    var resent = false
    /// The answers that said "busy, retry after" (429 or 503 with `Retry-After`) and were waited on before this one.
    var waits: [RetryAfterWait] = []
    /// Whether only the head was read and the body is being read in the background (a `hold` step): the body here
    /// is empty, not the answer's.
    var held = false

    /// The first value of a header, by case-insensitive name.
    func header(_ name: String) -> String? {
        headers.first { $0.name.caseInsensitiveCompare(name) == .orderedSame }?.value
    }

    /// The media type without parameters, lower-cased (`application/json`).
    var mediaType: String? {
        header("Content-Type").map { $0.split(separator: ";")[0].trimmingCharacters(in: .whitespaces).lowercased() }
    }

    /// The body as JSON, if it is JSON.
    var json: JSONValue? {
        body.isEmpty ? nil : try? JSONValue.parse(body)
    }

    var text: String { String(decoding: body, as: UTF8.self) }
}

/// A 429 or 503 with `Retry-After` that the runner waited on before sending the request again.
struct RetryAfterWait: Sendable, Equatable {
    let status: Int
    let seconds: Double
    /// The answer's `code` (or `error.code`, OpenAI's shape) when it has one, for the note.
    let code: String?

    var note: String {
        "waited \(seconds.formatted(.number.precision(.fractionLength(0...1)))) s as Retry-After asked, after \(status)\(code.map { " \($0)" } ?? ""), and sent the request again"
    }
}

/// Sends requests over AsyncHTTPClient: no redirects followed, a deadline per request, bodies capped.
final class HTTPExecutor: Sendable {
    static let maxResponseBytes = 16 << 20

    private let client: HTTPClient
    /// Headers added to every request that does not set them itself (`--header`); never recorded in a `SentRequest`.
    private let extraHeaders: [(name: String, value: String)]

    /// `maxConnections`: connections kept to one host at once (a load needs one per virtual user); `extraHeaders`:
    /// headers every request gets unless it sets the same header; `idleTimeout`: how long an unused connection is
    /// kept for the next request.
    init(maxConnections: Int = 8, extraHeaders: [(name: String, value: String)] = [], idleTimeout: Duration = .seconds(60)) {
        self.extraHeaders = extraHeaders
        var configuration = HTTPClient.Configuration(redirectConfiguration: .disallow, timeout: .init(connect: .seconds(5)))
        configuration.httpVersion = .http1Only
        configuration.connectionPool = .init(
            idleTimeout: .seconds(idleTimeout.components.seconds), concurrentHTTP1ConnectionsPerHostSoftLimit: maxConnections)
        client = HTTPClient(eventLoopGroupProvider: .singleton, configuration: configuration)
    }

    /// `request` as AsyncHTTPClient sends it, with the `--header`s it does not set itself.
    private func outgoing(_ request: SentRequest) -> HTTPClientRequest {
        var outgoing = HTTPClientRequest(url: request.url)
        outgoing.method = HTTPMethod(rawValue: request.method)
        for header in request.headers {
            outgoing.headers.add(name: header.name, value: header.value)
        }
        for header in extraHeaders where !outgoing.headers.contains(name: header.name) {
            outgoing.headers.add(name: header.name, value: header.value)
        }
        if let bytes = request.bytes {
            outgoing.body = .bytes(ByteBuffer(bytes: bytes))
        } else if let body = request.body {
            outgoing.body = .bytes(ByteBuffer(string: body))
        }
        return outgoing
    }

    func send(_ request: SentRequest, timeout: Double) async throws -> ReceivedResponse {
        if RawExchange.handles(request) { return try await RawExchange.send(request, extraHeaders: extraHeaders, timeout: timeout) }
        let outgoing = outgoing(request)
        let deadline = TimeAmount.milliseconds(Int64(timeout * 1000))
        let response: HTTPClientResponse
        var resent = false
        do {
            response = try await client.execute(outgoing, timeout: deadline)
        } catch where Self.closedBeforeAnswer(error) {
            // AsyncHTTPClient does not resend (swift-server/async-http-client#715). Once, and the step says so.
            resent = true
            response = try await client.execute(outgoing, timeout: deadline)
        }
        let headers = response.headers.map { ($0.name, $0.value) }
        var received: ReceivedResponse
        if response.headers.first(name: "Content-Type")?.lowercased().hasPrefix("text/event-stream") == true {
            received = try await readEvents(response, status: Int(response.status.code), headers: headers)
        } else {
            let body = try await response.body.collect(upTo: Self.maxResponseBytes)
            received = ReceivedResponse(status: Int(response.status.code), headers: headers, body: Data(body.readableBytesView))
        }
        received.resent = resent
        return received
    }

    /// Sends `request` and returns once the answer's head has come, as a `ReceivedResponse` with no body (`held`);
    /// the body goes on being read in the background, as a client reading a stream does, until it ends, `timeout`
    /// seconds pass from the start, or the `HeldAnswer` is released (which closes the connection).
    func hold(_ request: SentRequest, timeout: Double) async throws -> (ReceivedResponse, HeldAnswer) {
        let outgoing = outgoing(request)
        let client = client
        let (heads, head) = AsyncThrowingStream.makeStream(of: ReceivedResponse.self)
        let reader = Task {
            do {
                let response = try await client.execute(outgoing, timeout: .milliseconds(Int64(timeout * 1000)))
                head.yield(ReceivedResponse(
                    status: Int(response.status.code), headers: response.headers.map { ($0.name, $0.value) }, body: Data(), held: true))
                head.finish()
                for try await _ in response.body {}
            } catch {
                head.finish(throwing: error)
            }
        }
        let held = HeldAnswer(reader: reader)
        do {
            for try await response in heads { return (response, held) }
            throw CancellationError()
        } catch {
            held.release()
            throw error
        }
    }

    /// Sends `request`; while the answer is 429 or 503 with a `Retry-After` (seconds or an HTTP date) and the status
    /// is not one of `expected`, waits as asked and sends it again, as long as the waits fit within `budget` seconds
    /// in all. The answer lists the waits. A deployment that is busy for a moment is not a failing one.
    func send(_ request: SentRequest, timeout: Double, retryAfterBudget budget: Double, unless expected: Set<Int> = []) async throws -> ReceivedResponse {
        var waits: [RetryAfterWait] = []
        var spent = 0.0
        while true {
            var response = try await send(request, timeout: timeout)
            guard [429, 503].contains(response.status), !expected.contains(response.status),
                  let seconds = response.header("Retry-After").flatMap(Self.retryAfterSeconds), spent + seconds <= budget
            else {
                response.waits = waits
                return response
            }
            let json = response.json
            waits.append(RetryAfterWait(status: response.status, seconds: seconds, code: json?["code"]?.stringValue ?? json?["error"]?["code"]?.stringValue))
            spent += max(seconds, 0.1)
            try await Task.sleep(for: .seconds(max(seconds, 0.1)))
        }
    }

    /// A `Retry-After` value in seconds: a count of seconds, or an HTTP date (RFC 9110 §10.2.3) from now.
    static func retryAfterSeconds(_ value: String) -> Double? {
        let trimmed = value.trimmingCharacters(in: .whitespaces)
        if let seconds = Int(trimmed), seconds >= 0 { return Double(seconds) }
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "GMT")
        formatter.dateFormat = "EEE, dd MMM yyyy HH:mm:ss zzz"
        return formatter.date(from: trimmed).map { max(0, $0.timeIntervalSinceNow) }
    }

    /// Whether an error means the connection closed before any byte of an answer came: closed cleanly, or reset
    /// (a socket closed with the request unread answers with a reset, or the write meets a broken pipe).
    static func closedBeforeAnswer(_ error: any Error) -> Bool {
        if let error = error as? HTTPClientError, error == .remoteConnectionClosed { return true }
        if case ChannelError.ioOnClosedChannel = error { return true }
        if let error = error as? IOError, [ECONNRESET, EPIPE].contains(error.errnoCode) { return true }
        return false
    }

    /// The most events read from one stream; past it the stream is abandoned.
    static let maxEvents = 10_000

    /// Reads a server-sent event stream as it arrives, up to `maxEvents` events or `maxResponseBytes` bytes, or
    /// until a line or an event passes the parser's bound (the events so far are then checked, and a stream cut
    /// short shows as one).
    private func readEvents(_ response: HTTPClientResponse, status: Int, headers: [(name: String, value: String)]) async throws -> ReceivedResponse {
        var parser = ServerSentEventParser()
        var events: [ServerSentEvent] = []
        var body = Data()
        for try await buffer in response.body {
            body.append(contentsOf: buffer.readableBytesView)
            guard let completed = try? parser.feed(buffer.readableBytesView) else { break }
            events += completed
            if events.count >= Self.maxEvents || body.count >= Self.maxResponseBytes { break }
        }
        if let last = (try? parser.finish()) ?? nil { events.append(last) }
        return ReceivedResponse(status: status, headers: headers, body: body, events: events)
    }

    func shutdown() async throws {
        try await client.shutdown()
    }

    /// Whether an error means nothing answered at the address (refused, unresolvable, connect timeout).
    static func isUnreachable(_ error: any Error) -> Bool {
        if let error = error as? HTTPClientError, error == .connectTimeout { return true }
        if isUnresolvable(error) { return true }
        let text = String(describing: error).lowercased()
        return ["connection refused", "connectionrefused", "connect timeout", "connecttimeout", "networkunreachable"].contains { text.contains($0) }
    }

    /// Whether an error means the host name does not resolve (a DNS failure).
    static func isUnresolvable(_ error: any Error) -> Bool {
        let text = String(describing: error).lowercased()
        return ["no such host", "could not resolve", "unresolved", "name or service not known", "nodename nor servname", "temporary failure in name resolution", "getaddrinfo"]
            .contains { text.contains($0) }
    }

    /// Why the runner's own HTTP client refused to send a request, if it did: a header name or value it will not
    /// write, an unusable URL. Such a request never reached the server, so the server cannot be blamed for it.
    static func refusedToSend(_ error: any Error) -> String? {
        guard let error = error as? HTTPClientError else { return nil }
        let refusals: [(HTTPClientError, String)] = [
            (.invalidURL, "the URL is not valid"), (.emptyHost, "the URL has no host"), (.emptyScheme, "the URL has no scheme"),
            (.traceRequestWithBody, "a TRACE request may not carry a body"), (.bodyLengthMismatch, "the body's length differs from Content-Length"),
            (.identityCodingIncorrectlyPresent, "it names the identity transfer coding"),
        ]
        if let reason = refusals.first(where: { $0.0 == error })?.1 { return reason }
        let text = error.description
        if text.contains("invalidHeaderFieldNames") { return "a header name is not a valid token" }
        if text.contains("invalidHeaderFieldValues") { return "a header value holds characters HTTP does not allow" }
        if text.contains("unsupportedScheme") { return "the URL's scheme is not http or https" }
        return nil
    }

    /// An error as words a person reads: what happened, not the client's type name.
    static func words(for error: any Error, timeout: Double? = nil) -> String {
        let within = timeout.map { " within \($0.formatted(.number.precision(.fractionLength(0...1)))) s" } ?? ""
        if let refusal = refusedToSend(error) { return "not sent: \(refusal)" }
        if isUnresolvable(error) { return "the host name does not resolve (DNS)" }
        if let error = error as? HTTPClientError {
            switch error {
            case .deadlineExceeded, .readTimeout: return "no answer\(within)"
            case .connectTimeout: return "the connection was not accepted\(within.isEmpty ? " in time" : within)"
            case .remoteConnectionClosed: return "the server closed the connection before answering"
            case .writeTimeout: return "the request could not be written\(within.isEmpty ? " in time" : within)"
            case .tlsHandshakeTimeout: return "the TLS handshake did not finish in time"
            case .cancelled: return "the request was cancelled"
            default: return error.shortDescription.lowercased()
            }
        }
        if let error = error as? IOError {
            switch error.errnoCode {
            case ECONNREFUSED: return "connection refused (nothing listens there)"
            case ECONNRESET: return "the connection was reset"
            case EPIPE: return "the connection broke while the request was being written"
            default: break
            }
        }
        let text = String(describing: error)
        if text.lowercased().contains("connection refused") || text.contains("connectionRefused") { return "connection refused (nothing listens there)" }
        return text
    }
}
