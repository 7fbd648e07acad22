import Foundation

/// Replaces what differs from run to run in recorded examples (tokens, keys, ids, emails, passwords, times,
/// the run id and the server's address) with stable placeholders, so generated docs are deterministic and
/// carry no secret.
struct ExampleNormalizer {
    /// Exact values and their placeholders, longest value first.
    private let replacements: [(value: String, placeholder: String)]
    private static let patterns: [(NSRegularExpression, String)] = [
        (#"eyJ[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*"#, "<TOKEN>"),
        (#"sk-[A-Za-z0-9_-]{20,}"#, "<KEY>"),
        (#"sk-[A-Za-z0-9_-]{7}(?![A-Za-z0-9_-])"#, "<KEY_PREFIX>"),
        (#"[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}(\.[0-9]+)?Z"#, "<TIMESTAMP>"),
    ].map { (try! NSRegularExpression(pattern: $0.0), $0.1) }

    /// Placeholders from the scenario's string variables (`keyId` becomes `<KEY_ID>`), its run id and the base URL.
    init(result: ScenarioResult, baseURL: String, shownBaseURL: String) {
        var pairs = result.variables.compactMap { name, value -> (String, String)? in
            guard case .string(let text) = value, text.count >= 6 else { return nil }
            return (text, "<\(Self.placeholderName(name))>")
        }
        pairs.append((baseURL, shownBaseURL))
        if !result.runId.isEmpty { pairs.append((result.runId, "<RUN_ID>")) }
        replacements = pairs.sorted { $0.0.count > $1.0.count || ($0.0.count == $1.0.count && $0.0 < $1.0) }
    }

    func normalize(_ text: String) -> String {
        var result = text
        for (value, placeholder) in replacements {
            result = result.replacingOccurrences(of: value, with: placeholder)
        }
        for (pattern, placeholder) in Self.patterns {
            result = pattern.stringByReplacingMatches(in: result, range: NSRange(result.startIndex..., in: result), withTemplate: placeholder)
        }
        return result
    }

    /// `keyId` -> `KEY_ID`.
    static func placeholderName(_ name: String) -> String {
        var words = ""
        for character in name {
            if character.isUppercase, !words.isEmpty { words.append("_") }
            words.append(character)
        }
        return words.uppercased()
    }
}
