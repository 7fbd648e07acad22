import Foundation
import Yams
import JSONValues

/// How a deployment differs from the reference contract (`spec/profiles/*.yaml`), every difference precise and
/// with its reason. A profile never switches a check off; it replaces expectations with other precise ones:
///
/// - `overlay`, an OpenAPI Overlay 1.0 document, turns the reference spec into the deployment's own contract
///   (schemas, statuses, headers); every response is validated against that contract.
/// - `matchers` replace, in every scenario step, a body or header matcher that the deployment's contract makes
///   wrong everywhere (e.g. `/code`, which its errors never carry) by another matcher.
/// - `overrides` replace the whole expectation of particular steps, for what a schema cannot say (this step
///   answers 400 instead of 409).
/// - `paths` say where the deployment serves an operation; `variables` are values it publishes (its JWT secret).
struct Profile: Decodable, Sendable {
    var name: String
    var description: String?
    /// Values the deployment publishes, for scenarios that `require` them; `--var` takes precedence.
    var variables: [String: String]
    /// Operation id -> where this deployment serves it.
    var paths: [String: PathOverride]
    var overlay: Overlay?
    var matchers: [MatcherRule]
    var overrides: [Override]

    struct PathOverride: Decodable, Sendable {
        var path: String
        var reason: String
    }

    /// A body matcher (`body`, a JSON Pointer) or header matcher (`header`) of the scenarios, replaced by `expect`
    /// wherever a step has one (only in steps of `operation`, when given); or, with `text: true`, a body matcher
    /// moved to the body's text (for a deployment that answers with the value itself as text).
    struct MatcherRule: Decodable, Sendable {
        var body: String?
        var header: String?
        var operation: String?
        var reason: String
        var expect: Matcher?
        var text: Bool?

        /// What it replaces, as `body /code` or `header WWW-Authenticate`.
        var label: String { body.map { "body \($0)" } ?? "header \(header ?? "")" }

        func applies(to step: Step) -> Bool {
            operation.map { $0 == step.operation } ?? true
        }
    }

    /// What differs in the expectation of the steps it names (a step of `scenario` by name, or every step of an
    /// operation in that scenario): `expect` states it, and the step's other checks stay (`Expectation.overridden`).
    struct Override: Decodable, Sendable {
        var scenario: String
        var step: String?
        var operation: String?
        var reason: String
        var expect: Expectation

        var label: String { "\(scenario) / \(step ?? operation.map { "operation \($0)" } ?? "every step")" }

        func matches(scenario: String, step: Step) -> Bool {
            self.scenario == scenario && (self.step.map { $0 == step.name } ?? true) && (operation.map { $0 == step.operation } ?? true)
        }
    }

    private enum CodingKeys: String, CodingKey {
        case name, description, variables, paths, overlay, matchers, overrides
    }

