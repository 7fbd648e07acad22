import Foundation
import JSONValues

extension OpenAPISpec {
    /// Where a credential goes, as a security scheme of `components.securitySchemes` describes it.
    enum CredentialPlacement: Equatable {
        /// `Authorization: <scheme> <value>` (`Bearer`, or `Basic` with the value base64-encoded).
        case authorization(scheme: String)
        case header(String)
        case query(String)
        case cookie(String)
    }

    /// How to send a credential of the named scheme; nil when the spec has no such scheme (or one of a type
    /// that carries no credential the runner can send, such as mutualTLS).
    func placement(ofScheme name: String) -> CredentialPlacement? {
        guard let definition = document["components"]?["securitySchemes"]?[name] else { return nil }
        let keyName = definition["name"]?.stringValue ?? name
        switch (definition["type"]?.stringValue, definition["scheme"]?.stringValue?.lowercased(), definition["in"]?.stringValue) {
        case ("http", "basic", _): return .authorization(scheme: "Basic")
        case ("http", _, _), ("oauth2", _, _), ("openIdConnect", _, _): return .authorization(scheme: "Bearer")
        case ("apiKey", _, "query"): return .query(keyName)
        case ("apiKey", _, "cookie"): return .cookie(keyName)
        case ("apiKey", _, _): return .header(keyName)
        default: return nil
        }
    }

    /// The one `apiKey` scheme of the spec, where a scenario's `auth.apiKey` goes; `X-API-Key` when the spec has
    /// none or several.
    var apiKeyPlacement: CredentialPlacement {
        let placements = (document["components"]?["securitySchemes"]?.objectValue ?? [:])
            .filter { $0.value["type"]?.stringValue == "apiKey" }.keys.compactMap(placement(ofScheme:))
        return placements.count == 1 ? placements[0] : .header("X-API-Key")
    }
}

extension OpenAPISpec {
    /// Splits `--header`s into credentials of the spec's security schemes (by scheme name: a header an `apiKey`
    /// scheme names, or `Authorization` with the scheme word of an HTTP scheme, the word taken off) and the rest.
    func credentials(in headers: [(name: String, value: String)]) -> (credentials: [String: String], others: [(name: String, value: String)]) {
        let schemes = (document["components"]?["securitySchemes"]?.objectValue ?? [:]).keys.sorted()
        var credentials: [String: String] = [:]
        var others: [(name: String, value: String)] = []
        for header in headers {
            let match = schemes.lazy.compactMap { scheme -> (String, String)? in
                switch placement(ofScheme: scheme) {
                case .header(let name) where name.caseInsensitiveCompare(header.name) == .orderedSame:
                    return (scheme, header.value)
                case .authorization(let word) where header.name.caseInsensitiveCompare("Authorization") == .orderedSame
                    && header.value.lowercased().hasPrefix(word.lowercased() + " "):
                    let value = String(header.value.dropFirst(word.count + 1))
                    // Basic credentials are kept as `user:password`, as the fuzzer places them.
                    return (scheme, word == "Basic" ? Data(base64Encoded: value).map { String(decoding: $0, as: UTF8.self) } ?? value : value)
                default:
                    return nil
                }
            }.first
            if let (scheme, value) = match, credentials[scheme] == nil {
                credentials[scheme] = value
            } else {
                others.append(header)
            }
        }
        return (credentials, others)
    }
}

extension OpenAPISpec.CredentialPlacement {
    /// Adds `value` to a request's headers or query; for HTTP Basic, `value` is `user:password`.
    func apply(_ value: String, headers: inout [(name: String, value: String)], query: inout [(String, String)]) {
        switch self {
        case .authorization(let scheme):
            headers.append(("Authorization", "\(scheme) \(scheme == "Basic" ? Data(value.utf8).base64EncodedString() : value)"))
        case .header(let name): headers.append((name, value))
        case .query(let name): query.append((name, value))
        case .cookie(let name): CookieJar.add(name: name, value: value, to: &headers)
        }
    }
}
