/// Filters for the values an upstream sends that reach clients as they are: only plain ones pass, so nothing
/// else an upstream writes (markup, control characters, a secret) does.
enum UpstreamValue {
    /// A plain word: lower-case letters and `_`, at most 32 (a finish reason, an error code, a usage field's
    /// name); nil otherwise.
    static func word(_ reported: String?) -> String? {
        // On UTF-8 bytes (a stream checks a value an event): any byte outside ASCII refuses the value anyway.
        guard let reported, (1...32).contains(reported.utf8.count),
            reported.utf8.allSatisfy({ (UInt8(ascii: "a")...UInt8(ascii: "z")).contains($0) || $0 == UInt8(ascii: "_") })
        else { return nil }
        return reported
    }

    /// A plain id: ASCII letters, digits and `-_.:`, at most 128 (a completion id); nil otherwise.
    static func id(_ reported: String?) -> String? {
        guard let reported, (1...128).contains(reported.utf8.count), reported.utf8.allSatisfy(isIdByte) else { return nil }
        return reported
    }

    /// An ASCII letter or digit, or one of `-_.:`.
    private static func isIdByte(_ byte: UInt8) -> Bool {
        switch byte {
        case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "0")...UInt8(ascii: "9"),
            UInt8(ascii: "-"), UInt8(ascii: "_"), UInt8(ascii: "."), UInt8(ascii: ":"):
            true
        default:
            false
        }
    }
}
