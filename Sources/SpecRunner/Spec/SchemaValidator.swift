import Foundation

/// One way a JSON value fails its schema, with enough to act on: where in the value, which schema keyword,
/// and what was expected against what was found.
struct ValidationIssue: Sendable, Hashable, CustomStringConvertible {
    /// JSON Pointer into the validated value.
    let instancePath: JSONPointer
    /// Where the failing keyword is, e.g. `#/components/schemas/Error/properties/code/pattern`.
    let schemaPath: String
    let message: String

    var description: String {
        "at '\(instancePath.description.isEmpty ? "/" : instancePath.description)' (schema \(schemaPath)): \(message)"
    }
}

/// A JSON Schema 2020-12 validator for the keywords OpenAPI 3.1 documents use.
///
/// Supported: type, enum, const, the numeric, string, array and object bounds, pattern, properties,
/// patternProperties, additionalProperties, propertyNames, required, dependentRequired, dependentSchemas,
/// items, prefixItems, contains/minContains/maxContains, uniqueItems, allOf/anyOf/oneOf/not, if/then/else,
/// boolean schemas, `$ref` to anything in the document (`#/...`, `$id`, `$anchor`, `$defs`) and formats
/// (date-time, date, time, email, uuid) as assertions when `assertFormats` is on. Not supported:
/// `$dynamicRef`, `unevaluatedProperties`, `unevaluatedItems`, remote references.
struct SchemaValidator: Sendable {
    private static let defaultBase = "https://root.invalid/document.json"

    let document: JSONValue
    let assertFormats: Bool
    /// Schema resources by absolute URI (`$id`), and anchors as `uri#anchor`, each with its pointer in `document`.
    private let resources: [String: JSONPointer]

    init(document: JSONValue, assertFormats: Bool = true) {
        self.document = document
        self.assertFormats = assertFormats
        var resources: [String: JSONPointer] = [Self.defaultBase: .root]
        Self.index(document, at: .root, base: Self.defaultBase, into: &resources)
        self.resources = resources
    }

    /// Validates `instance` against the schema at `schemaPointer` in the document (the whole document by default).
    func validate(_ instance: JSONValue, schemaAt schemaPointer: JSONPointer = .root) -> [ValidationIssue] {
        guard let schema = schemaPointer.resolve(in: document) else {
            return [ValidationIssue(instancePath: .root, schemaPath: "#\(schemaPointer)", message: "the schema does not exist")]
        }
        return validate(instance, at: .root, against: schema, Context(base: baseURI(of: schemaPointer), location: schemaPointer, depth: 0))
    }

    /// Where evaluation is: the base URI for `$ref`, the schema's pointer for messages, and the `$ref` depth.
    struct Context {
        var base: String
        var location: JSONPointer
        var depth: Int

        func child(_ tokens: String...) -> Context {
            var copy = self
            copy.location = JSONPointer(tokens: location.tokens + tokens)
            return copy
        }
    }

    func validate(_ instance: JSONValue, at path: JSONPointer, against schema: JSONValue, _ context: Context) -> [ValidationIssue] {
        switch schema {
        case .bool(true): return []
        case .bool(false):
            return [issue(path, context, "", "no value is allowed here (schema is false), found \(describe(instance))")]
        case .object(let keywords):
            var context = context
            if let id = keywords["$id"]?.stringValue {
                context.base = Self.resolve(id, against: context.base)
            }
            var issues: [ValidationIssue] = []
            if let reference = keywords["$ref"]?.stringValue {
                issues += validateReference(instance, at: path, reference: reference, context)
            }
            issues += validateGeneric(instance, at: path, keywords, context)
            issues += validateApplicators(instance, at: path, keywords, context)
            switch instance {
            case .number(let number): issues += validateNumber(number, at: path, keywords, context)
            case .string(let string): issues += validateString(string, at: path, keywords, context)
            case .array(let array): issues += validateArray(array, at: path, keywords, context)
            case .object(let object): issues += validateObject(object, at: path, keywords, context)
            default: break
            }
            return issues
        default:
            return [issue(path, context, "", "the schema is neither an object nor a boolean")]
        }
    }

