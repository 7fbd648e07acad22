import Foundation
import JSONValues

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

/// A JSON Schema 2020-12 validator, complete for the required tests of the official suite.
///
/// All of the applicator, validation, unevaluated and core keywords: type, enum, const, the numeric, string, array
/// and object bounds, pattern, properties, patternProperties, additionalProperties, propertyNames, required,
/// dependentRequired, dependentSchemas, items, prefixItems, contains/minContains/maxContains, uniqueItems,
/// allOf/anyOf/oneOf/not, if/then/else, `unevaluatedProperties` and `unevaluatedItems` (with annotations collected
/// from every passing subschema), boolean schemas, `$ref` and `$dynamicRef`/`$dynamicAnchor` by absolute URI,
/// `$id`, `$anchor` and `$defs`, across the main document and any `remotes` given by URI; formats (date-time, date,
/// time, email, uuid) as assertions when `assertFormats` is on. `$vocabulary` is not interpreted.
struct SchemaValidator: Sendable {
    private static let defaultBase = "https://root.invalid/document.json"

    /// A schema's place: the document (by its URI) and the pointer inside it.
    struct Location: Sendable, Hashable {
        let document: String
        let pointer: JSONPointer
    }

    let document: JSONValue
    let assertFormats: Bool
    /// Documents by URI: the main one and the remotes.
    private let documents: [String: JSONValue]
    /// Schema resources by absolute URI (`$id`), and anchors (`$anchor`, `$dynamicAnchor`) as `uri#anchor`.
    private let resources: [String: Location]
    /// `$dynamicAnchor`s alone, as `uri#anchor`.
    private let dynamicAnchors: [String: Location]

    init(document: JSONValue, assertFormats: Bool = true, remotes: [String: JSONValue] = [:]) {
        self.document = document
        self.assertFormats = assertFormats
        var documents = remotes
        documents[Self.defaultBase] = document
        var resources: [String: Location] = [:]
        var dynamicAnchors: [String: Location] = [:]
        for (uri, value) in documents {
            resources[uri] = Location(document: uri, pointer: .root)
            Self.index(value, in: uri, at: .root, base: uri, into: &resources, dynamic: &dynamicAnchors)
        }
        self.documents = documents
        self.resources = resources
        self.dynamicAnchors = dynamicAnchors
    }

    /// Which way a value travels, for OpenAPI's `readOnly` and `writeOnly`: a `readOnly` property is never required
    /// in a request and must not be sent in one; a `writeOnly` property is never required in a response and must not
    /// come back in one (a leak, such as a password). Plain JSON Schema (nil) treats both as annotations.
    enum Direction: Sendable {
        case request, response

        /// The annotation that keeps a property out of a value going this way.
        var excludingKeyword: String { self == .request ? "readOnly" : "writeOnly" }
    }

    /// Validates `instance` against the schema at `schemaPointer` in the document (the whole document by default),
    /// as a request or response body when `direction` says so.
    func validate(_ instance: JSONValue, schemaAt schemaPointer: JSONPointer = .root, direction: Direction? = nil) -> [ValidationIssue] {
        guard let schema = schemaPointer.resolve(in: document) else {
            return [ValidationIssue(instancePath: .root, schemaPath: "#\(schemaPointer)", message: "the schema does not exist")]
        }
        let base = baseURI(of: Location(document: Self.defaultBase, pointer: schemaPointer))
        var context = Context(base: base, document: Self.defaultBase, location: schemaPointer, depth: 0, scope: [base])
        context.direction = direction
        return evaluate(instance, at: .root, against: schema, context).issues
    }

    /// Where evaluation is: the base URI for `$ref`, the document and the schema's pointer for messages, the
    /// reference depth, and the dynamic scope (the resources entered, outermost first) for `$dynamicRef`.
    struct Context {
        var base: String
        var document: String
        var location: JSONPointer
        var depth: Int
        var scope: [String]
        /// Whether the validation vocabulary applies (a metaschema's `$vocabulary` may leave it out).
        var validates = true
        /// Request or response, for `readOnly` and `writeOnly`; nil for plain JSON Schema.
        var direction: Direction?

