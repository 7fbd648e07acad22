import Foundation
import Testing
import JSONValues

@testable import SpecRunnerKit

/// The pieces that let SpecRunner serve an API other than ours: exact integers, credentials placed by security
/// scheme, cookies, form encoding, lint of steps against the spec, and secrets kept out of output.
@Suite("SpecRunner for any API")
struct ForeignAPITests {
    static func notesSpec() throws -> OpenAPISpec {
        try OpenAPISpec(contentsOf: ScenarioTests.root.appendingPathComponent("examples/notes-service/openapi.yaml"))
    }

    @Test func integersAbove2To53TravelExactly() throws {
        let value = try JSONValue.parse(#"{"id": 9007199254740993, "ratio": 0.5, "whole": 2.0}"#)
        #expect(value["id"] == .integer(9_007_199_254_740_993))
        #expect(value["id"]?.jsonText == "9007199254740993")
        #expect(value["id"] != .integer(9_007_199_254_740_992), "equals must not pass against the rounded value")
        #expect(value["whole"] == .integer(2) && value["whole"]?.typeName == "integer")
        let template = Template(runId: "r", variables: ["id": value["id"]!])
        #expect(try template.renderString("/notes/{{ id }}") == "/notes/9007199254740993")
        let validator = SchemaValidator(document: .object(["type": .string("integer"), "minimum": .integer(1)]))
        #expect(validator.validate(value["id"]!).isEmpty)
    }

    @Test func credentialsGoWhereTheirSecuritySchemeSays() throws {
        let spec = try Self.notesSpec()
        var headers: [(name: String, value: String)] = []
        var query: [(String, String)] = []
        spec.placement(ofScheme: "queryKey")?.apply("nk_1", headers: &headers, query: &query)
        spec.placement(ofScheme: "cookieSession")?.apply("s1", headers: &headers, query: &query)
        spec.placement(ofScheme: "adminBasic")?.apply("admin:pw", headers: &headers, query: &query)
        spec.placement(ofScheme: "bearer")?.apply("t1", headers: &headers, query: &query)
        #expect(query.map { "\($0.0)=\($0.1)" } == ["api_key=nk_1"])
        #expect(headers.map { "\($0.name): \($0.value)" } == ["Cookie: notes_session=s1", "Authorization: Basic YWRtaW46cHc=", "Authorization: Bearer t1"])
        #expect(spec.placement(ofScheme: "nothing") == nil)
        #expect(try ScenarioTests.spec().apiKeyPlacement == .header("X-API-Key"))
    }

    @Test func theCookieJarKeepsSetCookiesUntilTheyExpire() {
        var jar = CookieJar()
        jar.store(ReceivedResponse(status: 204, headers: [("Set-Cookie", "a=1; Path=/; HttpOnly"), ("set-cookie", "b=2")], body: Data()))
        var headers: [(name: String, value: String)] = [("Cookie", "b=mine")]
        jar.apply(to: &headers)
        #expect(headers.map(\.value) == ["b=mine; a=1"], "a step's own cookie wins by name")
        jar.store(ReceivedResponse(status: 204, headers: [("Set-Cookie", "a=; Max-Age=0"), ("Set-Cookie", "b=3; Expires=Thu, 01 Jan 1970 00:00:00 GMT")], body: Data()))
        #expect(jar.cookies.isEmpty)
    }

    @Test func formsAndQueriesEncodePlusAndSpaceApart() {
        #expect(FormEncoding.encode([("q", "a+b c"), ("x&y", "1=2")]) == "q=a%2Bb+c&x%26y=1%3D2")
    }

    @Test func lintChecksStepsAgainstTheirOperation() throws {
        let spec = try Self.notesSpec()
        let schema = try JSONValue.parse(Data(contentsOf: ScenarioTests.root.appendingPathComponent("spec/scenario.schema.json")))
        let linter = ScenarioLinter(spec: spec, scenarioSchema: SchemaValidator(document: schema))
        let yaml = """
            name: wrong
            steps:
              - operation: list_notes_notes_get
                query: { limt: 5 }
                body: { a: 1 }
                expect: { status: 200, body: { /items/0/colour: red, /total: 1, /nothing: { exists: false } } }
              - operation: login_token_post
                body: { username: u, password: p }
                expect: { status: 200 }
              - operation: create_note_notes_post
                headers: { Content-Type: text/plain }
                body: { title: 42 }
                expect: { status: 201 }
              - name: a bad body on purpose
                operation: create_note_notes_post
                body: { title: 42 }
                expect: { status: 422 }
              - operation: GET /notes/{note_id}
                path: { note_id: 1, noteId: 2 }
            """
        let problems = try linter.problems(in: ScenarioLoader.load(text: yaml, file: "wrong.yaml"))
        let expected = [
            "query parameter 'limt' is not a parameter of list_notes_notes_get (it has limit, offset, status)",
            "sends a body, but list_notes_notes_get takes none",
            "expects body /items/0/colour, which the response schema of list_notes_notes_get cannot contain",
            "sends application/json, but login_token_post accepts application/x-www-form-urlencoded (use form: for a form body)",
            "sends text/plain, but create_note_notes_post accepts application/json",
            "path parameter 'noteId' is not in /notes/{note_id} (it has note_id)",
        ]
        for message in expected {
            #expect(problems.contains { $0.hasSuffix(message) }, "missing: \(message)\n\(problems.joined(separator: "\n"))")
        }
        #expect(problems.count == expected.count, "\(problems.joined(separator: "\n"))")
        let wrongBody = "name: ok\nsteps:\n  - operation: create_note_notes_post\n    body: { title: 42 }\n    expect: { status: 201 }\n"
        let bodyProblems = try linter.problems(in: ScenarioLoader.load(text: wrongBody, file: "ok.yaml"))
        #expect(bodyProblems.contains { $0.contains("body /title: ") && $0.contains("requestBody of create_note_notes_post") }, "\(bodyProblems)")
    }

    @Test func secretsInFormsQueriesAndHeadersShowNoPartOfThemselves() {
        let request = SentRequest(
            method: "POST", url: "http://127.0.0.1/stats?api_key=nk_0123456789abcdef0123456789abcdef&limit=5",
            headers: [("Cookie", "notes_session=abcdef123456"), ("Content-Type", "application/x-www-form-urlencoded")],
            body: "username=bob&password=hunter2hunter2&client_secret=s3cr3t")
        let shown = Redaction.request(request)
        let text = ([shown.url, shown.body ?? ""] + shown.headers.map(\.value)).joined(separator: " ")
        for secret in ["nk_0123", "abcdef123456", "hunter2", "s3cr3t"] { #expect(!text.contains(secret), "\(secret) in \(text)") }
        #expect(text.contains("username=bob") && text.contains("limit=5"))
        let response = ReceivedResponse(status: 200, headers: [], body: Data(#"{"access_token":"opaque-token-value-123","token_type":"bearer"}"#.utf8))
        #expect(!Redaction.excerpt(of: response).contains("opaque-token"))
    }
}
