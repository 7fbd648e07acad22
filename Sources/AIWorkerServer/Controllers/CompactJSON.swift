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
                let escape: Escape? = switch byte {
                case UInt8(ascii: "\""), UInt8(ascii: "\\"): .short(byte)
                case 0x0A: .short(UInt8(ascii: "n"))
                case 0x0D: .short(UInt8(ascii: "r"))
                case 0x09: .short(UInt8(ascii: "t"))
                case 0x08: .short(UInt8(ascii: "b"))
                case 0x0C: .short(UInt8(ascii: "f"))
                case 0..<0x20: .unicode(Int(byte), length: 1)
                case 0x7F where forLogs: .unicode(0x7F, length: 1)
                case 0xC2 where forLogs && index + 1 < bytes.count && (0x80...0x9F).contains(bytes[index + 1]):
                    .unicode(Int(bytes[index + 1]), length: 2)
                case 0xE2 where forLogs && index + 2 < bytes.count && bytes[index + 1] == 0x80 && (0xA8...0xA9).contains(bytes[index + 2]):
                    .unicode(0x2000 | Int(bytes[index + 2] & 0x3F), length: 3)
                default: nil
                }
                guard let escape else {
                    index += 1
                    continue
                }
                out.append(contentsOf: UnsafeBufferPointer(rebasing: bytes[run..<index]))
                switch escape {
                case .short(let letter):
                    out += [UInt8(ascii: "\\"), letter]
                    index += 1
                case .unicode(let value, let length):
                    out += [UInt8(ascii: "\\"), UInt8(ascii: "u")]
                    for shift in stride(from: 12, through: 0, by: -4) { out.append(hexDigits[(value >> shift) & 0xF]) }
                    index += length
                }
                run = index
            }
            out.append(contentsOf: UnsafeBufferPointer(rebasing: bytes[run..<bytes.count]))
        }
        out.append(UInt8(ascii: "\""))
    }

    /// How a byte sequence is written in a JSON string: a backslash and a letter (`\n`), or `\u` and the scalar's
    /// four hex digits, replacing `length` bytes.
    private enum Escape {
        case short(UInt8)
        case unicode(Int, length: Int)
    }

    private static let hexDigits = Array("0123456789abcdef".utf8)
}