        func child(_ tokens: String...) -> Context {
            var copy = self
            copy.location = JSONPointer(tokens: location.tokens + tokens)
            return copy
        }
    }

    /// The outcome of evaluating a schema: what is wrong, and (when nothing is) the properties and items it
    /// evaluated, which `unevaluatedProperties` and `unevaluatedItems` of enclosing schemas read.
    struct Evaluation {
        var issues: [ValidationIssue] = []
        var properties: Set<String> = []
        var items: Set<Int> = []

        var isValid: Bool { issues.isEmpty }

        /// Adds a subschema's outcome: its issues, and its annotations only if it passed.
        mutating func merge(_ other: Evaluation) {
            issues += other.issues
            if other.isValid {
                properties.formUnion(other.properties)
                items.formUnion(other.items)
            }
        }

        /// Adds only a passing subschema's annotations.
        mutating func mergeAnnotations(_ other: Evaluation) {
            if other.isValid {
                properties.formUnion(other.properties)
                items.formUnion(other.items)
            }
        }
    }

    func evaluate(_ instance: JSONValue, at path: JSONPointer, against schema: JSONValue, _ context: Context) -> Evaluation {
        switch schema {
        case .bool(true): return Evaluation()
        case .bool(false):
            return Evaluation(issues: [issue(path, context, "", "no value is allowed here (schema is false), found \(describe(instance))")])
        case .object(var keywords):
            var context = context
            if let metaschema = keywords["$schema"]?.stringValue,
               let vocabularies = documents[Self.withoutFragment(metaschema)]?["$vocabulary"]?.objectValue
            {
                context.validates = vocabularies["https://json-schema.org/draft/2020-12/vocab/validation"] != nil
            }
            if !context.validates {
                keywords = keywords.filter { !Self.validationKeywords.contains($0.key) }
            }
            if let id = keywords["$id"]?.stringValue {
                context.base = Self.resolve(id, against: context.base)
                if context.scope.last != context.base { context.scope.append(context.base) }
            }
            var evaluation = Evaluation()
            if let reference = keywords["$ref"]?.stringValue {
                evaluation.merge(evaluateReference(instance, at: path, reference: reference, dynamic: false, context))
            }
            if let reference = keywords["$dynamicRef"]?.stringValue {
                evaluation.merge(evaluateReference(instance, at: path, reference: reference, dynamic: true, context))
            }
            evaluation.issues += validateGeneric(instance, at: path, keywords, context)
            evaluateApplicators(instance, at: path, keywords, context, into: &evaluation)
            switch instance {
            case .number(let number): evaluation.issues += validateNumber(number, at: path, keywords, context)
            case .integer(let integer): evaluation.issues += validateNumber(Double(integer), at: path, keywords, context)
            case .string(let string): evaluation.issues += validateString(string, at: path, keywords, context)
            case .array(let array): evaluateArray(array, at: path, keywords, context, into: &evaluation)
            case .object(let object): evaluateObject(object, at: path, keywords, context, into: &evaluation)
            default: break
            }
            evaluateUnevaluated(instance, at: path, keywords, context, into: &evaluation)
            return evaluation
        default:
            return Evaluation(issues: [issue(path, context, "", "the schema is neither an object nor a boolean")])
        }
    }

    /// The keywords of the validation vocabulary, ignored under a metaschema whose `$vocabulary` leaves it out.
    static let validationKeywords: Set<String> = [
        "type", "enum", "const", "multipleOf", "maximum", "exclusiveMaximum", "minimum", "exclusiveMinimum", "maxLength",
        "minLength", "pattern", "maxItems", "minItems", "uniqueItems", "maxContains", "minContains", "maxProperties",
        "minProperties", "required", "dependentRequired",
    ]

