/// What makes an email and a password acceptable, exactly as the spec's `Registration` schema says (its email
/// `pattern` and `maxLength`, its password `minLength`, `maxLength` and `pattern`, all in characters): what the
/// schema allows is accepted and what it forbids is refused.
enum CredentialRules {
    static let minimumPasswordCharacters = 8
    static let maximumPasswordCharacters = 256
    /// The most a login may send: beyond any password registration accepts, a bound on the work it causes.
    static let maximumLoginPasswordBytes = 4_096
    static let maxEmailLength = 254

    /// The email lower-cased, or a 400 saying why it cannot be an address.
    static func normalizedEmail(_ email: String) throws -> String {
        guard isEmailSyntax(email) else {
            throw APIError.badRequest("Field 'email' must be an email address such as alice@example.com.", code: "invalid_email")
        }
        return email.lowercased()
    }

    /// A 400 unless the password has 8 to 256 characters and no U+0000.
    static func checkPassword(_ password: String) throws {
        if password.unicodeScalars.count < minimumPasswordCharacters {
            throw APIError.badRequest(
                "Field 'password' must be at least \(minimumPasswordCharacters) characters long.", code: "weak_password")
        }
        if password.unicodeScalars.count > maximumPasswordCharacters {
            throw APIError.badRequest(
                "Field 'password' must be at most \(maximumPasswordCharacters) characters long.", code: "password_too_long")
        }
        if password.unicodeScalars.contains("\u{0}") {
            throw APIError.badRequest("Field 'password' must not contain the NUL character (U+0000).", code: "invalid_password")
        }
    }

    /// Whether login should even try these credentials: an overlong email or password only causes work (and grows
    /// the login throttle), and no account has a NUL in its password. (No minimum: accounts imported from the
    /// original may have shorter passwords.) Login answers any other with the same 401.
    static func canLogIn(email: String, password: String) -> Bool {
        email.unicodeScalars.count <= maxEmailLength && password.utf8.count <= maximumLoginPasswordBytes
            && !password.unicodeScalars.contains("\u{0}")
    }

    /// `local@domain.tld`: at most 254 characters, one `@`, a local part of 1 to 64 characters, a dotted domain whose
    /// labels are neither empty nor start or end with `-`, and none of the characters `isForbidden` names.
    static func isEmailSyntax(_ email: String) -> Bool {
        // On code points, as the spec's pattern is read, never on characters: an `@`, `.` or `-` followed by a
        // combining mark is one character but still that code point.
        let scalars = Array(email.unicodeScalars)
        guard scalars.count <= maxEmailLength, !scalars.contains(where: isForbidden) else { return false }
        let parts = scalars.split(separator: "@", omittingEmptySubsequences: false)
        guard parts.count == 2, (1...64).contains(parts[0].count) else { return false }
        let labels = parts[1].split(separator: ".", omittingEmptySubsequences: false)
        return labels.count >= 2 && labels.allSatisfy { !$0.isEmpty && $0.first != "-" && $0.last != "-" }
    }

    /// Control characters, white space (ECMAScript's `\s`, spelled out as in the spec's pattern) and `<>()[]\,;:"`.
    private static func isForbidden(_ scalar: Unicode.Scalar) -> Bool {
        switch scalar.value {
        case 0...0x20, 0x7F...0xA0, 0x1680, 0x2000...0x200A, 0x2028, 0x2029, 0x202F, 0x205F, 0x3000, 0xFEFF: true
        default: "<>()[]\\,;:\"".unicodeScalars.contains(scalar)
        }
    }
}
