/// A valid credential altered the ways real lookups wrongly accept: SQL `LIKE` wildcards (`%` for the rest, `_` for
/// one character), its case changed, cut short, with a character more at either end. Each must be refused (401).
enum CredentialVariant: String, CaseIterable, Sendable {
    case likeWildcardPercent = "its second half replaced by the SQL LIKE wildcard %"
    case likeWildcardUnderscore = "a middle character replaced by the SQL LIKE wildcard _"
    case caseChanged = "its letters' case changed"
    case truncated = "its last character cut off"
    case withSuffix = "a character added at its end"
    case withPrefix = "a character added at its start"

    /// The variant of `value`; nil when it would equal `value` (no letters to change, say). For HTTP Basic's
    /// `user:password` (`basic`), only the password's end is altered (so the case, prefix and `_` variants do not apply).
    func apply(to value: String, basic: Bool = false) -> String? {
        let end = basic ? value.firstIndex(of: ":").map { value[value.index(after: $0)...] } ?? Substring(value) : Substring(value)
        guard !end.isEmpty, !(basic && [.caseChanged, .withPrefix, .likeWildcardUnderscore].contains(self)) else { return nil }
        let kept = value[..<end.startIndex]
        let altered: String = switch self {
        case .likeWildcardPercent: kept + end.prefix(max(1, end.count / 2)) + "%"
        case .likeWildcardUnderscore: Self.underscored(value) ?? value
        case .caseChanged: value.uppercased() != value ? value.uppercased() : value.lowercased()
        case .truncated: String(value.dropLast())
        case .withSuffix: value + (value.last == "0" ? "1" : "0")
        case .withPrefix: (value.first == "0" ? "1" : "0") + value
        }
        return altered == value ? nil : altered
    }

    /// `value` with one character replaced by the LIKE wildcard `_`: the middle one, or the first after it that is
    /// not `_` already (in the middle, not at the end: a token's last base64 character may carry only padding bits);
    /// nil when there is none.
    static func underscored(_ value: String) -> String? {
        var characters = Array(value)
        guard let index = characters.indices.dropFirst(characters.count / 2).first(where: { characters[$0] != "_" }) else { return nil }
        characters[index] = "_"
        return String(characters)
    }

    /// How a saved scenario writes `altered` (this variant of the value of `variable`) without writing any of it.
    func template(variable: String, altered: String) -> String {
        switch self {
        case .likeWildcardPercent: "{{ \(variable) | truncate: \(altered.count - 1) }}%"
        case .likeWildcardUnderscore: "{{ \(variable) | likeWildcard }}"
        case .caseChanged: altered == altered.uppercased() ? "{{ \(variable) | upper }}" : "{{ \(variable) | lower }}"
        case .truncated: "{{ \(variable) | dropLast: 1 }}"
        case .withSuffix: "{{ \(variable) }}\(altered.last!)"
        case .withPrefix: "\(altered.first!){{ \(variable) }}"
        }
    }
}