    /// `unevaluatedItems` and `unevaluatedProperties`: what no other keyword of this schema (or of a passing
    /// subschema) evaluated must match them.
    private func evaluateUnevaluated(
        _ instance: JSONValue, at path: JSONPointer, _ keywords: [String: JSONValue], _ context: Context, into evaluation: inout Evaluation
    ) {
        if case .array(let array) = instance, let schema = keywords["unevaluatedItems"] {
            for index in array.indices where !evaluation.items.contains(index) {
                evaluation.merge(evaluate(array[index], at: path.appending(index), against: schema, context.child("unevaluatedItems")))
                evaluation.items.insert(index)
            }
        }
        if case .object(let object) = instance, let schema = keywords["unevaluatedProperties"] {
            for name in object.keys.sorted() where !evaluation.properties.contains(name) {
                if schema == .bool(false) {
                    evaluation.issues.append(issue(path.appending(name), context, "unevaluatedProperties", "property '\(name)' is not allowed here"))
                } else {
                    evaluation.merge(evaluate(object[name]!, at: path.appending(name), against: schema, context.child("unevaluatedProperties")))
                }
                evaluation.properties.insert(name)
            }
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
        case ("null", .null), ("boolean", .bool), ("number", .number), ("number", .integer), ("integer", .integer), ("string", .string),
             ("array", .array), ("object", .object):
            true
        case ("integer", .number(let number)):
            number.isWholeNumber
        default:
            false
        }
    }

    // MARK: Applicators

    private func evaluateApplicators(
        _ instance: JSONValue, at path: JSONPointer, _ keywords: [String: JSONValue], _ context: Context, into evaluation: inout Evaluation
    ) {
        // OpenAPI's discriminator: the property's value picks the branch, and only that branch is judged.
        var discriminated: String?
        if let property = keywords["discriminator"]?["propertyName"]?.stringValue, case .object(let object) = instance,
           let value = object[property]?.stringValue, let key = ["oneOf", "anyOf"].first(where: { keywords[$0] != nil })
        {
            discriminated = key
            let branches = keywords[key]?.arrayValue ?? []
            if let index = Self.discriminated(value, branches: branches, mapping: keywords["discriminator"]?["mapping"]) {
                evaluation.merge(evaluate(instance, at: path, against: branches[index], context.child(key, String(index))))
            } else {
                let names = branches.compactMap { $0["$ref"]?.stringValue?.split(separator: "/").last.map(String.init) }
                evaluation.issues.append(issue(path.appending(property), context, "discriminator", "'\(value)' names none of the schemas \(key) allows (\(names.joined(separator: ", ")))"))
            }
        }
        if let schemas = keywords["allOf"]?.arrayValue {
            for (index, schema) in schemas.enumerated() {
                evaluation.merge(evaluate(instance, at: path, against: schema, context.child("allOf", String(index))))
            }
        }
        if discriminated != "anyOf", let schemas = keywords["anyOf"]?.arrayValue {
            let results = schemas.enumerated().map { evaluate(instance, at: path, against: $1, context.child("anyOf", String($0))) }
            if results.contains(where: \.isValid) {
                results.forEach { evaluation.mergeAnnotations($0) }
            } else {
                evaluation.issues.append(issue(path, context, "anyOf", "matches none of the \(schemas.count) allowed schemas: \(explain(results.map(\.issues)))"))
            }
        }
        if discriminated != "oneOf", let schemas = keywords["oneOf"]?.arrayValue {
            let results = schemas.enumerated().map { evaluate(instance, at: path, against: $1, context.child("oneOf", String($0))) }
            let matching = results.indices.filter { results[$0].isValid }
            if matching.isEmpty {
                evaluation.issues.append(issue(path, context, "oneOf", "matches none of the \(schemas.count) schemas: \(explain(results.map(\.issues)))"))
            } else if matching.count > 1 {
                evaluation.issues.append(issue(path, context, "oneOf", "matches schemas \(matching.map(String.init).joined(separator: " and ")) but must match exactly one"))
            } else {
                evaluation.mergeAnnotations(results[matching[0]])
            }
        }
        if let schema = keywords["not"], evaluate(instance, at: path, against: schema, context.child("not")).isValid {
            evaluation.issues.append(issue(path, context, "not", "must not match the schema under 'not', but does"))
        }
        if let condition = keywords["if"] {
            let result = evaluate(instance, at: path, against: condition, context.child("if"))
            if result.isValid {
                evaluation.mergeAnnotations(result)
                if let then = keywords["then"] { evaluation.merge(evaluate(instance, at: path, against: then, context.child("then"))) }
            } else if let otherwise = keywords["else"] {
                evaluation.merge(evaluate(instance, at: path, against: otherwise, context.child("else")))
            }
        }
    }

