import Foundation
import JSONValues

/// A collection the spec describes REST-style, for stateful testing of any API: a create (POST on `/things`) and,
/// where the spec has them, a read, update and delete on `/things/{id}` and a list (GET on `/things`) with its pages.
/// How the new resource's id reaches the item operations comes from the create answer's OpenAPI `links`, or, where
/// the spec has none, is inferred: a property named like the path parameter (or `id`), else the `Location` header.
struct ResourceModel: Sendable {
    /// Where the created resource's id is in the create's answer.
    enum IDSource: Sendable, Equatable, CustomStringConvertible {
        case body(JSONPointer)
        /// The last segment of the `Location` header's path.
        case location

        var description: String {
            switch self {
            case .body(let pointer): "$response.body#\(pointer)"
            case .location: "$response.header.Location"
            }
        }
    }

    /// How the list goes from one page to the next.
    enum Paging: Sendable, Equatable {
        /// A query parameter taking the value the answer gives at `next` (null or absent on the last page).
        case cursor(parameter: String, next: JSONPointer)
        /// A query parameter counting the items to skip.
        case offset(parameter: String)
    }

    /// The collection's path, e.g. `/items`.
    let path: String
    let create: OpenAPISpec.Operation
    let createBody: RequestBody
    let id: IDSource
    /// Whether `id` came from the spec's `links` (else it was inferred).
    let fromLinks: Bool
    /// The item path's parameter, e.g. `item_id`.
    let parameter: String
    let read: OpenAPISpec.Operation?
    let update: OpenAPISpec.Operation?
    let delete: OpenAPISpec.Operation?
    let list: OpenAPISpec.Operation?
    /// Where the list's items are in its answer (the root for a bare array).
    let listItems: JSONPointer?
    /// Where an item's id is, inside an item of the list and the read's answer.
    let itemID: JSONPointer
    let paging: Paging?

    /// Every collection of the spec that has a create with a JSON body and at least one item operation or a list.
    static func all(in spec: OpenAPISpec) -> [ResourceModel] {
        let operations = spec.operations.values.sorted { $0.id < $1.id }
        return operations.filter { $0.method == "POST" && !$0.path.hasSuffix("}") }.compactMap { create -> ResourceModel? in
            guard let body = Fuzzer.jsonBody(of: create, in: spec.document) else { return nil }
            let items = operations.filter { Self.isItem($0.path, of: create.path) }
            let list = operations.first { $0.method == "GET" && $0.path == create.path }
            guard let parameter = items.first.flatMap({ ScenarioLinter.pathParameters($0.path).last }) else { return nil }
            let success = create.statuses.filter { $0.hasPrefix("2") }.compactMap(Int.init).compactMap { spec.response(for: create, status: $0) }.first
            let responsePointer = success.flatMap { $0.content["application/json"] ?? nil }
            let linked = success.flatMap { linkedID(spec: spec, create: create, status: $0.statusKey, items: items, parameter: parameter) }
            let inferred = responsePointer.flatMap { pointer in
                idProperty(in: SchemaShapes(document: spec.document).properties(at: pointer), parameter: parameter).map { IDSource.body(JSONPointer(tokens: [$0])) }
            } ?? (success?.headers.keys.contains { $0.caseInsensitiveCompare("Location") == .orderedSame } == true ? .location : nil)
            guard let id = linked ?? inferred else { return nil }
            let listItems = list.flatMap { itemsPointer(of: $0, in: spec) }
            let itemID: JSONPointer = if case .body(let pointer) = id { pointer } else { JSONPointer(tokens: [idProperty(in: [], parameter: parameter) ?? "id"]) }
            return ResourceModel(
                path: create.path, create: create, createBody: RequestBody(mediaType: "application/json", schema: body, encoding: .json), id: id,
                fromLinks: linked != nil, parameter: parameter, read: items.first { $0.method == "GET" },
                update: items.first { $0.method == "PUT" } ?? items.first { $0.method == "PATCH" }, delete: items.first { $0.method == "DELETE" },
                list: list, listItems: listItems, itemID: itemID, paging: list.flatMap { paging(of: $0, in: spec) })
        }
    }

