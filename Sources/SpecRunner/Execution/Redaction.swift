import Foundation

/// Keeps secrets out of reports: credentials in headers and secret-looking fields in bodies are masked.
enum Redaction {
    static let secretHeaders: Set<String> = ["authorization", "x-api-key", "cookie", "set-cookie"]
    static let secretFields: Set<String> = ["password", "token", "key", "secret", "jwtsecret", "api_key", "apikey"]

    static func request(_ request: SentRequest) -> SentRequest {
        SentRequest(
            method: request.method, url: request.url,
            headers: request.headers.map { ($0.name, secretHeaders.contains($0.name.lowercased()) ? mask($0.value) : $0.value) },
            body: request.body.map { excerpt(of: $0) })
    }

    /// The start of a response body, secrets masked.
    static func excerpt(of response: ReceivedResponse) -> String {
        excerpt(of: response.text)
    }

    static func excerpt(of text: String) -> String {
        let shown: String
        if let json = try? JSONValue.parse(text) {
            shown = redact(json).jsonText
        } else {
            shown = text
        }
        return shown.count > 300 ? String(shown.prefix(300)) + "… (\(text.utf8.count) bytes)" : shown
    }

    static func redact(_ value: JSONValue) -> JSONValue {
        switch value {
        case .object(let object):
            .object(Dictionary(uniqueKeysWithValues: object.map { key, value in
                (key, secretFields.contains(key.lowercased()) && value.stringValue != nil ? .string(mask(value.stringValue!)) : redact(value))
            }))
        case .array(let array): .array(array.map(redact))
        default: value
        }
    }

    /// `Bearer eyJhbG…` -> keeps the scheme and 6 characters.
    static func mask(_ secret: String) -> String {
        let parts = secret.split(separator: " ", maxSplits: 1)
        if parts.count == 2 { return "\(parts[0]) \(mask(String(parts[1])))" }
        return secret.count <= 8 ? "«redacted»" : "\(secret.prefix(6))…«redacted»"
    }
}