    /// The branch a discriminator's value names: through `mapping` (a name or a reference), else the branch whose
    /// `$ref` ends with the value as its schema name.
    static func discriminated(_ value: String, branches: [JSONValue], mapping: JSONValue?) -> Int? {
        let target = mapping?[value]?.stringValue.map { $0.hasPrefix("#") ? $0 : "#/components/schemas/\($0)" } ?? "#/components/schemas/\(value)"
        return branches.firstIndex { $0["$ref"]?.stringValue == target }
    }

    /// The branch among `branches` (pointers to the `oneOf`/`anyOf` entries) that `value` belongs to: the one the
    /// discriminator names, else the first it matches as a request.
    func branch(of value: JSONValue, among branches: [JSONPointer], discriminator: JSONValue?) -> JSONPointer? {
        if let property = discriminator?["propertyName"]?.stringValue, let name = value[property]?.stringValue,
           let index = Self.discriminated(name, branches: branches.compactMap { $0.resolve(in: document) }, mapping: discriminator?["mapping"])
        {
            return branches[index]
        }
        return branches.first { validate(value, schemaAt: $0, direction: .request).isEmpty }
    }

    /// Why each branch of an `anyOf`/`oneOf` failed: `[0] at '/x' ...; [1] ...`.
    private func explain(_ results: [[ValidationIssue]]) -> String {
        results.enumerated().map { index, issues in
            "[\(index)] " + issues.prefix(3).map(\.description).joined(separator: ", ")
        }.joined(separator: "; ")
    }

    /// `$ref`, or `$dynamicRef`: resolved like `$ref`, then, when it lands on a `$dynamicAnchor` of its name, the
    /// outermost resource in the dynamic scope with that dynamic anchor wins.
    private func evaluateReference(
        _ instance: JSONValue, at path: JSONPointer, reference: String, dynamic: Bool, _ context: Context
    ) -> Evaluation {
        let keyword = dynamic ? "$dynamicRef" : "$ref"
        guard context.depth < 64 else {
            return Evaluation(issues: [issue(path, context, keyword, "references nest more than 64 deep (a reference loop?)")])
        }
        let target = Self.resolve(reference, against: context.base)
        guard var location = locate(target) else {
            return Evaluation(issues: [issue(path, context, keyword, "cannot resolve reference '\(reference)'")])
        }
        if dynamic, let name = target.split(separator: "#", maxSplits: 1).dropFirst().first.map(String.init), !name.hasPrefix("/"),
           schema(at: location)?["$dynamicAnchor"]?.stringValue == name,
           let outermost = context.scope.lazy.compactMap({ dynamicAnchors["\($0)#\(name)"] }).first
        {
            location = outermost
        }
        guard let schema = schema(at: location) else {
            return Evaluation(issues: [issue(path, context, keyword, "cannot resolve reference '\(reference)'")])
        }
        // The target's own `$id`, if any, applies when it is entered; its ancestors' apply here.
        let base = baseURI(of: location)
        var next = Context(
            base: base, document: location.document, location: location.pointer, depth: context.depth + 1, scope: context.scope,
            validates: context.validates, direction: context.direction)
        // The resource entered: the target's own (pushed when its `$id` is read), else the one containing it.
        if schema["$id"] == nil, next.scope.last != base { next.scope.append(base) }
        return evaluate(instance, at: path, against: schema, next)
    }

    /// Whether the schema at `pointer` in the document is marked `keyword: true` (`readOnly`, `writeOnly`).
    func annotates(schemaAt pointer: JSONPointer, _ keyword: String) -> Bool {
        guard let schema = pointer.resolve(in: document) else { return false }
        let base = baseURI(of: Location(document: Self.defaultBase, pointer: pointer))
        return annotates(schema, keyword, Context(base: base, document: Self.defaultBase, location: pointer, depth: 0, scope: [base]))
    }

