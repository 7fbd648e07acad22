import Crypto
import Foundation

/// An API key's secret: how a key is made and written, and the hash it is stored and looked up by.
enum APIKeySecret {
    /// Keys start with this, like the original's and OpenAI's.
    static let keyPrefix = "sk-"
    /// Characters of a key shown in listings so a person can tell keys apart.
    static let displayPrefixLength = 10

    /// A new key: `sk-` and 43 base64url characters (32 random bytes), with its display prefix and hash.
    static func make() -> (key: String, prefix: String, hash: String) {
        let key = keyPrefix + base64URL(RandomID.bytes(32))
        return (key, String(key.prefix(displayPrefixLength)), hash(key))
    }

    /// Hex SHA-256 of the key: what the database holds instead of the key.
    static func hash(_ key: String) -> String {
        SHA256.hex(key)
    }

    static func base64URL(_ bytes: [UInt8]) -> String {
        Data(bytes).base64EncodedString()
            .replacingOccurrences(of: "+", with: "-")
            .replacingOccurrences(of: "/", with: "_")
            .replacingOccurrences(of: "=", with: "")
    }
}
