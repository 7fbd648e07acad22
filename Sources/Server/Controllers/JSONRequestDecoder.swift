import Foundation
import Hummingbird

/// The request decoder of every context (so handlers call `request.decode(as:context:)`): a JSON body of at most
/// the context's `maxUploadSize` bytes. Every failure becomes an `APIError` that says what was wrong and where:
/// 415 for a non-JSON content type, 413 for a body over the limit, 400 for invalid JSON or a missing or wrongly
/// typed field (named by its path, e.g. `messages[0].content`).
struct JSONRequestDecoder: RequestDecoder {
    func decode<T: Decodable>(_ type: T.Type, from request: Request, context: some RequestContext) async throws -> T {
        let limit = context.maxUploadSize
        if let contentType = request.headers[.contentType], !Self.isJSON(contentType) {
            throw APIError.unsupportedMediaType
        }
        if let length = request.headers[.contentLength].flatMap({ Int($0) }), length > limit {
            throw APIError.bodyTooLarge(limit: limit)
        }
        let buffer: ByteBuffer
        do {
            buffer = try await request.body.collect(upTo: limit)
        } catch let error as HTTPError where error.status == .contentTooLarge {
            throw APIError.bodyTooLarge(limit: limit)
        }
        guard buffer.readableBytes > 0 else {
            throw APIError.badRequest("The request body is empty; send a JSON object.", code: "invalid_json")
        }
        do {
            return try Self.decoder.decode(T.self, from: buffer)
        } catch let error as DecodingError {
            throw APIError(decoding: error)
        }
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
