import Foundation
import ArgumentParser

/// `--header 'Name: value'`, shared by every command that sends requests: headers added to each request that does
/// not set the header itself (an API key a deployment wants on every call, a tenant header). They are never
/// printed or written into a report, a saved scenario or the docs; `fuzz` takes one named as a security scheme
/// places its credential as that scheme's credential.
struct HeaderOptions: ParsableArguments {
    @Option(
        name: .customLong("header"),
        help: "A header for every request, 'Name: value' (repeatable), e.g. --header 'X-API-Key: sk-...'. Never printed.")
    var raw: [String] = []

    func validate() throws {
        for entry in raw where Self.parse(entry) == nil {
            throw ValidationError("--header takes 'Name: value' with a token as the name, not '\(entry.split(separator: ":").first ?? "")…'")
        }
    }

    /// The headers in the order given.
    var values: [(name: String, value: String)] {
        raw.compactMap(Self.parse)
    }

    /// `Name: value` split at the first colon; nil when the name is empty or not an HTTP token.
    static func parse(_ entry: String) -> (name: String, value: String)? {
        guard let colon = entry.firstIndex(of: ":") else { return nil }
        let name = entry[..<colon].trimmingCharacters(in: .whitespaces)
        let value = entry[entry.index(after: colon)...].trimmingCharacters(in: .whitespaces)
        let token = Set("!#$%&'*+-.^_`|~0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ")
        guard !name.isEmpty, name.allSatisfy(token.contains) else { return nil }
        return (name, value)
    }
}
