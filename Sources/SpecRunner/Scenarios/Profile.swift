import Foundation
import Yams

/// How a deployment differs from the reference contract (`spec/profiles/*.yaml`), each difference with its reason.
///
/// A step that a deviation matches is checked against the deviation's expectation instead of the contract's;
/// where the deployment then differs from the contract, the difference is reported as a known deviation,
/// not a failure. A difference the profile does not record stays a failure.
struct Profile: Decodable, Sendable {
    var name: String
    var description: String?
    /// Operation id -> where this deployment serves it.
    var paths: [String: PathOverride]
    var deviations: [Deviation]

    struct PathOverride: Decodable, Sendable {
        var path: String
        var reason: String
    }

    /// A recorded difference: which steps it covers (every selector given must match, `status` against the
    /// response) and how their expectation changes there.
    struct Deviation: Decodable, Sendable {
        var scenario: String?
        var step: String?
        var operation: String?
        /// Statuses of the response this deviation covers.
        var status: [Int]?
        var reason: String
        /// Replaces the step's status, content type, text and schema expectations, and adds to or replaces its
        /// header and body matchers.
        var expect: Expectation?
        /// Expectations that do not apply to this deployment: body matchers by JSON Pointer (`/code`),
        /// `schema`, `contentType`, `text`, `bodySubset`, `stream`, or a header name.
        var unchecked: [String]?

        /// Whether it names particular steps, rather than covering whatever matches its operation or status.
        var isSpecific: Bool { scenario != nil || step != nil }

        func matches(scenario: String, step: Step, status: Int) -> Bool {
            (self.scenario.map { $0 == scenario } ?? true) && (self.step.map { $0 == step.name } ?? true)
                && (operation.map { $0 == step.operation } ?? true) && (self.status.map { $0.contains(status) } ?? true)
        }

        /// The step's expectation as this deviation changes it.
        func patch(_ expectation: Expectation) -> Expectation {
            var patched = expectation
            if let expect {
                if !expect.status.isEmpty { patched.status = expect.status }
                if let contentType = expect.contentType { patched.contentType = contentType }
                if let text = expect.text { patched.text = text }
                if let schema = expect.schema { patched.schema = schema }
                if let subset = expect.bodySubset { patched.bodySubset = subset }
                patched.headers.merge(expect.headers) { $1 }
                patched.body.merge(expect.body) { $1 }
            }
            for entry in unchecked ?? [] {
                switch entry {
                case "schema": patched.schema = nil
                case "contentType": patched.contentType = nil
                case "text": patched.text = nil
                case "bodySubset": patched.bodySubset = nil
                case "stream": patched.stream = nil
                case _ where entry.hasPrefix("/"): patched.body[entry] = nil
                default: patched.headers = patched.headers.filter { $0.key.caseInsensitiveCompare(entry) != .orderedSame }
                }
            }
            return patched
        }
    }

    private enum CodingKeys: String, CodingKey {
        case name, description, paths, deviations
    }

    init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        name = try container.decode(String.self, forKey: .name)
        description = try container.decodeIfPresent(String.self, forKey: .description)
        paths = try container.decodeIfPresent([String: PathOverride].self, forKey: .paths) ?? [:]
        deviations = try container.decodeIfPresent([Deviation].self, forKey: .deviations) ?? []
    }

    /// Every deviation that covers a step with a response of `status`, in file order.
    func deviations(scenario: String, step: Step, status: Int) -> [Deviation] {
        deviations.filter { $0.matches(scenario: scenario, step: step, status: status) }
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

    /// Selectors that name nothing in the spec or the scenarios: a profile must not silently cover nothing.
    func problems(spec: OpenAPISpec, scenarios: [Scenario]) -> [String] {
        var problems = paths.keys.filter { spec.operations[$0] == nil }.map { "paths: operation '\($0)' is not in the spec" }
        for (index, deviation) in deviations.enumerated() {
            let label = "deviation \(index + 1)"
            if let operation = deviation.operation, spec.operations[operation] == nil {
                problems.append("\(label): operation '\(operation)' is not in the spec")
            }
            let candidates = scenarios.filter { scenario in deviation.scenario.map { $0 == scenario.name } ?? true }
            if candidates.isEmpty {
                problems.append("\(label): no scenario named '\(deviation.scenario ?? "")'")
            } else if !candidates.contains(where: { scenario in
                (scenario.steps + scenario.finally).contains { step in
                    (deviation.step.map { $0 == step.name } ?? true) && (deviation.operation.map { $0 == step.operation } ?? true)
                }
            }) {
                problems.append("\(label): matches no step (scenario \(deviation.scenario ?? "*"), step \(deviation.step ?? "*"), operation \(deviation.operation ?? "*"))")
            }
        }
        return problems
    }
}

/// A difference between the contract and a deployment, observed in a run and recorded by the profile.
struct ObservedDeviation: Sendable {
    let scenario: String
    let step: String
    /// What the contract expected, from the checks that failed against the reference.
    let contract: [String]
    /// What the deployment answered.
    let deployment: String
    let reason: String
}
