import Foundation

/// The cookies one scenario run has been given: kept from each `Set-Cookie`, sent back as `Cookie` on its later
/// requests, so session logins work as in a browser. One deployment per run, so cookies are not kept per domain
/// or path; a cookie set with `Max-Age=0` or an `Expires` in the past is dropped.
struct CookieJar: Sendable {
    private(set) var cookies: [(name: String, value: String)] = []

    /// Takes in every `Set-Cookie` of a response.
    mutating func store(_ response: ReceivedResponse) {
        for header in response.headers where header.name.caseInsensitiveCompare("Set-Cookie") == .orderedSame {
            let parts = header.value.split(separator: ";").map { $0.trimmingCharacters(in: .whitespaces) }
            guard let pair = parts.first, let equals = pair.firstIndex(of: "="), equals != pair.startIndex else { continue }
            let name = String(pair[..<equals])
            let value = String(pair[pair.index(after: equals)...])
            cookies.removeAll { $0.name == name }
            if !Self.expires(parts.dropFirst()) { cookies.append((name, value)) }
        }
    }

    /// Whether the attributes delete the cookie at once.
    private static func expires(_ attributes: ArraySlice<String>) -> Bool {
        for attribute in attributes {
            let parts = attribute.split(separator: "=", maxSplits: 1).map { $0.trimmingCharacters(in: .whitespaces) }
            guard parts.count == 2 else { continue }
            switch parts[0].lowercased() {
            case "max-age": if let seconds = Int(parts[1]), seconds <= 0 { return true }
            case "expires":
                if let date = Self.httpDate.date(from: parts[1]), date <= Date() {
                    return true
                }
            default: break
            }
        }
        return false
    }

    private static let httpDate: DateFormatter = {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "GMT")
        formatter.dateFormat = "EEE, dd MMM yyyy HH:mm:ss zzz"
        return formatter
    }()

    /// Adds the jar's cookies to a request's headers, after any the step sets itself (which win by name).
    func apply(to headers: inout [(name: String, value: String)]) {
        for cookie in cookies { Self.add(name: cookie.name, value: cookie.value, to: &headers, replacing: false) }
    }

    /// Adds one cookie to the request's `Cookie` header (creating it), replacing a cookie of that name unless
    /// `replacing` is false, in which case an existing one is kept.
    static func add(name: String, value: String, to headers: inout [(name: String, value: String)], replacing: Bool = true) {
        guard let index = headers.firstIndex(where: { $0.name.caseInsensitiveCompare("Cookie") == .orderedSame }) else {
            headers.append(("Cookie", "\(name)=\(value)"))
            return
        }
        var pairs = headers[index].value.split(separator: ";").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
        let existing = pairs.firstIndex { $0.hasPrefix("\(name)=") }
        if let existing {
            guard replacing else { return }
            pairs[existing] = "\(name)=\(value)"
        } else {
            pairs.append("\(name)=\(value)")
        }
        headers[index].value = pairs.joined(separator: "; ")
    }
}