    /// Whether `path` is one item of the collection at `collection`: `collection/{parameter}`.
    static func isItem(_ path: String, of collection: String) -> Bool {
        guard path.hasPrefix(collection + "/") else { return false }
        let rest = path.dropFirst(collection.count + 1)
        return rest.hasPrefix("{") && rest.hasSuffix("}") && !rest.dropFirst().contains("/") && !rest.dropFirst().contains("{")
    }

    /// The id source a link of the create's answer names for an item operation's parameter.
    private static func linkedID(spec: OpenAPISpec, create: OpenAPISpec.Operation, status: String, items: [OpenAPISpec.Operation], parameter: String) -> IDSource? {
        var response = create.pointer.appending("responses").appending(status).resolve(in: spec.document)
        if let reference = response?["$ref"]?.stringValue { response = JSONPointer(reference)?.resolve(in: spec.document) }
        for (_, link) in (response?["links"]?.objectValue ?? [:]).sorted(by: { $0.key < $1.key }) {
            let target = link["operationId"]?.stringValue.flatMap { spec.operations[$0] }
            guard let target, items.contains(where: { $0.id == target.id }),
                  let expression = link["parameters"]?[parameter]?.stringValue else { continue }
            if expression.caseInsensitiveCompare("$response.header.Location") == .orderedSame { return .location }
            if expression.hasPrefix("$response.body#"), let pointer = JSONPointer(String(expression.dropFirst("$response.body".count))) {
                return .body(pointer)
            }
        }
        return nil
    }

    /// The property that holds the id: named like the path parameter, or `id`, or the parameter without its
    /// `_id`/`Id` suffix plus `_id`/`Id` (`item_id` → `id`); with no properties known, the likeliest name.
    static func idProperty(in properties: Set<String>, parameter: String) -> String? {
        let candidates = [parameter, "id", "uuid", "key"]
        return properties.isEmpty ? (parameter.lowercased().hasSuffix("id") ? "id" : parameter) : candidates.first(where: properties.contains)
    }

    /// Where the items are in a list's 200 answer: the root for an array, else its first array property.
    private static func itemsPointer(of list: OpenAPISpec.Operation, in spec: OpenAPISpec) -> JSONPointer? {
        guard let schema = spec.response(for: list, status: 200)?.content["application/json"] ?? nil else { return nil }
        let sampler = SchemaSampler(document: spec.document, validator: spec.validator, random: SeededRandom(seed: 0))
        guard let (pointer, resolved) = sampler.resolved(schema) else { return nil }
        if SchemaSampler.type(of: resolved) == "array" { return .root }
        let properties = resolved["properties"]?.objectValue ?? [:]
        let arrays = properties.keys.sorted().filter { name in
            sampler.resolved(pointer.appending("properties").appending(name)).map { SchemaSampler.type(of: $0.1) == "array" } == true
        }
        return (arrays.first { ["items", "data", "results", "entries"].contains($0) } ?? arrays.first).map { JSONPointer(tokens: [$0]) }
    }

    /// The list's paging: a cursor parameter with the answer's next cursor, or an offset parameter.
    private static func paging(of list: OpenAPISpec.Operation, in spec: OpenAPISpec) -> Paging? {
        let query = spec.parameters(of: list).filter { $0.location == "query" }.compactMap(\.name)
        let answer = spec.response(for: list, status: 200)?.content["application/json"].flatMap { $0 }
        let properties = answer.map { SchemaShapes(document: spec.document).properties(at: $0) } ?? []
        let next = properties.sorted().first { name in
            let lower = name.lowercased()
            return lower.contains("cursor") || lower.contains("next") && !lower.contains("offset") || lower.contains("page_token") || lower.contains("pagetoken")
        }
        if let parameter = query.first(where: { ["cursor", "page_token", "pagetoken", "after", "starting_after", "continuation"].contains($0.lowercased()) }),
           let next
        {
            return .cursor(parameter: parameter, next: JSONPointer(tokens: [next]))
        }
        if let parameter = query.first(where: { $0.lowercased() == "offset" }) { return .offset(parameter: parameter) }
        return nil
    }
}
