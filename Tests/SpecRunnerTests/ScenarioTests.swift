import Foundation
import Testing
import Yams
import JSONValues

@testable import SpecRunnerKit

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

    @Test func lintRefusesWhatAHeldStepCannotCheck() throws {
        let yaml = """
            name: held
            steps:
              - operation: chatCompletions
                body: { stream: true, messages: [{ role: user, content: hi }] }
                hold: true
                expect: { status: 200, body: { /response: hi }, stream: { minEvents: 1 } }
                capture: { request: { header: X-Request-Id }, text: /response }
            """
        let problems = try Self.linter().problems(in: ScenarioLoader.load(text: yaml, file: "held.yaml"))
        #expect(problems.contains { $0.contains("expect.body cannot be checked") })
        #expect(problems.contains { $0.contains("expect.stream cannot be checked") })
        #expect(problems.contains { $0.contains("'text' cannot be captured") })
        #expect(!problems.contains { $0.contains("'request' cannot be captured") }, "a header comes with the head")
    }

    @Test func lintRefusesWhatABackgroundStepCannotDo() throws {
        let yaml = """
            name: background
            steps:
              - operation: getHealth
                background: true
                hold: true
                capture: { request: { header: X-Request-Id } }
            finally:
              - operation: getHealth
                background: true
            """
        let problems = try Self.linter().problems(in: ScenarioLoader.load(text: yaml, file: "background.yaml"))
        #expect(problems.contains { $0.contains("runs in the background, so 'request' cannot be captured from it") })
        #expect(problems.contains { $0.contains("runs in the background, so it cannot also say hold") })
        #expect(problems.contains { $0.contains("a finally step cannot run in the background") })
    }

    @Test func lintRefusesWhatAStepWithoutAnAnswerCannotCheck() throws {
        let yaml = """
            name: dropped
            steps:
              - operation: getHealth
                stopHeadAfter: 5
                hold: true
                expect: { closed: true, status: 200, body: { /status: ok } }
                capture: { request: { header: X-Request-Id } }
            """
        let problems = try Self.linter().problems(in: ScenarioLoader.load(text: yaml, file: "dropped.yaml"))
        #expect(problems.contains { $0.contains("expects the connection closed without an answer, so expect.status cannot be checked") })
        #expect(problems.contains { $0.contains("so expect.body cannot be checked") })
        #expect(problems.contains { $0.contains("so it can capture nothing") })
        #expect(problems.contains { $0.contains("a step that stops its request cannot also hold its answer") })
    }

    @Test func shippedProfileNamesOnlyRealScenariosStepsAndOperations() throws {
        let scenarios = try ScenarioLoader.load(folder: Self.root.appendingPathComponent("spec/scenarios")).map(\.scenario)
        let profile = try Profile.load(file: Self.root.appendingPathComponent("spec/profiles/original.yaml"))
        #expect(profile.problems(spec: try Self.spec(), scenarios: scenarios).isEmpty)
        let broken = try Profile.parse("""
            name: broken
            paths: { nope: { path: /x, reason: r } }
            overlay:
              overlay: 1.0.0
              info: { title: t, version: "1" }
              actions:
                - { target: $.components.schemas.NoSuchSchema, description: d, remove: true }
                - { target: $.components.schemas.Error, update: { required: [error] } }
            matchers:
              - { body: /nowhere, reason: r, expect: { exists: false } }
              - { body: /code, reason: r }
            overrides:
              - { scenario: readme-flow, step: no such step, reason: r, expect: { status: 200 } }
              - { scenario: no-such-scenario, reason: r, expect: { status: 200 } }
              - { scenario: readme-flow, reason: r, expect: { status: 200 } }
              - { scenario: readme-flow, step: register, reason: r, expect: { status: 200 } }
            """, file: "broken.yaml")
        let problems = broken.problems(spec: try Self.spec(), scenarios: scenarios)
        #expect(problems.contains("paths: operation 'nope' is not in the spec"))
        #expect(problems.contains("overlay action 1 ($.components.schemas.NoSuchSchema): the target matches nothing in the spec"))
        #expect(problems.contains("overlay action 2 ($.components.schemas.Error): needs a description saying why"))
        #expect(problems.contains("matcher 1 (body /nowhere): no scenario step has such a matcher"))
        #expect(problems.contains("matcher 2 (body /code): needs exactly one of 'expect' or 'text: true'"))
        #expect(problems.contains("override 1 (readme-flow / no such step): matches no step"))
        #expect(problems.contains("override 2 (no-such-scenario / every step): no scenario named 'no-such-scenario'"))
        #expect(problems.contains("override 4 (readme-flow / register): never applies, every step it names is taken by an earlier override"))
    }

    @Test func anOverrideIsFoundByStepAndMatcherRulesReplaceOnlyTheirMatcher() throws {
        let profile = try Profile.parse("""
            name: p
            matchers:
              - { body: /code, reason: r, expect: { exists: false } }
              - { body: /response, operation: chatCompletions, reason: r, text: true }
            overrides:
              - { scenario: s, step: dup, reason: r, expect: { status: 400, body: { /error: x } } }
            """, file: "p.yaml")
        let scenario = try ScenarioLoader.load(text: """
            name: s
            steps:
              - name: dup
                operation: register
                expect: { status: 409, headers: { WWW-Authenticate: Bearer }, body: { /code: email_taken } }
              - name: other
                operation: register
                expect: { status: 400, body: { /code: invalid_email, /error: { contains: email } } }
              - name: chat
                operation: chatCompletions
                expect: { status: 200, body: { /response: { contains: hi } } }
            """, file: "s.yaml").scenario
        let overridden = try #require(profile.override(scenario: "s", step: scenario.steps[0])).expect
        #expect(overridden.status == [400] && overridden.headers.isEmpty && Set(overridden.body.keys) == ["/error"])
        // As judged: the step's matchers with the rules applied, then what the override states.
        let judged = profile.replacingMatchers(of: scenario.steps[0]).0.overridden(by: overridden)
        #expect(judged.status == [400] && judged.headers.keys.sorted() == ["WWW-Authenticate"] && judged.body["/code"]?.exists == false)
        #expect(profile.override(scenario: "s", step: scenario.steps[1]) == nil)
        let (replaced, rules) = profile.replacingMatchers(of: scenario.steps[1])
        #expect(replaced.status == [400] && Set(replaced.body.keys) == ["/code", "/error"])
        #expect(replaced.body["/code"]?.exists == false && rules.count == 1)
        let (chat, _) = profile.replacingMatchers(of: scenario.steps[2])
        #expect(chat.body.isEmpty && chat.text?.contains == "hi")
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
        #expect(try matcher("{ notContains: secret }").failure(for: .string("no secrets"), render: identity) != nil)
        #expect(try matcher("{ notContains: foreign }").failure(for: .array([.string("mine"), .string("foreign key")]), render: identity) != nil)
        #expect(try matcher("{ notContains: foreign }").failure(for: .array([.string("mine")]), render: identity) == nil)
        #expect(try matcher("{ type: integer }").failure(for: .string("x"), render: identity)?.hasPrefix("expected an integer") == true)
        let template = Template(runId: "r1", variables: ["id": .string("abc")])
        #expect(try matcher("{ matches: '^key-{{ id }}$' }").failure(for: .string("key-abc"), render: template.render) == nil)
        #expect(try matcher("{ matches: '^key-{{ id }}$' }").failure(for: .string("key-xyz"), render: template.render) != nil)
    }

    @Test func bodySubsetReportsEachDifference() {
        let differences = BodySubset.differences(
            expected: .object(["a": .number(1), "b": .object(["c": .string("x")]), "d": .null]),
            actual: .object(["a": .number(2), "b": .object(["c": .string("x")])]), at: .root)
        #expect(differences == ["body subset /a: expected 1, found 2", "body subset /d: missing"])
    }

    /// A profile's override states what differs; the step's other checks stay, except JSON checks once it states
    /// a body that is not JSON.
    @Test func anOverrideReplacesWhatItStatesAndKeepsTheRest() throws {
        func expectation(_ yaml: String) throws -> SpecRunnerKit.Expectation {
            try JSONDecoder().decode(SpecRunnerKit.Expectation.self, from: JSONEncoder().encode(try JSONValue(any: try Yams.load(yaml: yaml))))
        }
        let step = try expectation("{ status: 200, headers: { link: { matches: cursor= } }, body: { '': { length: 2 }, /0/name: one } }")
        let pages = step.overridden(by: try expectation("{ body: { '': { length: 3 } }, headers: { Link: { exists: false } } }"))
        #expect(pages.status == [200] && pages.body.keys.sorted() == ["", "/0/name"] && pages.body[""]?.length == 3)
        #expect(pages.headers.keys.sorted() == ["Link"] && pages.headers["Link"]?.exists == false)
        let text = step.overridden(by: try expectation("{ status: 404, contentType: text/plain, text: Not Found }"))
        #expect(text.status == [404] && text.body.isEmpty && text.headers.keys.sorted() == ["link"] && text.text != nil)
    }
}

