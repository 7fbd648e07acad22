import Crypto
import Foundation

/// Makes API keys and the hashes they are stored and looked up by.
enum APIKeyGenerator {
    /// Keys start with this, like the original's and OpenAI's.
    static let keyPrefix = "sk-"
    /// Characters of a key shown in listings so a person can tell keys apart.
    static let displayPrefixLength = 10

    /// A new key: `sk-` and 43 base64url characters (32 random bytes), with its display prefix and hash.
    static func make() -> (key: String, prefix: String, hash: String) {
        let key = keyPrefix + base64URL(RandomID.bytes(32))
        return (key, String(key.prefix(displayPrefixLength)), hash(key))
    }

    /// Hex SHA-256 of the key: what the database holds instead of the key. On every API-key request, so written
    /// straight into the string (formatting each byte with `String(format:)` was a tenth of a chat request's CPU).
    static func hash(_ key: String) -> String {
        let digest = SHA256.hash(data: Array(key.utf8))
        return String(unsafeUninitializedCapacity: SHA256.byteCount * 2) { text in
            var index = 0
            for byte in digest {
                text[index] = hexDigits[Int(byte >> 4)]
                text[index + 1] = hexDigits[Int(byte & 0x0F)]
                index += 2
            }
            return index
        }
    }

    private static let hexDigits = Array("0123456789abcdef".utf8)

    static func base64URL(_ bytes: [UInt8]) -> String {
        Data(bytes).base64EncodedString()
            .replacingOccurrences(of: "+", with: "-")
            .replacingOccurrences(of: "/", with: "_")
            .replacingOccurrences(of: "=", with: "")
    }
}
