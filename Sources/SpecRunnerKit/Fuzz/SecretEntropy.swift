import Foundation
import JSONValues

/// The randomness of the secrets a deployment issues (API keys, opaque tokens) across a fuzz run. Every 2xx answer
/// to a POST is looked through for strings under a secret's name (`key`, `api_key`, `token`, `access_token`,
/// `secret`, …; JWTs left out, since their claims are not random); per operation and place, the bits of entropy
/// are estimated from the sample, position by position (log2 of the distinct characters seen there). A finding:
/// a repeat, fewer than `minimumBits`, or, where the response schema gives the secret a fixed-length `pattern`,
/// less than `patternShare` of what a random choice at each position the pattern lets vary would show in a
/// sample of that size (so a key of the promised shape whose first half is a clock or a counter is found). The
/// values themselves stay in memory: never printed or written.
struct SecretEntropy: Sendable {
    /// Names of properties that hold an issued secret.
    static let names: Set<String> = ["key", "api_key", "apikey", "token", "access_token", "refresh_token", "secret", "client_secret"]
    /// Samples needed before a verdict, and the most kept per place.
    static let minimumSamples = 8
    static let maximumSamples = 200
    /// Fewer estimated bits than this is guessable.
    static let minimumBits = 64.0
    /// The share of the bits a random choice at each varying position of the pattern would show, below which the
    /// secret is weaker than its pattern promises. Random positions come within a few percent of it from 8 samples on.
    static let patternShare = 0.9

    /// A secret found in an answer: where (`operation place`), its value, and the characters each position may be
    /// by the response schema's `pattern`, when it has a fixed-length one.
    struct Issued: Sendable {
        let place: String
        let value: String
        let pattern: [Int]?
    }

    /// Per `operation place`, the values seen.
    private(set) var samples: [String: [String]] = [:]
    /// Per place, the characters each position may be, by the pattern.
    private(set) var patterns: [String: [Int]] = [:]

    /// The secrets in one answer; `spec` gives their patterns.
    static func issued(in response: ReceivedResponse, method: String, operation: OpenAPISpec.Operation, spec: OpenAPISpec) -> [Issued] {
        guard method == "POST", (200..<300).contains(response.status), let json = response.json else { return [] }
        let schema = spec.response(for: operation, status: response.status)?.content["application/json"] ?? nil
        return SecretScan.strings(in: json).filter { pointer, text in
            // One value an answer, not inside a list: `token` in a list of log probabilities is no issued secret.
            text.count >= 8 && pointer.tokens.last.map { names.contains($0.lowercased()) } == true && !pointer.tokens.contains { Int($0) != nil }
                && (try? JWTForgery(token: text)) == nil
        }.map { pointer, value in
            let pattern = schema.flatMap { spec.schema(describing: pointer, within: $0) }?["pattern"]?.stringValue
            return Issued(place: "\(operation.id) \(pointer.description)", value: value, pattern: pattern.flatMap { PatternSampler($0)?.positionSizes })
        }
    }

    mutating func record(_ secrets: [Issued]) {
        for secret in secrets where samples[secret.place, default: []].count < Self.maximumSamples {
            samples[secret.place, default: []].append(secret.value)
            if let pattern = secret.pattern { patterns[secret.place] = pattern }
        }
    }

    mutating func merge(_ other: SecretEntropy) {
        for (place, values) in other.samples {
            record(values.map { Issued(place: place, value: $0, pattern: other.patterns[place]) })
        }
    }

    /// What the sample of one place shows.
    struct Estimate: Sendable {
        let place: String
        let samples: Int
        /// The sum over positions of log2(distinct characters there): at most log2(samples) a position, so a small
        /// sample underestimates; a constant prefix counts for nothing.
        let bits: Double
        let repeats: Int
        /// What the same sum would be if every position the pattern lets vary were a random choice among the
        /// characters the secrets use there (at most as many as the pattern allows); nil without a fixed-length pattern.
        let promised: Double?

        var weak: Bool {
            samples >= SecretEntropy.minimumSamples && (repeats > 0 || bits < SecretEntropy.minimumBits || belowPattern)
        }

        var belowPattern: Bool { promised.map { bits < $0 * SecretEntropy.patternShare } ?? false }

        var line: String {
            "\(place): \(samples) issued, ~\(Int(bits)) bits estimated" + (promised.map { " (its pattern promises ~\(Int($0)) in a sample this size)" } ?? "")
                + (repeats > 0 ? ", \(repeats) repeated" : ", none repeated")
        }

        /// Why the secrets are weak, for the finding.
        var problem: String {
            var reasons = ["a secret must not repeat and needs at least \(Int(SecretEntropy.minimumBits)) bits"]
            if belowPattern { reasons.append("and as random as its pattern says: some positions it lets vary vary less") }
            return "\(line): " + reasons.joined(separator: ", ")
        }
    }

    var estimates: [Estimate] {
        samples.keys.sorted().map { place in
            let values = samples[place]!.map(Array.init)
            let length = values.map(\.count).max() ?? 0
            let bits = (0..<length).reduce(0.0) { total, position in
                let distinct = Set(values.compactMap { position < $0.count ? $0[position] : nil }).count
                return total + (distinct > 1 ? log2(Double(distinct)) : 0)
            }
            return Estimate(
                place: place, samples: values.count, bits: bits, repeats: values.count - Set(values).count,
                promised: patterns[place].flatMap { Self.promised(by: $0, values: values) })
        }
    }

    /// The bits a sample the size of `values` shows when each varying position of the pattern is a uniform choice
    /// among the characters the secrets use at varying positions (capped by the pattern's), by the expected number
    /// of distinct characters among n draws from k: k(1 - (1 - 1/k)^n). Nil when the secrets do not have its length.
    static func promised(by sizes: [Int], values: [[Character]]) -> Double? {
        guard values.allSatisfy({ $0.count == sizes.count }) else { return nil }
        let varying = sizes.indices.filter { sizes[$0] > 1 }
        let used = Set(values.flatMap { value in varying.map { value[$0] } }).count
        let n = Double(values.count)
        return varying.reduce(0.0) { total, position in
            let k = Double(min(sizes[position], used))
            return k > 1 ? total + log2(k * (1 - pow(1 - 1 / k, n))) : total
        }
    }
}
