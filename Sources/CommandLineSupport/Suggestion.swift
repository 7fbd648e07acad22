/// "Did you mean …?" for a misspelt name: the closest of the known names by edit distance, when it is close enough
/// to be the one meant (at most a third of the name's length, and at least one edit).
public enum Suggestion {
    public static func closest(to name: String, in known: some Sequence<String>) -> String? {
        let limit = max(1, name.count / 3)
        let scored = known.map { ($0, distance(name.lowercased(), $0.lowercased())) }.filter { $0.1 <= limit }
        return scored.min { ($0.1, $0.0) < ($1.1, $1.0) }?.0
    }

    /// " (did you mean X?)", or nothing.
    public static func hint(for name: String, in known: some Sequence<String>) -> String {
        closest(to: name, in: known).map { " (did you mean \($0)?)" } ?? ""
    }

    /// Levenshtein distance.
    public static func distance(_ a: String, _ b: String) -> Int {
        let a = Array(a), b = Array(b)
        var previous = Array(0...b.count)
        for (i, x) in a.enumerated() {
            var current = [i + 1]
            for (j, y) in b.enumerated() {
                current.append(min(previous[j + 1] + 1, current[j] + 1, previous[j] + (x == y ? 0 : 1)))
            }
            previous = current
        }
        return previous[b.count]
    }
}
