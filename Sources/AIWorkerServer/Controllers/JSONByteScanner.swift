import Foundation

/// Reads JSON values straight from a body's bytes, one after another, for the body read on every chat request
/// (`ChatCompletionRequest(plain:)`): Foundation's `JSONDecoder` first builds a map of the whole document and then
/// decodes through `Decoder` existentials, which a profile showed at a tenth of a chat request's CPU.
///
/// It takes JSON exactly as RFC 8259 writes it and nothing else: every read returns `nil` (or `false`) when what is
/// next is not what was asked or is not valid JSON (invalid UTF-8, a raw control character in a string, an unknown
/// escape, a lone surrogate, a number outside JSON's grammar). The caller then leaves the body to the decoder,
/// which names what is wrong; a scanner that returned `nil` is not read further. It only lives inside
/// `withUnsafeReadableBytes` of the bytes it reads.
struct JSONByteScanner {
    private let bytes: UnsafeRawBufferPointer
    private var position = 0

    init(_ bytes: UnsafeRawBufferPointer) {
        self.bytes = bytes
    }

    /// Whether nothing but whitespace is left.
    mutating func atEnd() -> Bool {
        skipWhitespace()
        return position == bytes.count
    }

    /// Consumes `character` (after any whitespace) when it is next.
    mutating func take(_ character: Unicode.Scalar) -> Bool {
        skipWhitespace()
        guard position < bytes.count, bytes[position] == UInt8(ascii: character) else { return false }
        position += 1
        return true
    }

    /// Consumes `null` when it is next.
    mutating func takeNull() -> Bool {
        takeLiteral("null")
    }

    /// `true` or `false`, when one is next.
    mutating func bool() -> Bool? {
        if takeLiteral("true") { return true }
        if takeLiteral("false") { return false }
        return nil
    }

    /// A string with its escapes resolved, when one is next.
    mutating func string() -> String? {
        guard take("\"") else { return nil }
        let start = position
        while position < bytes.count {
            switch bytes[position] {
            case UInt8(ascii: "\""):
                defer { position += 1 }
                return String(validating: UnsafeRawBufferPointer(rebasing: bytes[start..<position]), as: UTF8.self)
            case UInt8(ascii: "\\"):
                return escapedString(prefix: start..<position)
            case ..<0x20:
                return nil
            default:
                position += 1
            }
        }
        return nil
    }

    /// An integer written without a fraction or an exponent, when one is next and fits an `Int`.
    mutating func integer() -> Int? {
        guard let text = numberText(), !text.contains(where: { $0 == UInt8(ascii: ".") || $0 == UInt8(ascii: "e") || $0 == UInt8(ascii: "E") }) else { return nil }
        return Int(String(decoding: text, as: UTF8.self))
    }

    /// A number, when one is next.
    mutating func double() -> Double? {
        numberText().flatMap { Double(String(decoding: $0, as: UTF8.self)) }
    }

    /// Consumes the next value, whatever it is, when it is valid JSON nested at most `depth` arrays and objects
    /// deep: a field the caller does not read. An object's names are not checked for repeats.
    mutating func skipValue(depth: Int = 16) -> Bool {
        skipWhitespace()
        guard position < bytes.count else { return false }
        switch bytes[position] {
        case UInt8(ascii: "\""): return string() != nil
        case UInt8(ascii: "n"): return takeNull()
        case UInt8(ascii: "t"), UInt8(ascii: "f"): return bool() != nil
        case UInt8(ascii: "["), UInt8(ascii: "{"): guard depth > 0 else { return false }
        default: return numberText() != nil
        }
        if take("[") {
            if take("]") { return true }
            repeat {
                guard skipValue(depth: depth - 1) else { return false }
            } while take(",")
            return take("]")
        }
        guard take("{") else { return false }
        if take("}") { return true }
        repeat {
            guard string() != nil, take(":"), skipValue(depth: depth - 1) else { return false }
        } while take(",")
        return take("}")
    }

