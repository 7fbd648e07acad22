import Foundation
import Testing
import Yams

@testable import SpecRunner

@Suite("Scenario files, matchers and lint")
struct ScenarioTests {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    static func spec() throws -> OpenAPISpec {
        try OpenAPISpec(contentsOf: root.appendingPathComponent("spec/openapi.json"))
    }

    static func linter() throws -> ScenarioLinter {
        let schema = try JSONValue.parse(Data(contentsOf: root.appendingPathComponent("spec/scenario.schema.json")))
        return ScenarioLinter(spec: try spec(), scenarioSchema: SchemaValidator(document: schema))
    }

    @Test func shippedScenariosAreValid() throws {
        let linter = try Self.linter()
        let loaded = try ScenarioLoader.load(folder: Self.root.appendingPathComponent("spec/scenarios"))
        #expect(loaded.count >= 15)
        #expect(loaded.flatMap(linter.problems).isEmpty)
    }

    @Test func lintFindsUndefinedVariablesUnknownOperationsAndUndocumentedStatuses() throws {
        let yaml = """
            name: broken
            steps:
              - operation: listApiKeys
                auth: { bearer: "{{ token }}" }
                expect: { status: 418 }
              - operation: noSuchOperation
              - operation: revokeApiKey
                colour: red
            """
        let problems = try Self.linter().problems(in: ScenarioLoader.load(text: yaml, file: "broken.yaml"))
        #expect(problems.contains { $0.contains("uses 'token' before it is defined") })
        #expect(problems.contains { $0.contains("expects status 418, which listApiKeys does not document") })
        #expect(problems.contains { $0.contains("operation 'noSuchOperation' is not in the spec") })
        #expect(problems.contains { $0.contains("path parameter 'keyId' of revokeApiKey is not given") })
        #expect(problems.contains { $0.contains("'colour' is not allowed") })
    }

    @Test func shippedProfileNamesOnlyRealScenariosStepsAndOperations() throws {
        let scenarios = try ScenarioLoader.load(folder: Self.root.appendingPathComponent("spec/scenarios")).map(\.scenario)
        let profile = try Profile.load(file: Self.root.appendingPathComponent("spec/profiles/original.yaml"))
        #expect(profile.problems(spec: try Self.spec(), scenarios: scenarios).isEmpty)
        let broken = try Profile.parse("""
            name: broken
            paths: { nope: { path: /x, reason: r } }
            deviations:
              - { scenario: readme-flow, step: no such step, reason: r }
              - { scenario: no-such-scenario, reason: r }
            """, file: "broken.yaml")
        let problems = broken.problems(spec: try Self.spec(), scenarios: scenarios)
        #expect(problems.contains("paths: operation 'nope' is not in the spec"))
        #expect(problems.contains { $0.hasPrefix("deviation 1: matches no step") })
        #expect(problems.contains("deviation 2: no scenario named 'no-such-scenario'"))
    }

    @Test func deviationPatchesOnlyWhatItNames() throws {
        let profile = try Profile.parse("""
            name: p
            deviations:
              - { reason: r, expect: { status: 400, body: { /error: x } }, unchecked: [/code, WWW-Authenticate, schema] }
            """, file: "p.yaml")
        var expectation = Expectation()
        expectation.status = [409]
        expectation.schema = "#/components/schemas/Error"
        expectation.headers = ["www-authenticate": try JSONDecoder().decode(Matcher.self, from: Data(#""Bearer""#.utf8))]
        expectation.body = ["/code": try JSONDecoder().decode(Matcher.self, from: Data(#""email_taken""#.utf8))]
        let patched = profile.deviations[0].patch(expectation)
        #expect(patched.status == [400])
        #expect(patched.schema == nil && patched.headers.isEmpty)
        #expect(Set(patched.body.keys) == ["/error"])
    }

    @Test func loadErrorsNameTheFileAndPlace() {
        #expect {
            try ScenarioLoader.load(text: "steps:\n  - operation: login\n    expect: { status: [x] }\n", file: "bad.yaml")
        } throws: { error in
            "\(error)".contains("bad.yaml") && "\(error)".contains("steps[0].expect.status")
        }
        #expect(throws: SpecError.self) { try ScenarioLoader.load(text: "steps: [", file: "bad.yaml") }
        #expect(throws: SpecError.self) { try ScenarioLoader.load(text: "steps:\n  - name: neither\n", file: "bad.yaml") }
    }

    func matcher(_ yaml: String) throws -> Matcher {
        let value = try JSONValue(any: try Yams.load(yaml: yaml))
        return try JSONDecoder().decode(Matcher.self, from: JSONEncoder().encode(value))
    }

    @Test func matchersCheckWhatTheyName() throws {
        let identity: (JSONValue) throws -> JSONValue = { $0 }
        #expect(try matcher("hello").failure(for: .string("hello"), render: identity) == nil)
        #expect(try matcher("hello").failure(for: .string("bye"), render: identity) != nil)
        #expect(try matcher("{ matches: '^sk-' }").failure(for: .string("sk-abc"), render: identity) == nil)
        #expect(try matcher("{ exists: false }").failure(for: nil, render: identity) == nil)
        #expect(try matcher("{ exists: false }").failure(for: .string("x"), render: identity) != nil)
        #expect(try matcher("{ type: integer }").failure(for: .number(1.5), render: identity) != nil)
        #expect(try matcher("{ length: 2 }").failure(for: .array([.null, .null]), render: identity) == nil)
        #expect(try matcher("{ contains: lo w }").failure(for: .string("hello world"), render: identity) == nil)
        #expect(try matcher("{ a: 1 }").failure(for: .object(["a": .number(1)]), render: identity) == nil)
    }

    @Test func bodySubsetReportsEachDifference() {
        let differences = BodySubset.differences(
            expected: .object(["a": .number(1), "b": .object(["c": .string("x")]), "d": .null]),
            actual: .object(["a": .number(2), "b": .object(["c": .string("x")])]), at: .root)
        #expect(differences == ["body subset /a: expected 1, found 2", "body subset /d: missing"])
    }
}
