import Foundation
import CommandLineSupport
import JSONValues

/// Static checks of scenarios against the scenario schema and the spec, before anything is sent.
struct ScenarioLinter {
    let spec: OpenAPISpec
    /// `spec/scenario.schema.json`, if present.
    let scenarioSchema: SchemaValidator?

    /// Every problem in one scenario file, each naming the file and the step.
    func problems(in loaded: ScenarioLoader.Loaded) -> [String] {
        var problems: [String] = []
        if let scenarioSchema {
            problems += scenarioSchema.validate(loaded.document).map { issue in
                "\(loaded.file): scenario schema: \(issue)" + unknownKeyHint(issue, in: scenarioSchema)
            }
        }
        let scenario = loaded.scenario
        var defined = Set(scenario.requires)
        for variable in scenario.variables {
            problems += variable.value.templateReferences.filter { !defined.contains($0) }.map { "\(loaded.file): variable \(variable.name) uses undefined '\($0)'" }
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
                if let operation = spec.operation(named: id) {
                    for status in step.expect.status where spec.response(for: operation, status: status) == nil {
                        problems.append("\(label): expects status \(status), which \(id) does not document")
                    }
                    for name in Self.pathParameters(operation.path) where step.path[name] == nil && step.url == nil {
                        problems.append("\(label): path parameter '\(name)' of \(id) is not given")
                    }
                    problems += StepCheck(spec: spec, operation: operation, step: step).problems().map { "\(label): \($0)" }
                } else {
                    problems.append("\(label): operation '\(id)' is not in the spec" + Suggestion.hint(for: id, in: spec.operations.keys))
                }
            }
            if let schema = step.expect.schema, JSONPointer(schema)?.resolve(in: spec.document) == nil {
                problems.append("\(label): schema '\(schema)' is not in the spec")
            }
            if step.expect.closed {
                problems += Self.closedProblems(step).map { "\(label): \($0)" }
            }
            if step.stopBodyAfter != nil, step.body == nil, step.rawBody == nil, step.form == nil {
                problems.append("\(label): stopBodyAfter needs a body (body, rawBody or form) to stop")
            }
            if step.background {
                problems += Self.backgroundProblems(step, isFinally: index >= scenario.steps.count).map { "\(label): \($0)" }
            }
            if step.hold {
                problems += Self.holdProblems(step).map { "\(label): \($0)" }
                if step.stopBodyAfter != nil || step.stopHeadAfter != nil {
                    problems.append("\(label): a step that stops its request cannot also hold its answer")
                }
            }
            if let stream = step.expect.stream, stream.error == false, !stream.errorEvent.isEmpty {
                problems.append("\(label): expect.stream says error: false and what its error event holds (errorEvent)")
            }
            for pointer in step.expect.body.keys where JSONPointer(pointer) == nil {
                problems.append("\(label): '\(pointer)' is not a JSON Pointer")
            }
            problems += step.references.filter { !capturedSoFar.contains($0) }.map { "\(label): uses '\($0)' before it is defined" }
            capturedSoFar.formUnion(step.capture.keys)
        }
        return problems
    }

    /// What a `background` step cannot do: capture (later steps run before its answer comes), hold or stop its
    /// request, release held answers, or run in `finally` (nothing follows it there).
    static func backgroundProblems(_ step: Step, isFinally: Bool) -> [String] {
        var problems = step.capture.keys.sorted().map { "runs in the background, so '\($0)' cannot be captured from it" }
        let combined = [("hold", step.hold), ("release", step.release), ("stopBodyAfter", step.stopBodyAfter != nil), ("stopHeadAfter", step.stopHeadAfter != nil)]
        problems += combined.filter(\.1).map { "runs in the background, so it cannot also say \($0.0)" }
        if isFinally { problems.append("a finally step cannot run in the background") }
        return problems
    }

    /// What a `hold` step asks of a body it does not read: body, text and stream expectations, body captures.
    static func holdProblems(_ step: Step) -> [String] {
        let unread = step.expect.stated.filter { [.body, .bodySubset, .text, .schema, .stream].contains($0) }.map(\.rawValue)
        let captures = step.capture.filter { $0.value.body != nil }.keys.sorted()
        return unread.map { "holds its answer open, so its body is not read: expect.\($0) cannot be checked" }
            + captures.map { "holds its answer open, so its body is not read: '\($0)' cannot be captured from it" }
    }

    /// What a step that expects no answer (`expect.closed`) cannot also expect of one, and captures it cannot take.
    static func closedProblems(_ step: Step) -> [String] {
        let answered = step.expect.stated.filter { ![.values, .closed].contains($0) }.map(\.rawValue)
        return answered.map { "expects the connection closed without an answer, so expect.\($0) cannot be checked" }
            + (step.capture.isEmpty ? [] : ["expects the connection closed without an answer, so it can capture nothing"])
    }

    /// For a key the scenario schema does not allow, the nearest key it does allow at that place.
    private func unknownKeyHint(_ issue: ValidationIssue, in schema: SchemaValidator) -> String {
        guard issue.message.hasSuffix("is not allowed here"), let name = issue.instancePath.tokens.last,
              let keyword = issue.schemaPath.split(separator: "#").last.map(String.init),
              let object = JSONPointer("#" + keyword)?.tokens.dropLast(), let properties = JSONPointer(tokens: Array(object) + ["properties"]).resolve(in: schema.document)?.objectValue
        else { return "" }
        return Suggestion.hint(for: name, in: properties.keys)
    }

    static func pathParameters(_ path: String) -> [String] {
        path.split(separator: "/").filter { $0.hasPrefix("{") && $0.hasSuffix("}") }.map { String($0.dropFirst().dropLast()) }
    }
}
