import Foundation
import JSONValues

extension OpenAPISpec {
    /// A parameter of an operation, with where it is in the document.
    struct Parameter: Sendable {
        let pointer: JSONPointer
        let value: JSONValue
        subscript(key: String) -> JSONValue? { value[key] }

        var name: String? { value["name"]?.stringValue }
        /// `path`, `query`, `header` or `cookie`.
        var location: String? { value["in"]?.stringValue }
        var schema: JSONPointer { pointer.appending("schema") }
        var isRequired: Bool { value["required"] == .bool(true) || location == "path" }
        var style: ParameterStyle { ParameterStyle(parameter: value) }
    }

    /// The operation's parameters and its path's, `$ref`s followed (the operation's win by name and place), sorted
    /// by place and name.
    func parameters(of operation: Operation) -> [Parameter] {
        let pathItem = JSONPointer(tokens: Array(operation.pointer.tokens.dropLast()))
        var found: [String: Parameter] = [:]
        for owner in [pathItem, operation.pointer] {
            for index in (owner.appending("parameters").resolve(in: document)?.arrayValue ?? []).indices {
                var pointer = owner.appending("parameters").appending(index)
                if let reference = pointer.resolve(in: document)?["$ref"]?.stringValue, let target = JSONPointer(reference) { pointer = target }
                guard let value = pointer.resolve(in: document) else { continue }
                found["\(value["in"]?.stringValue ?? "")/\(value["name"]?.stringValue ?? "")"] = Parameter(pointer: pointer, value: value)
            }
        }
        return found.keys.sorted().map { found[$0]! }
    }

    /// The operation's parameter of that name in that place, if it has one.
    func parameter(of operation: Operation, in location: String, named name: String) -> Parameter? {
        parameters(of: operation).first { $0.location == location && $0.name == name }
    }

    /// The parameters that OpenAPI `links` of some response feed, as `operationId/name` (a link's parameter may
    /// name its place: `query.cursor`).
    var linkedParameters: Set<String> {
        var fed: Set<String> = []
        for operation in operations.values {
            for status in operation.statuses {
                var response = operation.pointer.appending("responses").appending(status).resolve(in: document)
                if let reference = response?["$ref"]?.stringValue { response = JSONPointer(reference)?.resolve(in: document) }
                for link in (response?["links"]?.objectValue ?? [:]).values {
                    guard let target = link["operationId"]?.stringValue else { continue }
                    for name in (link["parameters"]?.objectValue ?? [:]).keys {
                        fed.insert("\(target)/\(name.split(separator: ".", maxSplits: 1).last.map(String.init) ?? name)")
                    }
                }
            }
        }
        return fed
    }
}