    // MARK: Keywords for any type

    private func validateGeneric(
        _ instance: JSONValue, at path: JSONPointer, _ keywords: [String: JSONValue], _ context: Context
    ) -> [ValidationIssue] {
        var issues: [ValidationIssue] = []
        if let type = keywords["type"] {
            let allowed = type.arrayValue?.compactMap(\.stringValue) ?? [type.stringValue].compactMap { $0 }
            if !allowed.contains(where: { matches(instance, type: $0) }) {
                issues.append(issue(path, context, "type", "expected \(allowed.joined(separator: " or ")), found \(describe(instance))"))
            }
        }
        if let options = keywords["enum"]?.arrayValue, !options.contains(instance) {
            issues.append(issue(path, context, "enum", "expected one of \(JSONValue.array(options).jsonText), found \(instance.jsonText)"))
        }
        if let constant = keywords["const"], constant != instance {
            issues.append(issue(path, context, "const", "expected \(constant.jsonText), found \(instance.jsonText)"))
        }
        return issues
    }

    private func matches(_ instance: JSONValue, type: String) -> Bool {
        switch (type, instance) {
        case ("null", .null), ("boolean", .bool), ("number", .number), ("string", .string), ("array", .array), ("object", .object):
            true
        case ("integer", .number(let number)):
            number.isWholeNumber
        default:
            false
        }
    }

    // MARK: Applicators

    private func validateApplicators(
        _ instance: JSONValue, at path: JSONPointer, _ keywords: [String: JSONValue], _ context: Context
    ) -> [ValidationIssue] {
        var issues: [ValidationIssue] = []
        if let schemas = keywords["allOf"]?.arrayValue {
            for (index, schema) in schemas.enumerated() {
                issues += validate(instance, at: path, against: schema, context.child("allOf", String(index)))
            }
        }
        if let schemas = keywords["anyOf"]?.arrayValue {
            let results = schemas.enumerated().map { validate(instance, at: path, against: $1, context.child("anyOf", String($0))) }
            if !results.contains(where: \.isEmpty) {
                issues.append(issue(path, context, "anyOf", "matches none of the \(schemas.count) allowed schemas: \(explain(results))"))
            }
        }
        if let schemas = keywords["oneOf"]?.arrayValue {
            let results = schemas.enumerated().map { validate(instance, at: path, against: $1, context.child("oneOf", String($0))) }
            let matching = results.indices.filter { results[$0].isEmpty }
            if matching.isEmpty {
                issues.append(issue(path, context, "oneOf", "matches none of the \(schemas.count) schemas: \(explain(results))"))
            } else if matching.count > 1 {
                issues.append(issue(path, context, "oneOf", "matches schemas \(matching.map(String.init).joined(separator: " and ")) but must match exactly one"))
            }
        }
        if let schema = keywords["not"], validate(instance, at: path, against: schema, context.child("not")).isEmpty {
            issues.append(issue(path, context, "not", "must not match the schema under 'not', but does"))
        }
        if let condition = keywords["if"] {
            if validate(instance, at: path, against: condition, context.child("if")).isEmpty {
                if let then = keywords["then"] { issues += validate(instance, at: path, against: then, context.child("then")) }
            } else if let otherwise = keywords["else"] {
                issues += validate(instance, at: path, against: otherwise, context.child("else"))
            }
        }
        return issues
    }

    /// Why each branch of an `anyOf`/`oneOf` failed: `[0] at '/x' ...; [1] ...`.
    private func explain(_ results: [[ValidationIssue]]) -> String {
        results.enumerated().map { index, issues in
            "[\(index)] " + issues.prefix(3).map(\.description).joined(separator: ", ")
        }.joined(separator: "; ")
    }

