import Foundation
import OpenAPIKit
import Yams
import JSONValues

/// The OpenAPI document the runner checks deployments against: operations by `operationId`,
/// and for each the documented statuses, media types, schemas and required headers.
struct OpenAPISpec: Sendable {
    /// One operation of the document.
    struct Operation: Sendable {
        let id: String
        let method: String
        /// The path template, e.g. `/api-keys/revoke/{keyId}`.
        let path: String
        let pointer: JSONPointer
        /// Documented statuses as written (`200`, `4XX`, `default`), in document order.
        let statuses: [String]
    }

    /// What the document says about one response.
    struct ResponseSpec: Sendable {
        /// The key it was found under (`200`, `4XX` or `default`).
        let statusKey: String
        /// Media type -> pointer to its schema (nil when the media type has no schema).
        let content: [String: JSONPointer?]
        let requiredHeaders: [String]
        /// Every documented header by name, with the pointer of its schema when it has one.
        let headers: [String: JSONPointer?]
        /// Media type -> how its server-sent events are described (`x-event-schema`, `x-error-event-schema`, `x-terminator`).
        let streams: [String: StreamSpec]
    }

    /// What each event of a `text/event-stream` answer must be.
    struct StreamSpec: Sendable {
        let eventSchema: JSONPointer?
        let errorEventSchema: JSONPointer?
        /// The data of the last event, e.g. `[DONE]`.
        let terminator: String?
    }

    let document: JSONValue
    let operations: [String: Operation]
    let validator: SchemaValidator
    /// Where the document came from, for messages.
    let source: String

    /// Reads a JSON OpenAPI 3.1 document; throws `SpecError` naming the problem.
    init(contentsOf url: URL) throws {
        let data: Data
        do { data = try Data(contentsOf: url) } catch { throw SpecError("cannot read the spec \(url.path): \(error.localizedDescription)") }
        try self.init(data: data, source: url.path)
    }

    /// Reads a JSON or YAML OpenAPI 3.1 document.
    init(data: Data, source: String) throws {
        let document: JSONValue
        do {
            document = try JSONValue.parse(data)
        } catch let jsonError {
            guard let text = String(data: data, encoding: .utf8), let yaml = try? JSONValue(any: try Yams.load(yaml: text)), yaml.objectValue != nil else {
                throw SpecError("\(source) is neither JSON nor YAML (as JSON: \(jsonError))")
            }
            document = yaml
        }
        try self.init(document: document, source: source)
    }

    init(document: JSONValue, source: String) throws {
        self.document = document
        self.source = source
        validator = SchemaValidator(document: document)
        var operations: [String: Operation] = [:]
        for (path, item) in document["paths"]?.objectValue ?? [:] {
            for method in ["get", "put", "post", "delete", "options", "head", "patch", "trace"] {
                // An operation without an operationId is named `METHOD /path`, as scenarios may also name any.
                guard let operation = item[method] else { continue }
                let id = operation["operationId"]?.stringValue ?? "\(method.uppercased()) \(path)"
                let pointer = JSONPointer(tokens: ["paths", path, method])
                let statuses = (operation["responses"]?.objectValue?.keys).map { Array($0).sorted() } ?? []
                operations[id] = Operation(id: id, method: method.uppercased(), path: path, pointer: pointer, statuses: statuses)
            }
        }
        self.operations = operations
    }

    /// An operation by its `operationId` or as `METHOD /path` (e.g. `GET /notes/{note_id}`).
    func operation(named name: String) -> Operation? {
        if let operation = operations[name] { return operation }
        let parts = name.split(separator: " ", maxSplits: 1).map(String.init)
        guard parts.count == 2 else { return nil }
        return operations.values.first { $0.method == parts[0].uppercased() && $0.path == parts[1] }
    }

    /// The documented response for a status: the exact code, else its range (`4XX`), else `default`.
    func response(for operation: Operation, status: Int) -> ResponseSpec? {
        let responses = operation.pointer.appending("responses")
        for key in [String(status), "\(status / 100)XX", "default"] {
            guard var pointer = Optional(responses.appending(key)), var response = pointer.resolve(in: document) else { continue }
            if let reference = response["$ref"]?.stringValue, let target = JSONPointer(reference), let resolved = target.resolve(in: document) {
                pointer = target
                response = resolved
            }
            var content: [String: JSONPointer?] = [:]
            var streams: [String: StreamSpec] = [:]
            for (mediaType, media) in response["content"]?.objectValue ?? [:] {
                let mediaPointer = pointer.appending("content").appending(mediaType)
                content[mediaType.lowercased()] = media["schema"] == nil ? nil : mediaPointer.appending("schema")
                if media["x-event-schema"] != nil || media["x-terminator"] != nil {
                    streams[mediaType.lowercased()] = StreamSpec(
                        eventSchema: media["x-event-schema"] == nil ? nil : mediaPointer.appending("x-event-schema"),
                        errorEventSchema: media["x-error-event-schema"] == nil ? nil : mediaPointer.appending("x-error-event-schema"),
                        terminator: media["x-terminator"]?.stringValue)
                }
            }
            var headers: [String: JSONPointer?] = [:]
            for (name, header) in response["headers"]?.objectValue ?? [:] {
                var headerPointer = pointer.appending("headers").appending(name)
                if let reference = header["$ref"]?.stringValue, let target = JSONPointer(reference) { headerPointer = target }
                headers[name] = headerPointer.appending("schema").resolve(in: document) == nil ? nil : headerPointer.appending("schema")
            }
            let required = (response["headers"]?.objectValue ?? [:]).filter { name, header in
                (header["$ref"]?.stringValue.flatMap(JSONPointer.init)?.resolve(in: document) ?? header)["required"] == .bool(true)
            }.map(\.key).sorted()
            return ResponseSpec(statusKey: key, content: content, requiredHeaders: required, headers: headers, streams: streams)
        }
        return nil
    }

    /// Problems that make the document unusable or misleading: OpenAPIKit's structural validation
    /// (OpenAPI 3.1), every `$ref` that points nowhere, an `x-setting` that binds no numeric keyword, and operations without an `operationId` (they work, named
    /// `METHOD /path`, but generated clients and reports name them better with one).
    func lint() -> [String] {
        var problems = operations.values.filter { $0.pointer.appending("operationId").resolve(in: document) == nil }
            .map { "warning: \($0.id) has no operationId; it is named '\($0.id)' in scenarios and reports" }.sorted()
        do {
            let parsed = try JSONDecoder().decode(OpenAPI.Document.self, from: Data(document.jsonText.utf8))
            do { try parsed.validate() } catch { problems.append("OpenAPI validation: \(error)") }
        } catch {
            problems.append("not a valid OpenAPI 3.1 document: \(error)")
        }
        func walk(_ value: JSONValue, _ pointer: JSONPointer) {
            switch value {
            case .object(let object):
                if let reference = object["$ref"]?.stringValue {
                    if JSONPointer(reference)?.resolve(in: document) == nil {
                        problems.append("\(pointer)/$ref: '\(reference)' does not resolve")
                    }
                }
                if let bindings = object[DeploymentSettings.extensionName] {
                    problems += DeploymentSettings.problems(of: bindings, in: object).map { "\(pointer)/\(DeploymentSettings.extensionName): \($0)" }
                }
                for (key, child) in object { walk(child, pointer.appending(key)) }
            case .array(let array):
                for (index, child) in array.enumerated() { walk(child, pointer.appending(index)) }
            default: break
            }
        }
        walk(document, .root)
        return problems
    }
}

/// A spec, scenario or argument that cannot be used (exit code 2).
struct SpecError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}
