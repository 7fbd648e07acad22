/// Joins a UTF-16 surrogate pair that an upstream split across two stream events. A model streams tokens, a token
/// can be half a character outside the Basic Multilingual Plane (an emoji), and JavaScript's `JSON.stringify`
/// writes such a half as a lone escape (`"\ud83d"`), which JSON decoders refuse. A high half escaped at the very
/// end of a string is held back and put before the low half that starts the next event, so the character arrives
/// whole; any other lone half becomes U+FFFD (or, held back and never matched, is dropped) instead of failing the
/// stream.
struct SurrogateJoiner {
    /// The escape of a high half held back from the previous event (`\ud83d`, six bytes).
    private var pending: [UInt8]?

    /// `data` (one event's JSON text) with split pairs joined and lone halves replaced.
    mutating func join(_ data: String) -> String {
        // Nearly every event has no escape at all: nothing to do then, but drop a half held back.
        guard data.utf8.contains(0x5C) else {
            pending = nil
            return data
        }
        let bytes = Array(data.utf8)
        var out: [UInt8] = []
        out.reserveCapacity(bytes.count + 6)
        var index = 0
        var held = pending
        pending = nil
        while index < bytes.count {
            guard bytes[index] == 0x5C, index + 1 < bytes.count else {
                out.append(bytes[index])
                index += 1
                continue
            }
            guard let unit = Self.unit(in: bytes, at: index) else {
                // Another escape (`\\`, `\"`, `\n`, …): both bytes, so an escaped backslash is never read as one.
                out += bytes[index...index + 1]
                index += 2
                continue
            }
            let escape = Array(bytes[index..<index + 6])
            switch unit {
            case 0xD800...0xDBFF:
                if let next = Self.unit(in: bytes, at: index + 6), (0xDC00...0xDFFF).contains(next) {
                    out += bytes[index..<index + 12]
                    index += 12
                } else if index + 6 < bytes.count, bytes[index + 6] == 0x22 {
                    // At the end of a string: its low half may start the next event.
                    pending = escape
                    index += 6
                } else {
                    out += Self.replacement
                    index += 6
                }
            case 0xDC00...0xDFFF:
                out += held.map { $0 + escape } ?? Self.replacement
                held = nil
                index += 6
            default:
                out += escape
                index += 6
            }
        }
        return String(decoding: out, as: UTF8.self)
    }

    /// U+FFFD as a JSON escape.
    private static let replacement = Array(#"\ufffd"#.utf8)

    /// The UTF-16 unit of the `\uXXXX` escape at `index`, if one is there.
    private static func unit(in bytes: [UInt8], at index: Int) -> UInt16? {
        guard index + 6 <= bytes.count, bytes[index] == 0x5C, bytes[index + 1] == 0x75 else { return nil }
        var value: UInt16 = 0
        for byte in bytes[index + 2..<index + 6] {
            let digit: UInt8
            switch byte {
            case 0x30...0x39: digit = byte - 0x30
            case 0x41...0x46: digit = byte - 0x41 + 10
            case 0x61...0x66: digit = byte - 0x61 + 10
            default: return nil
            }
            value = value << 4 | UInt16(digit)
        }
        return value
    }
}
