import Foundation
import JSONValues

extension OpenAPISpec {
    /// The schema that describes the value at `pointer` inside an instance of the schema at `schema` (a response
    /// body's): through `$ref`, `properties`, `items` and the branches of `allOf`, `anyOf` and `oneOf`; nil when
    /// none names it.
    func schema(describing pointer: JSONPointer, within schema: JSONPointer) -> JSONValue? {
        func find(_ node: JSONValue, _ tokens: ArraySlice<String>, depth: Int) -> JSONValue? {
            guard depth < 32 else { return nil }
            if let reference = node["$ref"]?.stringValue {
                return JSONPointer(reference)?.resolve(in: document).flatMap { find($0, tokens, depth: depth + 1) }
            }
            guard let token = tokens.first else { return node }
            if let property = node["properties"]?[token], let found = find(property, tokens.dropFirst(), depth: depth + 1) { return found }
            if Int(token) != nil, let items = node["items"], let found = find(items, tokens.dropFirst(), depth: depth + 1) { return found }
            for branch in ["allOf", "anyOf", "oneOf"].flatMap({ node[$0]?.arrayValue ?? [] }) {
                if let found = find(branch, tokens, depth: depth + 1) { return found }
            }
            return nil
        }
        return schema.resolve(in: document).flatMap { find($0, pointer.tokens[...], depth: 0) }
    }
}
