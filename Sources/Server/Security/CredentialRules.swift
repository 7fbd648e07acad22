import Foundation

/// What makes an email and a password acceptable at registration.
enum CredentialRules {
    static let passwordBytes = 8...72
    static let maxEmailLength = 254

    /// The email trimmed and lower-cased, or a 400 saying why it cannot be an address.
    static func normalizedEmail(_ email: String) throws -> String {
        let normalized = email.trimmingCharacters(in: .whitespacesAndNewlines).lowercased()
        guard normalized.count <= maxEmailLength, isEmailSyntax(normalized) else {
            throw APIError.badRequest("Field 'email' must be an email address such as alice@example.com.", code: "invalid_email")
        }
        return normalized
    }

    /// A 400 unless the password is 8 to 72 bytes (bcrypt ignores anything past 72 bytes).
    static func checkPassword(_ password: String) throws {
        let bytes = password.utf8.count
        if bytes < passwordBytes.lowerBound {
            throw APIError.badRequest(
                "Field 'password' must be at least \(passwordBytes.lowerBound) bytes long.", code: "weak_password")
        }
        if bytes > passwordBytes.upperBound {
            throw APIError.badRequest(
                "Field 'password' must be at most \(passwordBytes.upperBound) bytes long.", code: "password_too_long")
        }
    }

    /// `local@domain.tld`: one `@`, no spaces or control characters, a dotted domain with non-empty labels.
    static func isEmailSyntax(_ email: String) -> Bool {
        let parts = email.split(separator: "@", omittingEmptySubsequences: false)
        guard parts.count == 2, !parts[0].isEmpty, parts[0].count <= 64 else { return false }
        let labels = parts[1].split(separator: ".", omittingEmptySubsequences: false)
        guard labels.count >= 2, labels.allSatisfy({ !$0.isEmpty && !$0.hasPrefix("-") && !$0.hasSuffix("-") }) else { return false }
        let forbidden = CharacterSet.whitespacesAndNewlines.union(.controlCharacters).union(CharacterSet(charactersIn: "<>()[]\\,;:\""))
        return email.unicodeScalars.allSatisfy { !forbidden.contains($0) }
    }
}
