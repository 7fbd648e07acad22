import Foundation
import JSONValues

/// Makes JSON values from the schemas of an OpenAPI document: values the schema allows (checked with the
/// validator, so formats, patterns and lengths hold), and for each keyword of the schema a value that breaks
/// exactly that keyword (also checked), so fuzzing reaches handlers with valid input and probes every rule.
struct SchemaSampler {
    let document: JSONValue
    let validator: SchemaValidator
    var random: SeededRandom

    /// Strings that break naive code: empty, control and NUL characters, right-to-left overrides, emoji,
    /// combining marks, SQL and HTML metacharacters, a long line.
    static let oddStrings = [
        "", " ", "\u{0000}", "a\u{0000}b", "\u{202E}gnp.exe", "👩‍👩‍👧‍👦🔥", "e\u{0301}\u{0301}\u{0301}", "' OR '1'='1", "\"; DROP TABLE users; --",
        "<script>alert(1)</script>", "../../etc/passwd", "%s%n%x", "\\u0000", String(repeating: "ü", count: 5_000),
    ]

    init(document: JSONValue, validator: SchemaValidator, random: SeededRandom) {
        self.document = document
        self.validator = validator
        self.random = random
    }

    /// The schema at `pointer`, with `$ref`s followed, and the pointer it was found at.
    func resolved(_ pointer: JSONPointer) -> (JSONPointer, JSONValue)? {
        var pointer = pointer
        for _ in 0..<16 {
            guard let schema = pointer.resolve(in: document) else { return nil }
            guard let reference = schema["$ref"]?.stringValue, let target = JSONPointer(reference) else { return (pointer, schema) }
            pointer = target
        }
        return nil
    }

    /// A value the schema at `pointer` allows, or nil when none of the attempts validates.
    mutating func valid(at pointer: JSONPointer, depth: Int = 0) -> JSONValue? {
        for _ in 0..<12 {
            let candidate = sample(at: pointer, depth: depth)
            if validator.validate(candidate, schemaAt: pointer, direction: .request).isEmpty { return candidate }
        }
        return nil
    }

    /// One attempt at a valid value (not yet checked).
    private mutating func sample(at pointer: JSONPointer, depth: Int) -> JSONValue {
        guard depth < 8, let (pointer, schema) = resolved(pointer) else { return .null }
        if let constant = schema["const"] { return constant }
        if let options = schema["enum"]?.arrayValue, !options.isEmpty { return options.randomElement(using: &random)! }
        for keyword in ["oneOf", "anyOf"] {
            if let branches = schema[keyword]?.arrayValue, !branches.isEmpty {
                let index = Int.random(in: 0..<branches.count, using: &random)
                return valid(at: pointer.appending(keyword).appending(index), depth: depth + 1) ?? .null
            }
        }
        if let parts = schema["allOf"]?.arrayValue, let first = parts.indices.first {
            return sample(at: pointer.appending("allOf").appending(first), depth: depth + 1)
        }
        if let examples = schema["examples"]?.arrayValue, !examples.isEmpty, Int.random(in: 0..<3, using: &random) == 0 {
            return varied(examples.randomElement(using: &random)!)
        }
        switch Self.type(of: schema) {
        case "object":
            var object: [String: JSONValue] = [:]
            let required = Set(schema["required"]?.arrayValue?.compactMap(\.stringValue) ?? [])
            for name in requestProperties(of: schema, at: pointer) where required.contains(name) || Bool.random(using: &random) {
                object[name] = valid(at: pointer.appending("properties").appending(name), depth: depth + 1)
            }
            return .object(object)
        case "array":
            let minimum = Int(schema["minItems"]?.numberValue ?? 0)
            let maximum = Int(schema["maxItems"]?.numberValue ?? Double(minimum + 3))
            // Now and then exactly at a bound (as many items as allowed, up to 16), where off-by-one bugs live.
            let count = Int.random(in: 0..<4, using: &random) == 0
                ? (Bool.random(using: &random) ? minimum : max(minimum, min(maximum, 16)))
                : Int.random(in: minimum...max(minimum, min(maximum, minimum + 3)), using: &random)
            let items = pointer.appending("items")
            return .array((0..<count).map { _ in items.resolve(in: document) == nil ? .string("item") : valid(at: items, depth: depth + 1) ?? .null })
        case "integer", "number":
            let low = schema["minimum"]?.numberValue ?? (schema["exclusiveMinimum"]?.numberValue).map { $0 + 1 } ?? 0
            let high = schema["maximum"]?.numberValue ?? (schema["exclusiveMaximum"]?.numberValue).map { $0 - 1 } ?? low + 1_000
            // Now and then exactly a bound the schema states.
            let bounds = [schema["minimum"]?.numberValue, schema["maximum"]?.numberValue].compactMap { $0 }
            let value = Int.random(in: 0..<5, using: &random) == 0 && !bounds.isEmpty
                ? bounds.randomElement(using: &random)! : Double.random(in: low...max(low, high), using: &random)
            return .number(Self.type(of: schema) == "integer" ? value.rounded(.down) : value)
        case "boolean":
            return .bool(Bool.random(using: &random))
        case "null":
            return .null
        default:
            return .string(string(for: schema))
        }
    }

