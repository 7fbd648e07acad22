import Foundation
import Testing
import JSONValues

@testable import SpecRunnerKit

@Suite("Validator messages and formats")
struct ValidatorMessageTests {
    @Test func issueNamesPointerSchemaPathExpectedAndFound() throws {
        let document = try JSONValue.parse(#"{"components":{"schemas":{"E":{"type":"object","properties":{"code":{"type":"string","pattern":"^[a-z]+$"}}}}}}"#)
        let issues = SchemaValidator(document: document).validate(try JSONValue.parse(#"{"code":"Bad Code"}"#), schemaAt: JSONPointer("#/components/schemas/E")!)
        let issue = try #require(issues.first)
        #expect(issue.instancePath.description == "/code")
        #expect(issue.schemaPath == "#/components/schemas/E/properties/code/pattern")
        #expect(issue.message.contains("^[a-z]+$") && issue.message.contains("Bad Code"))
    }

    @Test func oneOfExplainsEveryBranch() throws {
        let schema = try JSONValue.parse(#"{"oneOf":[{"type":"string"},{"type":"null"}]}"#)
        let issue = try #require(SchemaValidator(document: schema).validate(.number(3)).first)
        #expect(issue.message.contains("[0]") && issue.message.contains("expected string"))
        #expect(issue.message.contains("[1]") && issue.message.contains("expected null"))
    }

    @Test(arguments: [
        ("date-time", "2026-11-29T06:56:40Z", true), ("date-time", "2026-11-29 06:56:40", false),
        ("date-time", "2026-02-30T00:00:00Z", false), ("date-time", "1998-12-31T23:59:60Z", true),
        ("email", "alice@example.com", true), ("email", "alice example.com", false),
        ("uuid", "2eb8aa08-aa98-11ea-b4aa-73b441d16380", true), ("uuid", "2eb8aa08-aa98-11ea-b4aa", false),
    ])
    func formatsAreAssertedForResponses(format: String, value: String, valid: Bool) throws {
        let schema = JSONValue.object(["type": .string("string"), "format": .string(format)])
        #expect(SchemaValidator(document: schema).validate(.string(value)).isEmpty == valid)
        #expect(SchemaValidator(document: schema, assertFormats: false).validate(.string(value)).isEmpty)
    }

    @Test func componentReferencesResolve() throws {
        let spec = try ScenarioTests.spec()
        let summary = try JSONValue.parse(#"[{"id":"k","name":"n","active":true,"prefix":"sk-abc","created_at":"2026-11-29T06:56:40Z","last_used_at":null}]"#)
        let pointer = try #require(spec.operations["listApiKeys"].flatMap { spec.response(for: $0, status: 200) }?.content["application/json"] ?? nil)
        #expect(spec.validator.validate(summary, schemaAt: pointer).isEmpty)
        let original = try JSONValue.parse(#"[{"id":"k","name":"n","active":1,"created_at":"2026-11-29 06:56:40"}]"#)
        let issues = spec.validator.validate(original, schemaAt: pointer).map(\.description)
        #expect(issues.contains { $0.contains("/0/active") && $0.contains("expected boolean") })
        #expect(issues.contains { $0.contains("missing required property 'prefix'") })
    }

    @Test func specLintIsCleanAndFindsBrokenReferences() throws {
        let spec = try ScenarioTests.spec()
        let data = try Data(contentsOf: ScenarioTests.root.appendingPathComponent("spec/openapi.json"))
        #expect(spec.lint().isEmpty)
        let broken = Data(String(decoding: data, as: UTF8.self).replacingOccurrences(of: "#/components/schemas/Token", with: "#/components/schemas/Nope").utf8)
        let problems = try OpenAPISpec(data: broken, source: "broken").lint()
        #expect(problems.contains { $0.contains("'#/components/schemas/Nope' does not resolve") })
    }

    @Test func aYAMLSpecReadsLikeJSONAndOperationsWithoutIdAreNamedByMethodAndPath() throws {
        let yaml = """
            openapi: 3.1.0
            info: { title: Notes, version: "1" }
            paths:
              /notes/{note_id}:
                get:
                  parameters: [{ name: note_id, in: path, required: true, schema: { type: integer } }]
                  responses: { "200": { description: A note } }
                delete:
                  operationId: deleteNote
                  responses: { "204": { description: Gone } }
            """
        let spec = try OpenAPISpec(data: Data(yaml.utf8), source: "notes.yaml")
        #expect(Set(spec.operations.keys) == ["GET /notes/{note_id}", "deleteNote"])
        #expect(spec.operation(named: "DELETE /notes/{note_id}")?.id == "deleteNote")
        #expect(spec.operation(named: "get /notes/{note_id}")?.id == "GET /notes/{note_id}")
        #expect(spec.lint().contains("warning: GET /notes/{note_id} has no operationId; it is named 'GET /notes/{note_id}' in scenarios and reports"))
        #expect(throws: SpecError.self) { try OpenAPISpec(data: Data("just text".utf8), source: "x") }
    }
}
