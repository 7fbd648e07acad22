import Foundation
import Hummingbird
import NIOCore

/// The request decoder of every context (so handlers call `request.decode(as:context:)`): a JSON body of at most
/// the context's `maxUploadSize` bytes. Every failure becomes an `APIError` that says what was wrong and where:
/// 415 for a non-JSON content type, 413 for a body over the limit, 408 for a body still arriving after
/// `bodyTimeout` (one that trickles in a byte at a time, each inside the idle timeout), 400 for invalid JSON or a
/// missing or wrongly typed field (named by its path, e.g. `messages[0].content`).
struct JSONRequestDecoder: RequestDecoder {
    let bodyTimeout: Duration
    /// The request's connection: past `bodyTimeout` its input is closed, so that the client cannot go on holding
    /// it by trickling the rest of the body (the server would otherwise read it to the end after answering).
    let channel: any Channel

    func decode<T: Decodable>(_ type: T.Type, from request: Request, context: some RequestContext) async throws -> T {
        try decode(type, from: try await collect(request, limit: context.maxUploadSize))
    }

    /// A collected body as `T`.
    func decode<T: Decodable>(_ type: T.Type, from buffer: ByteBuffer) throws -> T {
        guard buffer.readableBytes > 0 else {
            throw APIError.badRequest("The request body is empty; send a JSON object.", code: "invalid_json")
        }
        do {
            return try Self.decoder.decode(T.self, from: buffer)
        } catch let error as DecodingError {
            throw APIError(decoding: error)
        }
    }

    /// The whole body, once its content type says JSON, within `limit` bytes and `bodyTimeout`: a body that stops
    /// coming (a client that announced more and stalls) is cut at the timeout as surely as one that trickles.
    func collect(_ request: Request, limit: Int) async throws -> ByteBuffer {
        if let contentType = request.headers.value(of: .contentType), !Self.isJSON(contentType) {
            throw APIError.unsupportedMediaType
        }
        if let length = request.headers.value(of: .contentLength).flatMap({ Int($0) }), length > limit {
            throw APIError.bodyTooLarge(limit: limit)
        }
        // At the deadline the connection's input is closed: the body's sequence ends (or fails) at once, and the
        // client cannot go on holding the connection by sending the rest.
        let watch = BodyDeadlines.shared.watch(channel, for: bodyTimeout)
        defer { BodyDeadlines.shared.unwatch(watch) }
        var buffer = ByteBuffer()
        do {
            for try await var piece in request.body {
                guard buffer.readableBytes + piece.readableBytes <= limit else { throw APIError.bodyTooLarge(limit: limit) }
                buffer.writeBuffer(&piece)
            }
        } catch where watch.timedOut {
            throw APIError.bodyTimeout
        }
        if watch.timedOut { throw APIError.bodyTimeout }
        return buffer
    }

    /// One decoder for every request body.
    private static let decoder = JSONDecoder()

    /// `application/json`, or any `+json` type, with any parameters.
    static func isJSON(_ contentType: String) -> Bool {
        // What nearly every client sends, checked without the trimming and lower-casing below (which showed as
        // a twenty-fifth of a chat request's CPU).
        if contentType == "application/json" || contentType == "application/json; charset=utf-8" { return true }
        let mediaType = contentType.split(separator: ";").first?.trimmingCharacters(in: .whitespaces).lowercased() ?? ""
        return mediaType == "application/json" || (mediaType.hasPrefix("application/") && mediaType.hasSuffix("+json"))
    }
}

extension APIError {
    static let bodyTimeout = APIError(
        status: .requestTimeout, code: "body_timeout",
        message: "The request body took longer to arrive than this server waits for one; send it at once.",
        headers: [.connection: "close"])

    /// The body's framing (chunked encoding) cannot be parsed: the client's fault, answered before the connection
    /// is closed.
    static let malformedBody = APIError.badRequest("The request's body framing is malformed (e.g. a bad chunk size).", code: "malformed_body")
}

extension Request {
    /// Reads the body once under the context's limits and keeps it in the request: a handler that answers with a
    /// stream needs it kept, so that the connection's inbound side can be watched for the client leaving
    /// (`consumeWithCancellationOnInboundClose` needs the body read this way, not only iterated). The bytes, for
    /// the handler to decode with `requestDecoder.decode(_:from:)`.
    mutating func keepBody(context: AuthenticatedContext) async throws -> ByteBuffer {
        let buffer = try await context.requestDecoder.collect(self, limit: context.maxUploadSize)
        body = RequestBody(buffer: buffer)
        return buffer
    }
}
