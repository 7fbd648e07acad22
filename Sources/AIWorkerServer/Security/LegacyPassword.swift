import Crypto
import Foundation

/// The original worker's password hashes (unsalted SHA-256, base64), as earlier versions of `import-d1` stored
/// them (marked `legacy-sha256:`): still verified, and replaced at the account's first login. Imports now store
/// bcrypt over them instead, so none is written any more.
enum LegacyPassword {
    /// How an imported hash is marked in `password_hash`; bcrypt hashes start with `$2`.
    static let marker = "legacy-sha256:"

    /// Whether `text` looks like the original's hash: base64 of 32 bytes.
    static func isHash(_ text: String) -> Bool {
        Data(base64Encoded: text)?.count == 32
    }

    static func isLegacy(_ storedHash: String) -> Bool {
        storedHash.hasPrefix(marker)
    }

    /// Compares in constant time, so the comparison does not reveal how much of the hash matched.
    static func verify(_ password: String, storedHash: String) -> Bool {
        ConstantTime.equals(String(storedHash.dropFirst(marker.count)), Data(SHA256.hash(data: Data(password.utf8))).base64EncodedString())
    }
}
