import Crypto

extension SHA256 {
    /// The lower-case hex SHA-256 of `text`'s UTF-8. On every API-key request, so written straight into the
    /// string (formatting each byte with `String(format:)` was a tenth of a chat request's CPU).
    static func hex(_ text: String) -> String {
        let digest = hash(data: Array(text.utf8))
        return String(unsafeUninitializedCapacity: byteCount * 2) { characters in
            var index = 0
            for byte in digest {
                characters[index] = hexDigits[Int(byte >> 4)]
                characters[index + 1] = hexDigits[Int(byte & 0x0F)]
                index += 2
            }
            return index
        }
    }

    private static let hexDigits = Array("0123456789abcdef".utf8)
}
