import Foundation
import JSONValues

/// Looks through an answer for what must never leave a server: password hashes (bcrypt, argon2, scrypt, PBKDF2),
/// the password the request sent, and tokens (JWTs) whose claims carry either or name a password, hash, salt or
/// secret, as a token that carries the user's whole database row does.
enum SecretScan {
    /// Hash formats by name, as they appear in storage.
    static let hashPatterns: [(name: String, pattern: String)] = [
        ("a bcrypt hash", #"\$2[abxy]?\$\d\d\$[./A-Za-z0-9]{53}"#), ("an argon2 hash", #"\$argon2(id|i|d)\$"#),
        ("an scrypt hash", #"\$scrypt\$"#), ("a PBKDF2 hash", #"pbkdf2[_-]sha\d+\$"#),
    ]

    /// Claim names that have no place in a token.
    static let secretClaimNames = ["password", "passwordhash", "password_hash", "hash", "salt", "secret"]

    /// One thing an answer leaks: in words, and as the check a replayed scenario makes (`text` or `body`).
    struct Leak: Sendable, Equatable {
        let description: String
        /// A JSON Pointer to the token that leaks, or nil for the body's text.
        let token: JSONPointer?
        /// The text that must not appear there: a hash's format prefix, the password, `"claim"`.
        let marker: String

        /// The step expectation that fails while the leak is there.
        var expectation: [String: JSONValue] {
            let notContains = JSONValue.object(["notContains": .string(marker)])
            guard let token else { return ["text": notContains] }
            return ["body": .object([token.description: .object(["jwtClaims": notContains])])]
        }
    }

    /// What the answer leaks; `sent` is the request's body, whose passwords are looked for.
    static func leaks(in response: ReceivedResponse, sent: String?) -> [Leak] {
        guard let json = response.json else { return [] }
        let passwords = sent.flatMap { try? JSONValue.parse(Data($0.utf8)) }.map(passwordsSent) ?? []
        var leaks: [Leak] = []
        for (pointer, text) in strings(in: json) {
            let place = pointer.description.isEmpty ? "the body" : pointer.description
            leaks += found(in: text, passwords: passwords).map { Leak(description: "\(place) holds \($0.what)", token: nil, marker: $0.marker) }
            guard let claims = try? JWTForgery(token: text).payload else { continue }
            for name in claims.keys.sorted() where secretClaimNames.contains(name.lowercased()) {
                leaks.append(Leak(description: "the token at \(place) carries the claim \(name)", token: pointer, marker: "\"\(name)\""))
            }
            for (claimPointer, claim) in strings(in: .object(claims)) {
                leaks += found(in: claim, passwords: passwords).map {
                    Leak(description: "the token at \(place) carries \($0.what) in its claim \(claimPointer)", token: pointer, marker: $0.marker)
                }
            }
        }
        return leaks
    }

    /// Password hashes in `text` (their format prefix as the marker) and any of `passwords` it contains.
    private static func found(in text: String, passwords: [String]) -> [(what: String, marker: String)] {
        var found = hashPatterns.compactMap { format -> (String, String)? in
            guard let expression = RegexCache.shared.expression(for: format.pattern),
                  let match = expression.firstMatch(in: text, range: NSRange(text.startIndex..., in: text)),
                  let range = Range(match.range, in: text) else { return nil }
            // The format's prefix (`$2b$12$`), never the hash itself, goes into reports and saved scenarios.
            return (format.name, String(text[range].prefix(7)))
        }
        if let password = passwords.first(where: text.contains) { found.append(("the password the request sent", password)) }
        return found
    }

    /// Values of the request's properties named like a password (at least 6 characters, so that short strings
    /// found anywhere are not taken for it).
    static func passwordsSent(in body: JSONValue) -> [String] {
        strings(in: body).filter { pointer, text in
            text.count >= 6 && pointer.tokens.last.map { $0.lowercased().contains("password") } == true
        }.map(\.1)
    }

    /// Every string in `value` with its pointer.
    static func strings(in value: JSONValue, at pointer: JSONPointer = .root) -> [(JSONPointer, String)] {
        switch value {
        case .string(let text): [(pointer, text)]
        case .object(let object): object.keys.sorted().flatMap { strings(in: object[$0]!, at: pointer.appending($0)) }
        case .array(let array): array.indices.flatMap { strings(in: array[$0], at: pointer.appending($0)) }
        default: []
        }
    }
}
