import Foundation

/// Picks an answer's media type from an `Accept` header (RFC 9110 §12.5.1).
enum ContentNegotiation {
    /// `.text` when `text/plain` is preferred, `.json` when `application/json` is, `defaultFormat` when both
    /// are equally acceptable (no header, `*/*`), `nil` when neither is acceptable.
    static func chatFormat(accept: String?, default defaultFormat: ChatFormat) -> ChatFormat? {
        let formats: [ChatFormat] = defaultFormat == .json ? [.json, .text] : [.text, .json]
        return preferred(formats.map { $0 == .json ? ("application", "json") : ("text", "plain") }, accept: accept).map { formats[$0] }
    }

    /// The index in `offered` of the media type the client prefers: the highest quality, the first offered on a
    /// tie (so also with no header or `*/*`); nil when none is acceptable.
    static func preferred(_ offered: [(String, String)], accept: String?) -> Int? {
        guard let accept, !accept.trimmingCharacters(in: .whitespaces).isEmpty else { return offered.isEmpty ? nil : 0 }
        let ranges = accept.split(separator: ",").compactMap(MediaRange.init)
        let qualities = offered.map { quality(of: $0, in: ranges) }
        guard let best = qualities.max(), best > 0 else { return nil }
        return qualities.firstIndex(of: best)
    }

    private struct MediaRange {
        let type: String
        let subtype: String
        let quality: Double

        init?(_ element: Substring) {
            let parts = element.split(separator: ";").map { $0.trimmingCharacters(in: .whitespaces).lowercased() }
            let names = parts.first?.split(separator: "/") ?? []
            guard names.count == 2 else { return nil }
            type = String(names[0])
            subtype = String(names[1])
            quality = parts.dropFirst()
                .first { $0.hasPrefix("q=") }
                .flatMap { Double($0.dropFirst(2)) }
                .map { min(max($0, 0), 1) } ?? 1
        }

        /// 2 for an exact match, 1 for `type/*`, 0 for `*/*`, nil when it does not match.
        func specificity(for mediaType: (String, String)) -> Int? {
            if type == mediaType.0, subtype == mediaType.1 { return 2 }
            if type == mediaType.0, subtype == "*" { return 1 }
            if type == "*", subtype == "*" { return 0 }
            return nil
        }
    }

    /// The quality of the most specific range matching the media type; 0 when none does.
    private static func quality(of mediaType: (String, String), in ranges: [MediaRange]) -> Double {
        ranges.compactMap { range in range.specificity(for: mediaType).map { ($0, range.quality) } }
            .max { $0.0 < $1.0 }?.1 ?? 0
    }
}
