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
        appendString(text, to: &escaped)
        return String(decoding: escaped, as: UTF8.self)
    }

    /// Appends `text` as a JSON string, as `string` writes it. `forLogs` also escapes, as `\uXXXX`, what a log viewer
    /// could take for a line's end or not show: DEL, the C1 controls, U+2028 and U+2029. The bytes between escapes
    /// are copied in runs.
    static func appendString(_ text: String, to out: inout [UInt8], forLogs: Bool = false) {
        out.append(UInt8(ascii: "\""))
        var text = text
        text.withUTF8 { bytes in
            // Printable ASCII without a quote or a backslash, nearly every value, is copied whole after one check.
            if !bytes.contains(where: { $0 < 0x20 || $0 > 0x7E || $0 == UInt8(ascii: "\"") || $0 == UInt8(ascii: "\\") }) {
                out.append(contentsOf: bytes)
                return
            }
            var index = 0
            var run = 0
            while index < bytes.count {
                let byte = bytes[index]
                // The bytes that may start an escape; every other byte is left in the run.
                guard byte < 0x20 || byte == UInt8(ascii: "\"") || byte == UInt8(ascii: "\\") || (forLogs && (byte == 0x7F || byte == 0xC2 || byte == 0xE2)) else {
                    index += 1
                    continue
                }
                let short: UInt8? = switch byte {
                case UInt8(ascii: "\""), UInt8(ascii: "\\"): byte
                case 0x0A: UInt8(ascii: "n")
                case 0x0D: UInt8(ascii: "r")
                case 0x09: UInt8(ascii: "t")
                case 0x08: UInt8(ascii: "b")
                case 0x0C: UInt8(ascii: "f")
                default: nil
                }
                // The escaped scalar's value and how many bytes it takes, for a `\uXXXX` escape.
                let unicode: (value: Int, length: Int)? = switch byte {
                case _ where short != nil: nil
                case 0..<0x20: (Int(byte), 1)
                case 0x7F where forLogs: (0x7F, 1)
                case 0xC2 where forLogs && index + 1 < bytes.count && (0x80...0x9F).contains(bytes[index + 1]):
                    (Int(bytes[index + 1]), 2)
                case 0xE2 where forLogs && index + 2 < bytes.count && bytes[index + 1] == 0x80 && (0xA8...0xA9).contains(bytes[index + 2]):
                    (0x2000 | Int(bytes[index + 2] & 0x3F), 3)
                default: nil
                }
                guard short != nil || unicode != nil else {
                    index += 1
                    continue
                }
                out.append(contentsOf: UnsafeBufferPointer(rebasing: bytes[run..<index]))
                if let short {
                    out += [UInt8(ascii: "\\"), short]
                    index += 1
                } else if let unicode {
                    out += [UInt8(ascii: "\\"), UInt8(ascii: "u")]
                    for shift in stride(from: 12, through: 0, by: -4) { out.append(hexDigits[(unicode.value >> shift) & 0xF]) }
                    index += unicode.length
                }
                run = index
            }
            out.append(contentsOf: UnsafeBufferPointer(rebasing: bytes[run..<bytes.count]))
        }
        out.append(UInt8(ascii: "\""))
    }

    private static let hexDigits = Array("0123456789abcdef".utf8)
}
