import Foundation
import JSONValues

/// Keeps secrets out of everything the runner prints or writes (console, reports, saved scenarios' notes):
/// values of headers, JSON fields, form fields and query parameters whose names say they are secret (they
/// contain token, secret, password, key, authorization, cookie, credential or session), and anything that looks
/// like a JWT or an API key wherever it appears. A redacted value shows no part of itself.
enum Redaction {
    static let placeholder = "«redacted»"
    static let secretNameParts = ["token", "secret", "password", "passwd", "key", "authorization", "cookie", "credential", "session"]

    /// JWTs (`eyJ….….…`) and API keys (`sk-…`), wherever they stand.
    private static let secretValue = try! NSRegularExpression(
        pattern: #"eyJ[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*|sk-[A-Za-z0-9_-]{8,}"#)

    static func isSecretName(_ name: String) -> Bool {
        let lowered = name.lowercased()
        return secretNameParts.contains { lowered.contains($0) }
    }

    static func request(_ request: SentRequest) -> SentRequest {
        let contentType = request.headers.first { $0.name.caseInsensitiveCompare("Content-Type") == .orderedSame }?.value
        return SentRequest(
            method: request.method, url: url(request.url),
            headers: request.headers.map { ($0.name, isSecretName($0.name) ? mask($0.value) : scrub($0.value)) },
            body: request.body.map { excerpt(of: $0, contentType: contentType) })
    }

    /// The start of a response body, secrets masked.
    static func excerpt(of response: ReceivedResponse) -> String {
        excerpt(of: response.text, contentType: response.header("Content-Type"))
    }

    /// The start of a body, secrets masked: JSON and form bodies field by field, any text by its look.
    static func excerpt(of text: String, contentType: String? = nil) -> String {
        let shown: String
        if let json = try? JSONValue.parse(text) {
            shown = redact(json).jsonText
        } else if contentType?.lowercased().hasPrefix("application/x-www-form-urlencoded") == true {
            shown = form(text)
        } else {
            shown = scrub(text)
        }
        return shown.count > 300 ? String(shown.prefix(300)) + "… (\(text.utf8.count) bytes)" : shown
    }

    static func redact(_ value: JSONValue) -> JSONValue {
        switch value {
        case .object(let object):
            .object(Dictionary(uniqueKeysWithValues: object.map { key, value in
                (key, isSecretName(key) && value != .null ? .string(placeholder) : redact(value))
            }))
        case .array(let array): .array(array.map(redact))
        case .string(let text): .string(scrub(text))
        default: value
        }
    }

    /// `Bearer eyJ…` -> `Bearer «redacted»`: the scheme stays, nothing of the secret.
    static func mask(_ secret: String) -> String {
        let parts = secret.split(separator: " ", maxSplits: 1)
        return parts.count == 2 ? "\(parts[0]) \(placeholder)" : placeholder
    }

    /// `text` with every JWT and API key in it replaced.
    static func scrub(_ text: String) -> String {
        secretValue.stringByReplacingMatches(in: text, range: NSRange(text.startIndex..., in: text), withTemplate: placeholder)
    }

    /// A URL with secret query parameters (by name or by look) redacted.
    static func url(_ url: String) -> String {
        guard let mark = url.firstIndex(of: "?") else { return scrub(url) }
        return scrub(String(url[..<mark])) + "?" + form(String(url[url.index(after: mark)...]))
    }

    /// `a=1&password=x` -> `a=1&password=«redacted»`.
    private static func form(_ text: String) -> String {
        text.split(separator: "&", omittingEmptySubsequences: false).map { pair in
            let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            guard parts.count == 2 else { return scrub(String(pair)) }
            let name = String(parts[0]).removingPercentEncoding ?? String(parts[0])
            return "\(parts[0])=\(isSecretName(name) ? placeholder : scrub(String(parts[1])))"
        }.joined(separator: "&")
    }
}