    /// Whether `schema` says `keyword: true` itself, or through a `$ref` or an `allOf` part (how specs mark a
    /// referenced property `readOnly`).
    func annotates(_ schema: JSONValue, _ keyword: String, _ context: Context, depth: Int = 0) -> Bool {
        guard depth < 16, case .object(let keywords) = schema else { return false }
        if keywords[keyword] == .bool(true) { return true }
        if let reference = keywords["$ref"]?.stringValue, let location = locate(Self.resolve(reference, against: context.base)),
           let target = self.schema(at: location)
        {
            var next = context
            next.base = baseURI(of: location)
            if annotates(target, keyword, next, depth: depth + 1) { return true }
        }
        return (keywords["allOf"]?.arrayValue ?? []).contains { annotates($0, keyword, context, depth: depth + 1) }
    }

    private func schema(at location: Location) -> JSONValue? {
        documents[location.document].flatMap { location.pointer.resolve(in: $0) }
    }

    /// The location of an absolute reference `uri#fragment`.
    private func locate(_ target: String) -> Location? {
        let parts = target.split(separator: "#", maxSplits: 1, omittingEmptySubsequences: false).map(String.init)
        let fragment = parts.count > 1 ? parts[1] : ""
        if fragment.isEmpty || fragment.hasPrefix("/") {
            guard let resource = resources[parts[0]], let inner = JSONPointer("#" + fragment) else { return nil }
            return Location(document: resource.document, pointer: JSONPointer(tokens: resource.pointer.tokens + inner.tokens))
        }
        return resources[target]
    }

    /// The base URI in effect at a location: the innermost `$id` of its ancestors (not its own).
    private func baseURI(of location: Location) -> String {
        var base = location.document
        guard var current = documents[location.document] else { return base }
        for token in location.pointer.tokens {
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

    /// Records every `$id`, `$anchor` and `$dynamicAnchor` below `value`, a part of the document `document`.
    private static func index(
        _ value: JSONValue, in document: String, at pointer: JSONPointer, base: String,
        into resources: inout [String: Location], dynamic: inout [String: Location]
    ) {
        switch value {
        case .object(let object):
            var base = base
            let here = Location(document: document, pointer: pointer)
            if let id = object["$id"]?.stringValue {
                base = resolve(id, against: base)
                resources[withoutFragment(base)] = here
            }
            if let anchor = object["$anchor"]?.stringValue {
                resources[withoutFragment(base) + "#" + anchor] = here
            }
            if let anchor = object["$dynamicAnchor"]?.stringValue {
                resources[withoutFragment(base) + "#" + anchor] = here
                dynamic[withoutFragment(base) + "#" + anchor] = here
            }
            for (key, child) in object where key != "enum" && key != "const" {
                index(child, in: document, at: pointer.appending(key), base: base, into: &resources, dynamic: &dynamic)
            }
        case .array(let array):
            for (offset, child) in array.enumerated() {
                index(child, in: document, at: pointer.appending(offset), base: base, into: &resources, dynamic: &dynamic)
            }
        default:
            break
        }
    }

    private static func withoutFragment(_ uri: String) -> String {
        String(uri.split(separator: "#", maxSplits: 1, omittingEmptySubsequences: false)[0])
    }

    // MARK: Helpers shared by the type-specific keywords (SchemaValidator+types.swift)

    func issue(_ path: JSONPointer, _ context: Context, _ keyword: String, _ message: String) -> ValidationIssue {
        let location = keyword.isEmpty ? context.location : context.location.appending(keyword)
        let document = context.document == Self.defaultBase ? "" : context.document
        return ValidationIssue(instancePath: path, schemaPath: "\(document)#\(location)", message: message)
    }

    func describe(_ value: JSONValue) -> String {
        let text = value.jsonText
        return "\(value.typeName) \(text.count > 60 ? String(text.prefix(57)) + "..." : text)"
    }
}
