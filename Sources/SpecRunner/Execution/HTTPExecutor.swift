import AsyncHTTPClient
import Foundation
import NIOCore
import NIOHTTP1
import ServerSentEvents

// The HTTP executor with the request and response records it returns.

/// A request as sent, kept for reports.
struct SentRequest: Sendable {
    let method: String
    let url: String
    let headers: [(name: String, value: String)]
    let body: String?
    /// Bytes sent instead of `body` when they are not valid UTF-8 (the fuzzer's invalid encodings).
    var bytes: [UInt8]? = nil
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

/// Sends requests over AsyncHTTPClient: no redirects followed, a deadline per request, bodies capped.
final class HTTPExecutor: Sendable {
    static let maxResponseBytes = 16 << 20

    private let client: HTTPClient

    /// `maxConnections`: connections kept to one host at once (a load needs one per virtual user).
    init(maxConnections: Int = 8) {
        var configuration = HTTPClient.Configuration(redirectConfiguration: .disallow, timeout: .init(connect: .seconds(5)))
        configuration.httpVersion = .http1Only
        configuration.connectionPool = .init(idleTimeout: .seconds(60), concurrentHTTP1ConnectionsPerHostSoftLimit: maxConnections)
        client = HTTPClient(eventLoopGroupProvider: .singleton, configuration: configuration)
    }

    func send(_ request: SentRequest, timeout: Double) async throws -> ReceivedResponse {
        var outgoing = HTTPClientRequest(url: request.url)
        outgoing.method = HTTPMethod(rawValue: request.method)
        for header in request.headers {
            outgoing.headers.add(name: header.name, value: header.value)
        }
        if let bytes = request.bytes {
            outgoing.body = .bytes(ByteBuffer(bytes: bytes))
        } else if let body = request.body {
            outgoing.body = .bytes(ByteBuffer(string: body))
        }
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

    /// Reads a server-sent event stream as it arrives, up to `maxEvents` events or `maxResponseBytes` bytes.
    private func readEvents(_ response: HTTPClientResponse, status: Int, headers: [(name: String, value: String)]) async throws -> ReceivedResponse {
        var parser = ServerSentEventParser()
        var events: [ServerSentEvent] = []
        var body = Data()
        for try await buffer in response.body {
            body.append(contentsOf: buffer.readableBytesView)
            events += parser.feed(buffer.readableBytesView)
            if events.count >= Self.maxEvents || body.count >= Self.maxResponseBytes { break }
        }
        if let last = parser.finish() { events.append(last) }
        return ReceivedResponse(status: status, headers: headers, body: body, events: events)
    }

    func shutdown() async throws {
        try await client.shutdown()
    }

    /// Whether an error means nothing answered at the address (refused, unresolvable, connect timeout).
    static func isUnreachable(_ error: any Error) -> Bool {
        if let error = error as? HTTPClientError, error == .connectTimeout { return true }
        let text = String(describing: error).lowercased()
        return ["connection refused", "connectionrefused", "connect timeout", "connecttimeout", "no such host", "could not resolve",
                "unresolved", "networkunreachable"].contains { text.contains($0) }
    }
}