/// The scenario format is declared once, in the types' `CodingKeys`: the JSON Schema that lint checks files
/// against must name exactly the keys the decoder reads, at every level.
@Suite("Scenario format: one source")
struct ScenarioFormatSourceTests {
    static let schema: JSONValue = try! JSONValue.parse(String(contentsOf: ScenarioTests.root.appendingPathComponent("spec/scenario.schema.json"), encoding: .utf8))

    static func keys(_ pointer: String) -> Set<String> {
        Set(JSONPointer(pointer).flatMap { $0.resolve(in: schema) }?.objectValue?.keys.map { $0 } ?? [])
    }

    @Test func theSchemaNamesExactlyTheKeysTheDecoderReads() {
        let cases: [(String, Set<String>)] = [
            ("/properties", Set(Scenario.CodingKeys.allCases.map(\.rawValue))),
            ("/$defs/step/properties", Set(Step.CodingKeys.allCases.map(\.rawValue))),
            ("/$defs/step/properties/request/properties", Set(Step.RawRequest.CodingKeys.allCases.map(\.rawValue))),
            ("/$defs/step/properties/auth/properties", Set(Step.Auth.CodingKeys.allCases.map(\.rawValue))),
            ("/$defs/step/properties/retry/properties", Set(Step.Retry.CodingKeys.allCases.map(\.rawValue))),
            ("/$defs/step/properties/capture/additionalProperties/oneOf/1/properties", Set(Capture.CodingKeys.allCases.map(\.rawValue))),
            ("/$defs/expectation/properties", Set(Expectation.CodingKeys.allCases.map(\.rawValue))),
            ("/$defs/expectation/properties/stream/properties", Set(StreamExpectation.CodingKeys.allCases.map(\.rawValue))),
            ("/$defs/matcher/anyOf/0/properties", Matcher.keys),
        ]
        for (pointer, decoded) in cases {
            #expect(Self.keys(pointer) == decoded, "spec/scenario.schema.json at \(pointer) and the decoder disagree")
        }
        // The branch that tells a literal object from a matcher lists the matcher keys too.
        let listed = JSONPointer("/$defs/matcher/anyOf/2/not/propertyNames/enum").flatMap { $0.resolve(in: Self.schema) }?.arrayValue ?? []
        #expect(Set(listed.compactMap(\.stringValue)) == Matcher.keys)
    }
}
