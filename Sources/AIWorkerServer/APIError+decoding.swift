import Foundation

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