    init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        name = try container.decode(String.self, forKey: .name)
        description = try container.decodeIfPresent(String.self, forKey: .description)
        variables = try container.decodeIfPresent([String: String].self, forKey: .variables) ?? [:]
        paths = try container.decodeIfPresent([String: PathOverride].self, forKey: .paths) ?? [:]
        overlay = try container.decodeIfPresent(Overlay.self, forKey: .overlay)
        matchers = try container.decodeIfPresent([MatcherRule].self, forKey: .matchers) ?? []
        overrides = try container.decodeIfPresent([Override].self, forKey: .overrides) ?? []
    }

    /// The override of a step, if one names it (the first, in file order).
    func override(scenario: String, step: Step) -> Override? {
        overrides.first { $0.matches(scenario: scenario, step: step) }
    }

    /// The step's expectation with every matcher rule that applies to it in place of the scenario's matcher,
    /// and the rules applied.
    func replacingMatchers(of step: Step) -> (Expectation, [MatcherRule]) {
        var expectation = step.expect
        var applied: [MatcherRule] = []
        for rule in matchers where rule.applies(to: step) {
            if let pointer = rule.body, let matcher = expectation.body[pointer] {
                expectation.body[pointer] = rule.expect
                if rule.text == true, expectation.text == nil { expectation.text = matcher }
                applied.append(rule)
            } else if let header = rule.header, let key = expectation.headers.keys.first(where: { $0.caseInsensitiveCompare(header) == .orderedSame }) {
                expectation.headers[key] = rule.expect
                applied.append(rule)
            }
        }
        return (expectation, applied)
    }

    /// The deployment's contract: `spec` with the overlay applied (the spec itself when there is none).
    func contract(from spec: OpenAPISpec) throws -> OpenAPISpec {
        guard let overlay else { return spec }
        return try OpenAPISpec(document: try overlay.apply(to: spec.document), source: "\(spec.source) with the profile '\(name)'")
    }

    /// The contract without overlay action `index`, to tell which actions a response needs.
    func contract(from spec: OpenAPISpec, skippingAction index: Int) throws -> OpenAPISpec {
        try OpenAPISpec(document: try overlay!.apply(to: spec.document, skipping: index), source: spec.source)
    }

    /// Loads the profile file at `url`.
    static func load(file url: URL) throws -> Profile {
        let text: String
        do { text = try String(contentsOf: url, encoding: .utf8) } catch {
            throw SpecError("cannot read the profile \(url.path): \(error.localizedDescription)")
        }
        return try parse(text, file: url.lastPathComponent)
    }

    static func parse(_ text: String, file: String) throws -> Profile {
        do {
            let document = try JSONValue(any: try Yams.load(yaml: text))
            return try JSONDecoder().decode(Profile.self, from: JSONEncoder().encode(document))
        } catch let error as DecodingError {
            throw SpecError("\(file): \(ScenarioLoader.describe(error))")
        } catch {
            throw SpecError("\(file): not valid YAML: \(error)")
        }
    }

    /// Entries that name nothing or cannot apply: a profile must not silently cover nothing.
    func problems(spec: OpenAPISpec, scenarios: [Scenario]) -> [String] {
        var problems = overlay?.problems(document: spec.document) ?? []
        for (id, _) in paths where spec.operations[id] == nil {
            problems.append("paths: operation '\(id)' is not in the spec")
        }
        let steps = scenarios.flatMap { scenario in (scenario.steps + scenario.finally).map { (scenario.name, $0) } }
        for (index, rule) in matchers.enumerated() {
            let label = "matcher \(index + 1) (\(rule.label))"
            if (rule.body == nil) == (rule.header == nil) { problems.append("\(label): needs exactly one of 'body' or 'header'") }
            if (rule.expect == nil) == (rule.text != true) { problems.append("\(label): needs exactly one of 'expect' or 'text: true'") }
            if rule.text == true, rule.body == nil { problems.append("\(label): 'text: true' moves a body matcher, so it needs 'body'") }
            if let operation = rule.operation, spec.operations[operation] == nil {
                problems.append("\(label): operation '\(operation)' is not in the spec")
            }
            if !steps.contains(where: { _, step in rule.applies(to: step) && replaces(rule, in: step) }) {
                problems.append("\(label): no scenario step has such a matcher")
            }
        }
        for (index, override) in overrides.enumerated() {
            let label = "override \(index + 1) (\(override.label))"
            if override.reason.isEmpty { problems.append("\(label): needs a reason") }
            if let operation = override.operation, spec.operations[operation] == nil {
                problems.append("\(label): operation '\(operation)' is not in the spec")
            }
            guard scenarios.contains(where: { $0.name == override.scenario }) else {
                problems.append("\(label): no scenario named '\(override.scenario)'")
                continue
            }
            if !steps.contains(where: { override.matches(scenario: $0.0, step: $0.1) }) {
                problems.append("\(label): matches no step")
            }
            let mine = steps.filter { override.matches(scenario: $0.0, step: $0.1) }
            if !mine.isEmpty, mine.allSatisfy({ step in overrides[..<index].contains { $0.matches(scenario: step.0, step: step.1) } }) {
                problems.append("\(label): never applies, every step it names is taken by an earlier override")
            }
        }
        return problems
    }

    private func replaces(_ rule: MatcherRule, in step: Step) -> Bool {
        if let pointer = rule.body { return step.expect.body[pointer] != nil }
        return step.expect.headers.keys.contains { $0.caseInsensitiveCompare(rule.header ?? "") == .orderedSame }
    }
}
