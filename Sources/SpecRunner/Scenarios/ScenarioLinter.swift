import Foundation

/// Static checks of scenarios against the scenario schema and the spec, before anything is sent.
struct ScenarioLinter {
    let spec: OpenAPISpec
    /// `spec/scenario.schema.json`, if present.
    let scenarioSchema: SchemaValidator?

    /// Every problem in one scenario file, each naming the file and the step.
    func problems(in loaded: ScenarioLoader.Loaded) -> [String] {
        var problems: [String] = []
        if let scenarioSchema {
            problems += scenarioSchema.validate(loaded.document).map { "\(loaded.file): scenario schema: \($0)" }
        }
        let scenario = loaded.scenario
        var defined = Set(scenario.requires)
        for variable in scenario.variables {
            problems += undefined(in: variable.value, defined: defined).map { "\(loaded.file): variable \(variable.name) uses undefined '\($0)'" }
            defined.insert(variable.name)
        }
        var capturedSoFar = defined
        for (index, step) in (scenario.steps + scenario.finally).enumerated() {
            let label = "\(loaded.file): step \(index + 1) '\(step.name)'"
            if index == scenario.steps.count {
                // `finally` steps may use anything any step captures.
                capturedSoFar.formUnion(scenario.steps.flatMap(\.capture.keys))
            }
            if let id = step.operation {
                if let operation = spec.operations[id] {
                    for status in step.expect.status where spec.response(for: operation, status: status) == nil {
                        problems.append("\(label): expects status \(status), which \(id) does not document")
                    }
                    for name in Self.pathParameters(operation.path) where step.path[name] == nil {
                        problems.append("\(label): path parameter '\(name)' of \(id) is not given")
                    }
                } else {
                    problems.append("\(label): operation '\(id)' is not in the spec")
                }
            }
            if let schema = step.expect.schema, JSONPointer(schema)?.resolve(in: spec.document) == nil {
                problems.append("\(label): schema '\(schema)' is not in the spec")
            }
            for pointer in step.expect.body.keys where JSONPointer(pointer) == nil {
                problems.append("\(label): '\(pointer)' is not a JSON Pointer")
            }
            problems += undefined(in: Self.templates(of: step), defined: capturedSoFar).map { "\(label): uses '\($0)' before it is defined" }
            capturedSoFar.formUnion(step.capture.keys)
        }
        return problems
    }

    private func undefined(in value: JSONValue, defined: Set<String>) -> [String] {
        switch value {
        case .string(let text): Template.references(in: text).filter { !defined.contains($0) }
        case .array(let array): array.flatMap { undefined(in: $0, defined: defined) }
        case .object(let object): object.values.flatMap { undefined(in: $0, defined: defined) }
        default: []
        }
    }

    /// Every templated text of a step, as one JSON value to search.
    private static func templates(of step: Step) -> JSONValue {
        var texts: [JSONValue] = [.object(step.path), .object(step.query), .object(step.headers), step.body ?? .null]
        texts += [step.rawBody, step.auth?.bearer, step.auth?.apiKey, step.request?.path].compactMap { $0.map(JSONValue.string) }
        let matchers = Array(step.expect.body.values) + Array(step.expect.headers.values) + [step.expect.text].compactMap { $0 }
        texts += matchers.flatMap { [$0.equals, $0.notEquals, $0.contains.map(JSONValue.string)].compactMap { $0 } }
        texts += [step.expect.bodySubset].compactMap { $0 }
        return .array(texts)
    }

    static func pathParameters(_ path: String) -> [String] {
        path.split(separator: "/").filter { $0.hasPrefix("{") && $0.hasSuffix("}") }.map { String($0.dropFirst().dropLast()) }
    }
}
