import Foundation
import JSONValues

/// Lint of one operation step against its operation in the spec: the parameters it names, the body and content
/// type it sends, and the body pointers it expects. Requests are judged only where the step expects success
/// (a step that expects a 4xx sends a bad request on purpose).
struct StepCheck {
    let spec: OpenAPISpec
    let operation: OpenAPISpec.Operation
    let step: Step

    func problems() -> [String] {
        parameterProblems() + bodyProblems() + pointerProblems()
    }

    /// Whether the step expects a 2xx (or says nothing of the status).
    private var expectsSuccess: Bool {
        step.expect.status.isEmpty || step.expect.status.contains { (200..<300).contains($0) }
    }

    private var parameters: [(location: String, name: String)] {
        spec.parameters(of: operation).compactMap { parameter in parameter.location.flatMap { location in parameter.name.map { (location, $0) } } }
    }

    private func parameterProblems() -> [String] {
        let query = parameters.filter { $0.location == "query" }.map(\.name)
        var problems = step.query.keys.sorted().filter { !query.contains($0) }.map { name in
            "query parameter '\(name)' is not a parameter of \(operation.id)" + Self.known(query)
        }
        let path = ScenarioLinter.pathParameters(operation.path)
        problems += step.path.keys.sorted().filter { !path.contains($0) }.map { name in
            "path parameter '\(name)' is not in \(operation.path)" + Self.known(path)
        }
        return problems
    }

    private static func known(_ names: [String]) -> String {
        names.isEmpty ? " (it has none)" : " (it has \(names.sorted().joined(separator: ", ")))"
    }

    private func bodyProblems() -> [String] {
        let content = operation.pointer.appending("requestBody").appending("content")
        let accepted = (content.resolve(in: spec.document)?.objectValue?.keys).map { Array($0).map { $0.lowercased() }.sorted() } ?? []
        let sends: String? = step.form != nil ? "application/x-www-form-urlencoded" : step.body != nil ? "application/json" : nil
        let declared = step.headers.first { $0.key.caseInsensitiveCompare("Content-Type") == .orderedSame }?.value.stringValue
        guard expectsSuccess else { return [] }
        var problems: [String] = []
        if sends != nil, accepted.isEmpty, step.rawBody == nil {
            problems.append("sends a body, but \(operation.id) takes none")
        }
        let mediaType = (declared?.split(separator: ";").first.map { $0.trimmingCharacters(in: .whitespaces).lowercased() }) ?? sends
        if let mediaType, !accepted.isEmpty, !mediaType.contains("{{"), !accepted.contains(mediaType) {
            problems.append("sends \(mediaType), but \(operation.id) accepts \(accepted.joined(separator: ", "))\(sends == "application/json" && accepted.contains("application/x-www-form-urlencoded") ? " (use form: for a form body)" : "")")
        }
        if let mediaType, accepted.contains(mediaType), let body = step.form.map(JSONValue.object) ?? step.body {
            let schema = content.appending(mediaType).appending("schema")
            if schema.resolve(in: spec.document) != nil {
                // Templated values are known only when the step runs; everything else must match requestBody.
                let issues = spec.validator.validate(Self.formTyped(body, isForm: step.form != nil), schemaAt: schema, direction: .request).filter { issue in
                    issue.instancePath.resolve(in: body)?.stringValue?.contains("{{") != true
                }
                problems += issues.map { "body \($0.instancePath.description.isEmpty ? "/" : $0.instancePath.description): \($0.message) (requestBody of \(operation.id))" }
            }
        }
        return problems
    }

    /// A form's fields are all text on the wire; lint judges them only by what text can break (so `42` in YAML is fine).
    private static func formTyped(_ body: JSONValue, isForm: Bool) -> JSONValue {
        guard isForm, let object = body.objectValue else { return body }
        return .object(object.mapValues { $0.stringValue.map(JSONValue.string) ?? .string($0.displayText) })
    }

    /// Expected body pointers that no documented response schema of the expected statuses can contain.
    private func pointerProblems() -> [String] {
        guard !step.expect.body.isEmpty else { return [] }
        let statuses = step.expect.status.isEmpty ? operation.statuses.compactMap(Int.init).filter { (200..<300).contains($0) } : step.expect.status
        let schemas = statuses.compactMap { spec.response(for: operation, status: $0) }.flatMap { $0.content.values.compactMap { $0 } }
        guard !schemas.isEmpty else { return [] }
        // A pointer expected to be absent (`exists: false`) may well be one the schema rules out.
        return step.expect.body.filter { $0.value.exists != false }.keys.sorted().compactMap { text in
            guard let pointer = JSONPointer(text), !pointer.tokens.isEmpty else { return nil }
            let shapes = SchemaShapes(document: spec.document)
            return schemas.contains { shapes.canContain(pointer.tokens[...], at: $0) } ? nil
                : "expects body \(text), which the response schema of \(operation.id) cannot contain"
        }
    }
}
