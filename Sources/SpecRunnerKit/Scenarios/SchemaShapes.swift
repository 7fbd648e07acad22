import Foundation
import JSONValues

/// What paths a schema lets an instance have, for lint: a pointer is possible unless every branch rules it out.
struct SchemaShapes {
    let document: JSONValue

    func canContain(_ tokens: ArraySlice<String>, at pointer: JSONPointer, depth: Int = 0) -> Bool {
        guard depth < 32, let schema = pointer.resolve(in: document) else { return true }
        if case .bool(let allowed) = schema { return allowed }
        if let reference = schema["$ref"]?.stringValue, let target = JSONPointer(reference) {
            return canContain(tokens, at: target, depth: depth + 1)
        }
        guard let token = tokens.first else { return true }
        for keyword in ["anyOf", "oneOf"] {
            if let branches = schema[keyword]?.arrayValue {
                return branches.indices.contains { canContain(tokens, at: pointer.appending(keyword).appending($0), depth: depth + 1) }
            }
        }
        if let parts = schema["allOf"]?.arrayValue {
            return parts.indices.allSatisfy { canContain(tokens, at: pointer.appending("allOf").appending($0), depth: depth + 1) }
        }
        let rest = tokens.dropFirst()
        let types = schema["type"]?.arrayValue?.compactMap(\.stringValue) ?? [schema["type"]?.stringValue].compactMap { $0 }
        if types.isEmpty { return true }
        if types.contains("object") {
            if schema["properties"]?[token] != nil { return canContain(rest, at: pointer.appending("properties").appending(token), depth: depth + 1) }
            if schema["patternProperties"] != nil { return true }
            if schema["additionalProperties"] == .bool(false) { return false }
            if schema["additionalProperties"] != nil { return canContain(rest, at: pointer.appending("additionalProperties"), depth: depth + 1) }
            return true
        }
        if types.contains("array"), Int(token) != nil || token == "-" {
            return schema["items"] == nil || canContain(rest, at: pointer.appending("items"), depth: depth + 1)
        }
        return false
    }

    /// The property names a schema names for an object, through `$ref`, `allOf` and every `oneOf`/`anyOf` branch.
    func properties(at pointer: JSONPointer, depth: Int = 0) -> Set<String> {
        guard depth < 32, let schema = pointer.resolve(in: document) else { return [] }
        if let reference = schema["$ref"]?.stringValue, let target = JSONPointer(reference) {
            return properties(at: target, depth: depth + 1)
        }
        var names = Set((schema["properties"]?.objectValue ?? [:]).keys)
        for keyword in ["allOf", "oneOf", "anyOf"] {
            for index in (schema[keyword]?.arrayValue ?? []).indices {
                names.formUnion(properties(at: pointer.appending(keyword).appending(index), depth: depth + 1))
            }
        }
        return names
    }
}
