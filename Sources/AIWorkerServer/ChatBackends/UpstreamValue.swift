/// Filters for the values an upstream sends that reach clients as they are: only plain ones pass, so nothing
/// else an upstream writes (markup, control characters, a secret) does.
enum UpstreamValue {
    /// A plain word: lower-case letters and `_`, at most 32 (a finish reason, an error code, a usage field's
    /// name); nil otherwise.
    static func word(_ reported: String?) -> String? {
        guard let reported, (1...32).contains(reported.count), reported.allSatisfy({ ("a"..."z").contains($0) || $0 == "_" }) else { return nil }
        return reported
    }

    /// A plain id: ASCII letters, digits and `-_.:`, at most 128 (a completion id); nil otherwise.
    static func id(_ reported: String?) -> String? {
        guard let reported, (1...128).contains(reported.count),
            reported.unicodeScalars.allSatisfy({ $0.isASCII && ($0.properties.isAlphabetic || ("0"..."9").contains($0) || "-_.:".unicodeScalars.contains($0)) })
        else { return nil }
        return reported
    }
}
