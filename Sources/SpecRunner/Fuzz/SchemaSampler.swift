import Foundation

/// Makes JSON values from JSON Schemas: valid ones within the schema's bounds, and the odd strings and
/// numbers that fuzzing feeds into them.
struct SchemaSampler {
    let document: JSONValue
    var random: SeededRandom

    /// Strings that break naive code: empty, control and NUL characters, right-to-left overrides, emoji,
    /// combining marks, SQL and HTML metacharacters, a long line.
    static let oddStrings = [
        "", " ", "\u{0000}", "a\u{0000}b", "\u{202E}gnp.exe", "👩‍👩‍👧‍👦🔥", "e\u{0301}\u{0301}\u{0301}", "' OR '1'='1", "\"; DROP TABLE users; --",
        "<script>alert(1)</script>", "../../etc/passwd", "%s%n%x", "\\u0000", String(repeating: "ü", count: 5_000),
    ]

    /// A value valid for `schema`, or nil when the sampler cannot make one.
    mutating func valid(_ schema: JSONValue, depth: Int = 0) -> JSONValue {
        guard depth < 8 else { return .null }
        if let reference = schema["$ref"]?.stringValue, let target = JSONPointer(reference)?.resolve(in: document) {
            return valid(target, depth: depth + 1)
        }
        if let constant = schema["const"] { return constant }
        if let options = schema["enum"]?.arrayValue, !options.isEmpty { return options.randomElement(using: &random)! }
        if let branches = (schema["oneOf"] ?? schema["anyOf"])?.arrayValue, !branches.isEmpty {
            return valid(branches.randomElement(using: &random)!, depth: depth + 1)
        }
        let type = schema["type"]?.stringValue ?? schema["type"]?.arrayValue?.first?.stringValue ?? (schema["properties"] != nil ? "object" : "string")
        switch type {
        case "object":
            var object: [String: JSONValue] = [:]
            let required = Set(schema["required"]?.arrayValue?.compactMap(\.stringValue) ?? [])
            for (name, property) in (schema["properties"]?.objectValue ?? [:]).sorted(by: { $0.key < $1.key })
            where required.contains(name) || Bool.random(using: &random) {
                object[name] = valid(property, depth: depth + 1)
            }
            return .object(object)
        case "array":
            let minimum = Int(schema["minItems"]?.numberValue ?? 0)
            let maximum = Int(schema["maxItems"]?.numberValue ?? Double(minimum + 3))
            let count = Int.random(in: minimum...max(minimum, min(maximum, minimum + 3)), using: &random)
            return .array((0..<count).map { _ in valid(schema["items"] ?? .object([:]), depth: depth + 1) })
        case "integer", "number":
            let low = schema["minimum"]?.numberValue ?? 0
            let high = schema["maximum"]?.numberValue ?? low + 1_000
            let value = Double.random(in: low...max(low, high), using: &random)
            return .number(type == "integer" ? value.rounded(.down) : value)
        case "boolean":
            return .bool(Bool.random(using: &random))
        case "null":
            return .null
        default:
            return .string(string(for: schema))
        }
    }

    /// A string within the schema's length, often one of the odd ones, sometimes an email or a password.
    private mutating func string(for schema: JSONValue) -> String {
        let minimum = Int(schema["minLength"]?.numberValue ?? 0)
        let maximum = Int(schema["maxLength"]?.numberValue ?? 64)
        let candidates = [
            "user-\(random.next() % 1_000_000)@example.com", "fuzz password \(random.next() % 1_000)", "hello",
            Self.oddStrings.randomElement(using: &random)!,
        ]
        let chosen = candidates.randomElement(using: &random)!
        let scalars = Array(chosen.unicodeScalars)
        if scalars.count > maximum { return String(String.UnicodeScalarView(scalars.prefix(maximum))) }
        if scalars.count < minimum { return chosen + String(repeating: "x", count: minimum - scalars.count) }
        return chosen
    }

    /// A value of a different JSON type than `value`.
    mutating func wrongType(for value: JSONValue) -> JSONValue {
        let options: [JSONValue] = [.null, .bool(true), .number(42), .string("text"), .array([.number(1)]), .object(["a": .number(1)])]
        return options.filter { $0.typeName != value.typeName && !($0.typeName == "integer" && value.typeName == "number") }
            .randomElement(using: &random)!
    }
}