    /// An example made unique to this run where it is text (a random prefix), so that unique fields do not clash.
    private mutating func varied(_ example: JSONValue) -> JSONValue {
        guard case .string(let text) = example, Bool.random(using: &random) else { return example }
        return .string("f\(random.next() % 100_000)-\(text)")
    }

    /// A string within the schema's length and format, often an odd one.
    private mutating func string(for schema: JSONValue) -> String {
        let minimum = Int(schema["minLength"]?.numberValue ?? 0)
        let maximum = Int(schema["maxLength"]?.numberValue ?? 64)
        if let pattern = schema["pattern"]?.stringValue, let generator = PatternSampler(pattern) {
            return generator.sample(using: &random)
        }
        if schema["format"] == nil, schema["maxLength"] != nil, maximum <= 1_000, Int.random(in: 0..<5, using: &random) == 0 {
            // Exactly as long as allowed, or as short.
            return String(repeating: "a", count: Bool.random(using: &random) ? maximum : minimum)
        }
        let candidates: [String] = switch schema["format"]?.stringValue {
        case "email": ["user-\(random.next() % 1_000_000)@example.com"]
        case "date-time": ["2026-11-29T06:56:40Z"]
        case "uuid": [UUID().uuidString.lowercased()]
        case "uri": ["https://example.com/\(random.next() % 1_000)"]
        default:
            // Half the time one of the odd strings: they find what plain text does not.
            Bool.random(using: &random)
                ? [Self.oddStrings.randomElement(using: &random)!]
                : ["user-\(random.next() % 1_000_000)@example.com", "fuzz text \(random.next() % 1_000)", "hello"]
        }
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

    /// A way a value breaks its schema: the keyword broken, where in the value, and the whole broken value.
    struct Violation: Sendable {
        let keyword: String
        let at: JSONPointer
        let value: JSONValue
    }

    /// For every keyword of the schema at `pointer` (and of the properties of `value` it describes), `value` with
    /// that keyword broken; only those the validator confirms as invalid.
    mutating func violations(of value: JSONValue, at pointer: JSONPointer) -> [Violation] {
        var found: [Violation] = []
        collect(value, at: pointer, in: .root, into: &found, depth: 0)
        let whole = value
        return found.filter { violation in
            !validator.validate(violation.value, schemaAt: pointer, direction: .request).isEmpty && violation.value != whole
        }
    }

    /// Breaks each keyword of the node at `location` in `root` (whose schema is at `pointer`).
    private mutating func collect(_ root: JSONValue, at pointer: JSONPointer, in location: JSONPointer, into found: inout [Violation], depth: Int) {
        guard depth < 6, let (pointer, schema) = resolved(pointer), let node = location.resolve(in: root) else { return }
        func add(_ keyword: String, _ replacement: JSONValue?) {
            let broken = root.editing(at: location) { _ in replacement }
            found.append(Violation(keyword: keyword, at: location, value: broken))
        }
        for keyword in ["oneOf", "anyOf"] {
            // The branch the value belongs to (by the discriminator, else the first it matches) is broken in turn.
            let branches = (schema[keyword]?.arrayValue ?? []).indices.map { pointer.appending(keyword).appending($0) }
            if let branch = validator.branch(of: node, among: branches, discriminator: schema["discriminator"]) {
                collect(root, at: branch, in: location, into: &found, depth: depth + 1)
            }
        }
        if schema["type"] != nil || schema["properties"] != nil { add("type", wrongType(for: node)) }
        if let options = schema["enum"]?.arrayValue { add("enum", Self.outside(options)) }
        if let constant = schema["const"] { add("const", Self.outside([constant])) }
        if case .string(let text) = node {
            let length = text.unicodeScalars.count
            if let minimum = schema["minLength"]?.numberValue, minimum > 0 {
                add("minLength", .string(String(String.UnicodeScalarView(text.unicodeScalars.prefix(Int(minimum) - 1)))))
            }
            if let maximum = schema["maxLength"]?.numberValue {
                add("maxLength", .string(text + String(repeating: "x", count: max(1, Int(maximum) + 1 - length))))
            }
            if let pattern = schema["pattern"]?.stringValue {
                if let breaking = ["", " ", "\u{0}", " \(text)", "\(text)\u{0}", "!"].first(where: { !SchemaValidator.matches($0, pattern: pattern) }) {
                    add("pattern", .string(breaking))
                }
            }
            if schema["format"]?.stringValue == "email" { add("format", .string("not-an-email")) }
        }
        if let number = node.numberValue {
            if let minimum = schema["minimum"]?.numberValue { add("minimum", .number(minimum - 1)) }
            if let maximum = schema["maximum"]?.numberValue { add("maximum", .number(maximum + 1)) }
            if Self.type(of: schema) == "integer" { add("type", .number(number + 0.5)) }
        }
        if case .array(let items) = node {
            if let minimum = schema["minItems"]?.numberValue, minimum > 0 { add("minItems", .array(Array(items.prefix(Int(minimum) - 1)))) }
            if let maximum = schema["maxItems"]?.numberValue { add("maxItems", .array(items + Array(repeating: items.first ?? .null, count: max(1, Int(maximum) + 1 - items.count)))) }
            for index in items.indices.prefix(2) {
                collect(root, at: pointer.appending("items"), in: location.appending(index), into: &found, depth: depth + 1)
            }
        }
        if case .object(let object) = node {
            for name in schema["required"]?.arrayValue?.compactMap(\.stringValue) ?? [] where object[name] != nil {
                add("required", .object(object.filter { $0.key != name }))
            }
            if schema["additionalProperties"] == .bool(false) {
                add("additionalProperties", .object(object.merging(["unexpected_field": .string("extra")]) { $1 }))
            }
            let writable = requestProperties(of: schema, at: pointer)
            for name in object.keys.sorted() where writable.contains(name) {
                collect(root, at: pointer.appending("properties").appending(name), in: location.appending(name), into: &found, depth: depth + 1)
            }
            // Optional properties the value left out are broken too, each added with a valid value first.
            for name in writable where object[name] == nil {
                let property = pointer.appending("properties").appending(name)
                guard let sample = valid(at: property, depth: depth + 1) else { continue }
                let filled = root.editing(at: location) { _ in .object(object.merging([name: sample]) { $1 }) }
                collect(filled, at: property, in: location.appending(name), into: &found, depth: depth + 1)
            }
        }
    }

    /// The properties of the object schema at `pointer` a request may send, sorted: all but the `readOnly` ones.
    private func requestProperties(of schema: JSONValue, at pointer: JSONPointer) -> [String] {
        (schema["properties"]?.objectValue?.keys).map(Array.init)?.sorted()
            .filter { !validator.annotates(schemaAt: pointer.appending("properties").appending($0), "readOnly") } ?? []
    }

    /// A value equal to none of `values`.
    private static func outside(_ values: [JSONValue]) -> JSONValue {
        let candidates: [JSONValue] = [.string("not-one-of-these"), .number(-987_654), .bool(false), .null]
        return candidates.first { !values.contains($0) } ?? .object([:])
    }

    /// The schema's type (the first listed), guessed from its keywords when it names none.
    static func type(of schema: JSONValue) -> String {
        schema["type"]?.stringValue ?? schema["type"]?.arrayValue?.first?.stringValue
            ?? (schema["properties"] != nil ? "object" : schema["items"] != nil ? "array" : "string")
    }
}
