import Foundation
import JSONValues

/// `{{ ... }}` templates in scenario values.
///
/// An expression is a variable name, a generator (`$runId`, `$uuid`, `$randomEmail`, `$randomPassword`,
/// `$randomString`, `$randomInt`: a number of nine digits), a quoted string or a number, followed by filters:
/// `| repeat: 2000000`, `| lower`, `| upper`, `| truncate: 8` (the first 8 characters), `| dropLast: 1` (all but the
/// last), `| dropFirst: 1` (all but the first), `| likeWildcard` (a middle character that is not `_` replaced by the
/// SQL LIKE wildcard `_`), `| charset: "0123456789abcdef"` (the same number of characters, drawn at random from those given), and for
/// JWTs `| tamper`, `| algNone`, `| resign: secret`, `| expire: secret`, `| jwtClaims` (the payload as an object) and
/// `| jwtLifetime` (`exp - iat`; both read without verifying). A string that is exactly one expression takes the
/// expression's JSON type; otherwise the results are spliced into the text.
struct Template: Sendable {
    /// Constant for one run, so data made in one run is easy to find and never collides with another run's.
    let runId: String
    var variables: [String: JSONValue]

    private static let expression = try! NSRegularExpression(pattern: #"\{\{\s*(.*?)\s*\}\}"#)

    /// Renders every string inside `value`.
    func render(_ value: JSONValue) throws -> JSONValue {
        switch value {
        case .string(let text): try render(text)
        case .array(let array): .array(try array.map(render))
        case .object(let object): .object(try object.mapValues(render))
        default: value
        }
    }

    func render(_ text: String) throws -> JSONValue {
        let matches = Self.expression.matches(in: text, range: NSRange(text.startIndex..., in: text))
        guard !matches.isEmpty else { return .string(text) }
        if matches.count == 1, matches[0].range == NSRange(text.startIndex..., in: text) {
            return try evaluate(Self.source(of: matches[0], in: text))
        }
        var result = ""
        var cursor = text.startIndex
        for match in matches {
            let range = Range(match.range, in: text)!
            result += text[cursor..<range.lowerBound]
            result += try evaluate(Self.source(of: match, in: text)).displayText
            cursor = range.upperBound
        }
        return .string(result + text[cursor...])
    }

    func renderString(_ text: String) throws -> String {
        try render(text).displayText
    }

    /// Every variable name an expression in `text` reads (generators and literals excluded).
    static func references(in text: String) -> [String] {
        expression.matches(in: text, range: NSRange(text.startIndex..., in: text)).flatMap { match -> [String] in
            let parts = source(of: match, in: text).split(separator: "|").map { $0.trimmingCharacters(in: .whitespaces) }
            var names = [parts.first ?? ""]
            names += parts.dropFirst().compactMap { filter in
                filter.split(separator: ":", maxSplits: 1).dropFirst().first.map { $0.trimmingCharacters(in: .whitespaces) }
            }
            return names.filter { isVariableName($0) }
        }
    }

    private static func source(of match: NSTextCheckingResult, in text: String) -> String {
        String(text[Range(match.range(at: 1), in: text)!])
    }

    private static func isVariableName(_ term: String) -> Bool {
        guard let first = term.first, first.isLetter || first == "_" else { return false }
        return term.allSatisfy { $0.isLetter || $0.isNumber || $0 == "_" }
    }

    private func evaluate(_ source: String) throws -> JSONValue {
        let parts = source.split(separator: "|").map { $0.trimmingCharacters(in: .whitespaces) }
        var value = try term(parts.first ?? "")
        for filter in parts.dropFirst() {
            let pieces = filter.split(separator: ":", maxSplits: 1).map { $0.trimmingCharacters(in: .whitespaces) }
            value = try apply(pieces[0], argument: pieces.count > 1 ? try term(pieces[1]) : nil, to: value)
        }
        return value
    }

    private func term(_ term: String) throws -> JSONValue {
        if term.count >= 2, let quote = term.first, quote == "\"" || quote == "'", term.last == quote {
            return .string(String(term.dropFirst().dropLast()))
        }
        if let integer = Int64(term) { return .integer(integer) }
        if let number = Double(term) { return .number(number) }
        switch term {
        case "$runId": return .string(runId)
        case "$uuid": return .string(UUID().uuidString.lowercased())
        case "$randomEmail": return .string("spec-\(runId)-\(Self.randomCharacters(8).lowercased())@example.com")
        case "$randomPassword": return .string("pw-" + Self.randomCharacters(20))
        case "$randomString": return .string(Self.randomCharacters(12))
        case "$randomInt": return .number(Double(Int.random(in: 100_000_000...999_999_999)))
        default:
            guard let value = variables[term] else {
                throw TemplateError("undefined variable '\(term)' (define it under variables:, capture it in an earlier step, or pass --var \(term)=...)")
            }
            return value
        }
    }

    private func apply(_ filter: String, argument: JSONValue?, to value: JSONValue) throws -> JSONValue {
        switch filter {
        case "repeat":
            guard let count = argument?.numberValue, count >= 0, count <= 50_000_000 else {
                throw TemplateError("repeat needs a count from 0 to 50000000")
            }
            return .string(String(repeating: value.displayText, count: Int(count)))
        case "lower": return .string(value.displayText.lowercased())
        case "upper": return .string(value.displayText.uppercased())
        case "truncate":
            guard let count = argument?.integerValue, count >= 0 else { throw TemplateError("truncate needs a count of 0 or more") }
            return .string(String(value.displayText.prefix(Int(count))))
        case "dropLast", "dropFirst":
            guard let count = argument?.integerValue, count >= 0 else { throw TemplateError("\(filter) needs a count of 0 or more") }
            let text = value.displayText
            return .string(String(filter == "dropLast" ? text.dropLast(Int(count)) : text.dropFirst(Int(count))))
        case "charset":
            guard let alphabet = argument?.stringValue, !alphabet.isEmpty else { throw TemplateError("charset needs a string of the characters to use") }
            return .string(String(value.displayText.map { _ in alphabet.randomElement()! }))
        case "tamper", "algNone", "resign", "expire":
            return .string(try JWTForgery(token: value.displayText).apply(filter, secret: argument?.displayText))
        case "likeWildcard":
            guard let altered = CredentialVariant.underscored(value.displayText) else { throw TemplateError("likeWildcard: nothing to replace in an empty or all-_ text") }
            return .string(altered)
        case "jwtClaims":
            return .object(try JWTForgery(token: value.displayText).payload)
        case "jwtLifetime":
            let claims = try JWTForgery(token: value.displayText).payload
            guard let issued = claims["iat"]?.numberValue, let expires = claims["exp"]?.numberValue else {
                throw TemplateError("jwtLifetime: the token has no numeric iat and exp")
            }
            return .number(expires - issued)
        default:
            throw TemplateError("unknown filter '\(filter)' (filters: repeat, lower, upper, truncate, dropFirst, dropLast, likeWildcard, charset, tamper, algNone, resign, expire, jwtClaims, jwtLifetime)")
        }
    }

    static func randomCharacters(_ count: Int) -> String {
        let alphabet = Array("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789")
        return String((0..<count).map { _ in alphabet.randomElement()! })
    }
}

/// A template that cannot be rendered.
struct TemplateError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}