    private mutating func skipWhitespace() {
        while position < bytes.count {
            switch bytes[position] {
            case 0x20, 0x0A, 0x0D, 0x09: position += 1
            default: return
            }
        }
    }

    private mutating func takeLiteral(_ literal: StaticString) -> Bool {
        skipWhitespace()
        let count = literal.utf8CodeUnitCount
        guard bytes.count - position >= count, memcmp(bytes.baseAddress! + position, literal.utf8Start, count) == 0 else { return false }
        position += count
        return true
    }

    /// The rest of a string from its first backslash, the bytes in `prefix` before it.
    private mutating func escapedString(prefix: Range<Int>) -> String? {
        var utf8 = Array(bytes[prefix])
        while position < bytes.count {
            let byte = bytes[position]
            position += 1
            switch byte {
            case UInt8(ascii: "\""):
                return String(validating: utf8, as: UTF8.self)
            case UInt8(ascii: "\\"):
                guard position < bytes.count else { return nil }
                let escape = bytes[position]
                position += 1
                switch escape {
                case UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "/"): utf8.append(escape)
                case UInt8(ascii: "b"): utf8.append(0x08)
                case UInt8(ascii: "f"): utf8.append(0x0C)
                case UInt8(ascii: "n"): utf8.append(0x0A)
                case UInt8(ascii: "r"): utf8.append(0x0D)
                case UInt8(ascii: "t"): utf8.append(0x09)
                case UInt8(ascii: "u"):
                    guard let scalar = unicodeEscape() else { return nil }
                    utf8.append(contentsOf: UTF8.encode(scalar)!)
                default: return nil
                }
            case ..<0x20:
                return nil
            default:
                utf8.append(byte)
            }
        }
        return nil
    }

    /// The scalar of a `\uXXXX` escape whose `\u` was read, a surrogate pair taken whole; `nil` for a lone
    /// surrogate.
    private mutating func unicodeEscape() -> Unicode.Scalar? {
        guard let first = hexQuad() else { return nil }
        guard (0xD800..<0xDC00).contains(first) else { return Unicode.Scalar(first) }
        guard bytes.count - position >= 2, bytes[position] == UInt8(ascii: "\\"), bytes[position + 1] == UInt8(ascii: "u") else { return nil }
        position += 2
        guard let second = hexQuad(), (0xDC00..<0xE000).contains(second) else { return nil }
        return Unicode.Scalar(0x10000 + ((first - 0xD800) << 10) + (second - 0xDC00))
    }

    private mutating func hexQuad() -> UInt32? {
        guard bytes.count - position >= 4 else { return nil }
        var value: UInt32 = 0
        for _ in 0..<4 {
            guard let digit = Character(UnicodeScalar(bytes[position])).hexDigitValue else { return nil }
            value = value << 4 | UInt32(digit)
            position += 1
        }
        return value
    }

    /// The bytes of a number in JSON's grammar, `-?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?`, when one is next.
    private mutating func numberText() -> UnsafeRawBufferPointer.SubSequence? {
        skipWhitespace()
        let start = position
        func digits() -> Int {
            let first = position
            while position < bytes.count, (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(bytes[position]) { position += 1 }
            return position - first
        }
        func skip(_ characters: Unicode.Scalar...) -> Bool {
            guard position < bytes.count, characters.contains(where: { UInt8(ascii: $0) == bytes[position] }) else { return false }
            position += 1
            return true
        }
        _ = skip("-")
        let leadingZero = position < bytes.count && bytes[position] == UInt8(ascii: "0")
        let whole = digits()
        guard whole > 0, !leadingZero || whole == 1 else { return nil }
        if skip(".") { guard digits() > 0 else { return nil } }
        if skip("e", "E") {
            // A 0 with an exponent is JSON, but Foundation's decoder refuses some (`0e7`, `-0.0e7`) and takes others
            // (`0e+7`, `0.0e7`): every such number is left to the decoder, so that the answer to it stays the decoder's.
            guard !leadingZero else { return nil }
            _ = skip("+", "-")
            guard digits() > 0 else { return nil }
        }
        return bytes[start..<position]
    }
}
