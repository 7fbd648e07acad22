import Foundation

/// The randomness of the secrets a deployment issues (API keys, opaque tokens) across a fuzz run. Every 2xx answer
/// to a POST is looked through for strings under a secret's name (`key`, `api_key`, `token`, `access_token`,
/// `secret`, …; JWTs left out, since their claims are not random); per operation and place, the bits of entropy
/// are estimated from the sample, position by position (log2 of the distinct characters seen there), and a repeat
/// or fewer than `minimumBits` is a finding. The values themselves stay in memory: never printed or written.
struct SecretEntropy: Sendable {
    /// Names of properties that hold an issued secret.
    static let names: Set<String> = ["key", "api_key", "apikey", "token", "access_token", "refresh_token", "secret", "client_secret"]
    /// Samples needed before a verdict, and the most kept per place.
    static let minimumSamples = 8
    static let maximumSamples = 200
    /// Fewer estimated bits than this is guessable.
    static let minimumBits = 64.0

    /// Per `operation place`, the values seen.
    private(set) var samples: [String: [String]] = [:]

    /// The secrets in one answer, as (`operation place`, value).
    static func issued(in response: ReceivedResponse, method: String, operation: String) -> [(String, String)] {
        guard method == "POST", (200..<300).contains(response.status), let json = response.json else { return [] }
        return SecretScan.strings(in: json).filter { pointer, text in
            text.count >= 8 && pointer.tokens.last.map { names.contains($0.lowercased()) } == true && (try? JWTForgery(token: text)) == nil
        }.map { ("\(operation) \($0.0.description)", $0.1) }
    }

    mutating func record(_ secrets: [(String, String)]) {
        for (place, value) in secrets where samples[place, default: []].count < Self.maximumSamples {
            samples[place, default: []].append(value)
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

        var weak: Bool { samples >= SecretEntropy.minimumSamples && (repeats > 0 || bits < SecretEntropy.minimumBits) }

        var line: String {
            "\(place): \(samples) issued, ~\(Int(bits)) bits estimated" + (repeats > 0 ? ", \(repeats) repeated" : ", none repeated")
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
            return Estimate(place: place, samples: values.count, bits: bits, repeats: values.count - Set(values).count)
        }
    }
}
