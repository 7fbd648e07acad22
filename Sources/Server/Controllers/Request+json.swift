import Foundation
import Hummingbird

extension Request {
    /// Decodes a JSON body of at most `limit` bytes. Every failure becomes an `APIError` that says what was
    /// wrong and where: 415 for a non-JSON content type, 413 for a body over the limit, 400 for invalid JSON
    /// or a missing or wrongly typed field (named by its path, e.g. `messages[0].content`).
    mutating func decodeJSON<Value: Decodable>(as type: Value.Type, limit: Int) async throws -> Value {
        if let contentType = headers[.contentType], !Self.isJSON(contentType) {
            throw APIError.unsupportedMediaType
        }
        if let length = headers[.contentLength].flatMap({ Int($0) }), length > limit {
            throw APIError.bodyTooLarge(limit: limit)
        }
        let buffer: ByteBuffer
        do {
            buffer = try await collectBody(upTo: limit)
        } catch let error as HTTPError where error.status == .contentTooLarge {
            throw APIError.bodyTooLarge(limit: limit)
        }
        guard buffer.readableBytes > 0 else {
            throw APIError.badRequest("The request body is empty; send a JSON object.", code: "invalid_json")
        }
        do {
            return try Self.decoder.decode(Value.self, from: buffer)
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

extension APIError {
    /// The 400 for a body that is not JSON, or whose fields are missing or of the wrong type.
    init(decoding error: DecodingError) {
        switch error {
        case .keyNotFound(let key, let context):
            let path = Self.path(context.codingPath + [key])
            self = .badRequest("Missing required field '\(path)'.", code: "missing_field", param: path)
        case .valueNotFound(_, let context):
            self = .badRequest("Field '\(Self.path(context.codingPath))' must not be null.", code: "invalid_field", param: Self.path(context.codingPath))
        case .typeMismatch(_, let context) where context.codingPath.isEmpty:
            self = .badRequest("The request body must be a JSON object.", code: "invalid_json")
        case .typeMismatch(let type, let context):
            self = .badRequest("Field '\(Self.path(context.codingPath))' must be \(Self.describe(type)).", code: "invalid_field", param: Self.path(context.codingPath))
        case .dataCorrupted(let context) where !context.codingPath.isEmpty:
            self = .badRequest("Field '\(Self.path(context.codingPath))' is invalid: \(context.debugDescription)", code: "invalid_field", param: Self.path(context.codingPath))
        default:
            self = .invalidJSON
        }
    }

    /// `["messages", 0, "content"]` -> `messages[0].content`.
    static func path(_ codingPath: [any CodingKey]) -> String {
        codingPath.reduce(into: "") { path, key in
            if let index = key.intValue {
                path += "[\(index)]"
            } else {
                path += path.isEmpty ? key.stringValue : ".\(key.stringValue)"
            }
        }
    }

    private static func describe(_ type: Any.Type) -> String {
        switch type {
        case is String.Type: "a string"
        case is Int.Type: "an integer"
        case is Double.Type: "a number"
        case is Bool.Type: "true or false"
        case is [Any].Type: "an array"
        default: "an object"
        }
    }
}