    private func validateReference(
        _ instance: JSONValue, at path: JSONPointer, reference: String, _ context: Context
    ) -> [ValidationIssue] {
        guard context.depth < 64 else {
            return [issue(path, context, "$ref", "references nest more than 64 deep (a reference loop?)")]
        }
        let target = Self.resolve(reference, against: context.base)
        guard let pointer = locate(target), let schema = pointer.resolve(in: document) else {
            return [issue(path, context, "$ref", "cannot resolve reference '\(reference)' (remote references are not supported)")]
        }
        // The target's own `$id`, if any, applies when it is entered; its ancestors' apply here.
        let next = Context(base: baseURI(of: pointer), location: pointer, depth: context.depth + 1)
        return validate(instance, at: path, against: schema, next)
    }

    /// The pointer in `document` of an absolute reference `uri#fragment`.
    private func locate(_ target: String) -> JSONPointer? {
        let parts = target.split(separator: "#", maxSplits: 1, omittingEmptySubsequences: false).map(String.init)
        let fragment = parts.count > 1 ? parts[1] : ""
        if fragment.isEmpty || fragment.hasPrefix("/") {
            guard let resource = resources[parts[0]], let inner = JSONPointer("#" + fragment) else { return nil }
            return JSONPointer(tokens: resource.tokens + inner.tokens)
        }
        return resources[target]
    }

    /// The base URI in effect at a pointer: the innermost `$id` of its ancestors (not its own).
    private func baseURI(of pointer: JSONPointer) -> String {
        var base = Self.defaultBase
        var current = document
        for token in pointer.tokens {
            if let id = current["$id"]?.stringValue { base = Self.resolve(id, against: base) }
            guard let next = JSONPointer(tokens: [token]).resolve(in: current) else { break }
            current = next
        }
        return base
    }

    /// Resolves a URI reference against a base URI (RFC 3986), keeping any fragment.
    static func resolve(_ reference: String, against base: String) -> String {
        let baseWithoutFragment = String(base.split(separator: "#", maxSplits: 1, omittingEmptySubsequences: false)[0])
        if reference.hasPrefix("#") { return baseWithoutFragment + reference }
        if reference.contains(":"), URL(string: reference)?.scheme != nil { return reference }
        if let url = URL(string: reference, relativeTo: URL(string: baseWithoutFragment)) {
            return url.absoluteString
        }
        return reference
    }

    /// Records every `$id` and `$anchor` below `value`.
    private static func index(_ value: JSONValue, at pointer: JSONPointer, base: String, into resources: inout [String: JSONPointer]) {
        switch value {
        case .object(let object):
            var base = base
            if let id = object["$id"]?.stringValue {
                base = resolve(id, against: base)
                resources[String(base.split(separator: "#", maxSplits: 1, omittingEmptySubsequences: false)[0])] = pointer
            }
            if let anchor = object["$anchor"]?.stringValue {
                resources[String(base.split(separator: "#", maxSplits: 1, omittingEmptySubsequences: false)[0]) + "#" + anchor] = pointer
            }
            for (key, child) in object where key != "enum" && key != "const" {
                index(child, at: pointer.appending(key), base: base, into: &resources)
            }
        case .array(let array):
            for (offset, child) in array.enumerated() {
                index(child, at: pointer.appending(offset), base: base, into: &resources)
            }
        default:
            break
        }
    }

    // MARK: Helpers shared by the type-specific keywords (SchemaValidator+types.swift)

    func issue(_ path: JSONPointer, _ context: Context, _ keyword: String, _ message: String) -> ValidationIssue {
        let location = keyword.isEmpty ? context.location : context.location.appending(keyword)
        return ValidationIssue(instancePath: path, schemaPath: "#\(location)", message: message)
    }

    func describe(_ value: JSONValue) -> String {
        let text = value.jsonText
        return "\(value.typeName) \(text.count > 60 ? String(text.prefix(57)) + "..." : text)"
    }
}
