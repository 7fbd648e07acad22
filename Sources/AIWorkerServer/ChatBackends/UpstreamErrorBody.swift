import Foundation

/// What an upstream says went wrong, read from its error body so that clients get its reason instead of a bare
/// status: OpenAI's `{"error": {"message", "code"}}`, `{"error": "..."}`, `{"message": "..."}`, or Workers AI's
/// `{"errors": [{"message"}]}`. The message is sanitised: control characters dropped, anything like a secret
/// (`sk-…`, a bearer token, the configured credential) redacted, and at most `maxLength` characters kept.
struct UpstreamErrorBody: Sendable, Equatable {
    let message: String?
    /// The upstream's machine-readable code, e.g. `model_not_found`, when it gives one.
    let code: String?

    static let maxLength = 300

    init(message: String?, code: String?) {
        self.message = message
        self.code = code
    }

    /// Reads `body` (JSON or text); `secret` is the credential this server sends upstream.
    init(body: [UInt8], secret: String?) {
        let object = (try? JSONValueReader.parse(body)) ?? nil
        let error = object?["error"]
        let text = error?["message"]?.string ?? error?.string ?? object?["message"]?.string
            ?? object?["errors"]?.array?.first?["message"]?.string
            ?? (object == nil ? String(decoding: body.prefix(4_096), as: UTF8.self) : nil)
        message = text.map { Self.sanitise($0, secret: secret) }.flatMap { $0.isEmpty ? nil : $0 }
        code = (error?["code"]?.string ?? error?["type"]?.string).flatMap(UpstreamValue.word)
    }

    /// `text` fit to show a client and to log.
    static func sanitise(_ text: String, secret: String?) -> String {
        var text = String(text.unicodeScalars.map { $0.properties.generalCategory == .control ? " " : Character($0) })
        if let secret, !secret.isEmpty { text = text.replacingOccurrences(of: secret, with: "[redacted]") }
        text = text.replacing(#/sk-[A-Za-z0-9_\-]{6,}/#, with: "sk-[redacted]")
        text = text.replacing(#/(?i)bearer\s+[A-Za-z0-9._~+\/\-]+=*/#, with: "Bearer [redacted]")
        text = text.split(whereSeparator: \.isWhitespace).joined(separator: " ")
        return text.count > maxLength ? String(text.prefix(maxLength - 1)) + "…" : text
    }
}

/// The little JSON reading `UpstreamErrorBody` needs, on Foundation's parser.
enum JSONValueReader {
    static func parse(_ bytes: [UInt8]) throws -> Node? {
        Node(try JSONSerialization.jsonObject(with: Data(bytes), options: [.fragmentsAllowed]))
    }

    struct Node {
        let value: Any

        init?(_ value: Any?) {
            guard let value else { return nil }
            self.value = value
        }

        subscript(key: String) -> Node? { Node((value as? [String: Any])?[key]) }
        var string: String? { value as? String }
        var array: [Node]? { (value as? [Any])?.compactMap(Node.init) }
    }
}
