import Foundation

/// Compact JSON for small bodies written by hand (events, chunks).
enum CompactJSON {
    static func encode(_ value: some Encodable) -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return (try? encoder.encode(value)).map { String(decoding: $0, as: UTF8.self) } ?? "{}"
    }

    /// `text` as a JSON string, byte for byte as `encode` writes one: `"` and `\` escaped, the control characters
    /// as `\n`, `\r`, `\t`, `\b`, `\f` or `\u00XX`, everything else (slashes, non-ASCII) as it is. For the one-string
    /// events a stream sends thousands of, where a `JSONEncoder` each cost a sixth of a streaming server's CPU.
    static func string(_ text: String) -> String {
        var escaped = [UInt8]()
        escaped.reserveCapacity(text.utf8.count + 2)
        escaped.append(UInt8(ascii: "\""))
        for byte in text.utf8 {
            switch byte {
            case UInt8(ascii: "\""): escaped += [UInt8(ascii: "\\"), UInt8(ascii: "\"")]
            case UInt8(ascii: "\\"): escaped += [UInt8(ascii: "\\"), UInt8(ascii: "\\")]
            case 0x0A: escaped += [UInt8(ascii: "\\"), UInt8(ascii: "n")]
            case 0x0D: escaped += [UInt8(ascii: "\\"), UInt8(ascii: "r")]
            case 0x09: escaped += [UInt8(ascii: "\\"), UInt8(ascii: "t")]
            case 0x08: escaped += [UInt8(ascii: "\\"), UInt8(ascii: "b")]
            case 0x0C: escaped += [UInt8(ascii: "\\"), UInt8(ascii: "f")]
            case 0..<0x20: escaped += Array("\\u00".utf8) + [hexDigits[Int(byte >> 4)], hexDigits[Int(byte & 0xF)]]
            default: escaped.append(byte)
            }
        }
        escaped.append(UInt8(ascii: "\""))
        return String(decoding: escaped, as: UTF8.self)
    }

    private static let hexDigits = Array("0123456789abcdef".utf8)
}
