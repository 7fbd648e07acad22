import AsyncHTTPClient
import Foundation
import NIOCore
import NIOPosix

/// A request over a connection of its own, written and read as raw bytes, for what an HTTP client will not do:
/// - a HEAD request: a client knows that a HEAD answer has no body, so it reads none, and a body the server sends
///   anyway (which HTTP forbids) is never seen, and is left on a pooled connection to spoil the next answer there.
///   Read raw, with `Connection: close`, the body is seen (as the answer's body) and spoils nothing;
/// - a body that stops (`SentRequest.bodyStopsAfter`): the head announces the whole body, only its first bytes are
///   sent, and the connection stays open: how a server treats a client that stalls mid-body (a slow-body attack);
/// - a head that stops (`SentRequest.headStopsAfter`): how a server treats a client that stalls before its request
///   is whole (a slow-headers attack); a server that closes the connection without an answer throws
///   `HTTPClientError.remoteConnectionClosed`.
/// Plain `http://` only; other URLs go through the client.
enum RawExchange {
    /// The most bytes read; past them the connection is closed.
    static let maxBytes = 1 << 20
    /// How long a server that keeps the connection open despite `Connection: close` is given after its headers.
    static let graceAfterHeaders = TimeAmount.seconds(1)

    /// Whether `request` goes this way: a HEAD, or a body that stops, to a plain `http://` URL.
    static func handles(_ request: SentRequest) -> Bool {
        (request.method == "HEAD" || request.bodyStopsAfter != nil || request.headStopsAfter != nil) && URLComponents(string: request.url)?.scheme?.lowercased() == "http"
    }

    static func send(_ request: SentRequest, extraHeaders: [(name: String, value: String)], timeout: Double) async throws -> ReceivedResponse {
        guard let url = URLComponents(string: request.url), let host = url.host, !host.isEmpty else { throw HTTPClientError.invalidURL }
        let port = url.port ?? 80
        let target = (url.percentEncodedPath.isEmpty ? "/" : url.percentEncodedPath) + (url.percentEncodedQuery.map { "?\($0)" } ?? "")
        let body = request.bytes ?? request.body.map { Array($0.utf8) } ?? []
        var headers = request.headers.filter { !["connection", "content-length"].contains($0.name.lowercased()) }
        headers += extraHeaders.filter { extra in !headers.contains { $0.name.caseInsensitiveCompare(extra.name) == .orderedSame } }
        if !headers.contains(where: { $0.name.lowercased() == "host" }) { headers.insert(("Host", url.port.map { "\(host):\($0)" } ?? host), at: 0) }
        if !body.isEmpty || request.bodyStopsAfter != nil { headers.append(("Content-Length", String(body.count))) }
        let head = "\(request.method) \(target) HTTP/1.1\r\n" + (headers + [("Connection", "close")]).map { "\($0.name): \($0.value)\r\n" }.joined() + "\r\n"
        let whole = Array(head.utf8) + body.prefix(request.bodyStopsAfter ?? body.count)
        let sent = Array(whole.prefix(request.headStopsAfter ?? whole.count))

        let group = MultiThreadedEventLoopGroup.singleton
        let done = group.next().makePromise(of: [UInt8].self)
        let channel = try await ClientBootstrap(group: group)
            .connectTimeout(.seconds(5))
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture { try channel.pipeline.syncOperations.addHandler(Collector(done: done)) }
            }
            .connect(host: host, port: port).get()
        let timer = channel.eventLoop.scheduleTask(in: .milliseconds(Int64(timeout * 1000))) {
            done.fail(HTTPClientError.deadlineExceeded)
            channel.close(promise: nil)
        }
        defer { timer.cancel() }
        try await channel.writeAndFlush(ByteBuffer(bytes: sent)).get()
        let bytes = try await done.futureResult.get()
        guard let answer = parse(bytes) else { throw HTTPClientError.remoteConnectionClosed }
        return answer
    }

    /// The status line, headers and whatever followed them; nil when the bytes hold no complete HTTP head.
    static func parse(_ bytes: [UInt8]) -> ReceivedResponse? {
        let end: [UInt8] = Array("\r\n\r\n".utf8)
        guard let at = headEnd(bytes) else { return nil }
        let lines = String(decoding: bytes[..<at], as: UTF8.self).components(separatedBy: "\r\n")
        let statusLine = lines[0].split(separator: " ")
        guard statusLine.count >= 2, statusLine[0].hasPrefix("HTTP/"), let status = Int(statusLine[1]) else { return nil }
        let headers = lines.dropFirst().compactMap { line -> (name: String, value: String)? in
            guard let colon = line.firstIndex(of: ":") else { return nil }
            return (String(line[..<colon]), line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces))
        }
        let body = Array(bytes[(at + end.count)...])
        let chunked = headers.contains { $0.name.lowercased() == "transfer-encoding" && $0.value.lowercased().contains("chunked") }
        return ReceivedResponse(status: status, headers: headers, body: Data(chunked ? dechunked(body) : body))
    }

    /// A chunked body's content (RFC 9112 §7.1), as far as its chunks came whole; extensions and trailers dropped.
    static func dechunked(_ bytes: [UInt8]) -> [UInt8] {
        var content: [UInt8] = []
        var at = 0
        while let lineEnd = (at..<max(at, bytes.count - 1)).first(where: { bytes[$0] == 13 && bytes[$0 + 1] == 10 }) {
            let sizeText = String(decoding: bytes[at..<lineEnd], as: UTF8.self).split(separator: ";").first ?? ""
            guard let size = Int(sizeText.trimmingCharacters(in: .whitespaces), radix: 16), size > 0,
                  lineEnd + 2 + size <= bytes.count else { break }
            content += bytes[(lineEnd + 2)..<(lineEnd + 2 + size)]
            at = lineEnd + 2 + size + 2
        }
        return content
    }

    /// Where the blank line that ends the head starts, if it has come.
    static func headEnd(_ bytes: [UInt8]) -> Int? {
        guard bytes.count >= 4 else { return nil }
        return (0...(bytes.count - 4)).first { bytes[$0] == 13 && bytes[$0 + 1] == 10 && bytes[$0 + 2] == 13 && bytes[$0 + 3] == 10 }
    }

    /// Gathers every byte until the server closes the connection (or, once the head is in, a grace period passes).
    private final class Collector: ChannelInboundHandler {
        typealias InboundIn = ByteBuffer
        let done: EventLoopPromise<[UInt8]>
        var bytes: [UInt8] = []
        var graceStarted = false

        init(done: EventLoopPromise<[UInt8]>) { self.done = done }

        func channelRead(context: ChannelHandlerContext, data: NIOAny) {
            bytes += unwrapInboundIn(data).readableBytesView
            if bytes.count >= RawExchange.maxBytes {
                context.close(promise: nil)
            } else if !graceStarted, RawExchange.headEnd(bytes) != nil {
                graceStarted = true
                let channel = context.channel
                context.eventLoop.scheduleTask(in: RawExchange.graceAfterHeaders) { channel.close(promise: nil) }
            }
        }

        func channelInactive(context: ChannelHandlerContext) {
            done.succeed(bytes)
        }

        func errorCaught(context: ChannelHandlerContext, error: any Error) {
            done.fail(error)
            context.close(promise: nil)
        }
    }
}
