import AsyncHTTPClient
import Foundation
import NIOCore
import NIOPosix

/// A HEAD request over a connection of its own, its answer read as raw bytes. An HTTP client knows that a HEAD answer
/// has no body, so it reads none: a body the server sends anyway (which HTTP forbids) is never seen, and is left on
/// a pooled connection to spoil the next answer there. Read raw, with `Connection: close`, the body is seen (as the
/// answer's body) and spoils nothing. Plain `http://` only; other URLs go through the client.
enum HeadExchange {
    /// The most bytes read; past them the connection is closed.
    static let maxBytes = 1 << 20
    /// How long a server that keeps the connection open despite `Connection: close` is given after its headers.
    static let graceAfterHeaders = TimeAmount.seconds(1)

    /// Whether `request` goes this way: a HEAD to a plain `http://` URL.
    static func handles(_ request: SentRequest) -> Bool {
        request.method == "HEAD" && URLComponents(string: request.url)?.scheme?.lowercased() == "http"
    }

    static func send(_ request: SentRequest, extraHeaders: [(name: String, value: String)], timeout: Double) async throws -> ReceivedResponse {
        guard let url = URLComponents(string: request.url), let host = url.host, !host.isEmpty else { throw HTTPClientError.invalidURL }
        let port = url.port ?? 80
        let target = (url.percentEncodedPath.isEmpty ? "/" : url.percentEncodedPath) + (url.percentEncodedQuery.map { "?\($0)" } ?? "")
        var headers = request.headers.filter { $0.name.lowercased() != "connection" }
        headers += extraHeaders.filter { extra in !headers.contains { $0.name.caseInsensitiveCompare(extra.name) == .orderedSame } }
        if !headers.contains(where: { $0.name.lowercased() == "host" }) { headers.insert(("Host", url.port.map { "\(host):\($0)" } ?? host), at: 0) }
        let head = "HEAD \(target) HTTP/1.1\r\n" + (headers + [("Connection", "close")]).map { "\($0.name): \($0.value)\r\n" }.joined() + "\r\n"

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
        try await channel.writeAndFlush(ByteBuffer(string: head)).get()
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
        return ReceivedResponse(status: status, headers: headers, body: Data(bytes[(at + end.count)...]))
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
            if bytes.count >= HeadExchange.maxBytes {
                context.close(promise: nil)
            } else if !graceStarted, HeadExchange.headEnd(bytes) != nil {
                graceStarted = true
                let channel = context.channel
                context.eventLoop.scheduleTask(in: HeadExchange.graceAfterHeaders) { channel.close(promise: nil) }
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
