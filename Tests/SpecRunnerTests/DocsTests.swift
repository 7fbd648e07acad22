import Foundation
import Testing

@testable import SpecRunnerKit

@Suite("Generated documentation")
struct DocsTests {
    static func blocks(recording: ScenarioResult? = nil, normalizer: ExampleNormalizer? = nil) throws -> [DocBlock] {
        ReferenceBuilder(spec: try ScenarioTests.spec(), recording: recording, normalizer: normalizer, shownBaseURL: "http://127.0.0.1:8787").build()
    }

    @Test func everyOperationAndEveryResponseStatusIsDocumented() throws {
        let spec = try ScenarioTests.spec()
        let markdown = DocRenderer.markdown(try Self.blocks())
        for operation in spec.operations.values {
            #expect(markdown.contains("`\(operation.method) \(operation.path)`"), "\(operation.id)")
            #expect(markdown.contains("<a id=\"\(operation.id)\"></a>"))
        }
        #expect(markdown.contains("| `409` | An account with this email exists already."))
        #expect(markdown.contains("curl -s -X POST 'http://127.0.0.1:8787/register'"))
        #expect(markdown.contains("<a id=\"schema-error\"></a>"))
    }

    @Test func aSpecWithoutTagsListsEveryOperation() throws {
        let yaml = """
            openapi: 3.1.0
            info: { title: Notes, version: "1" }
            paths:
              /notes: { get: { operationId: listNotes, responses: { "200": { description: Notes } } } }
              /notes/{id}: { get: { tags: [notes], responses: { "200": { description: A note } } } }
            """
        let spec = try OpenAPISpec(data: Data(yaml.utf8), source: "notes.yaml")
        let markdown = DocRenderer.markdown(ReferenceBuilder(spec: spec, recording: nil, normalizer: nil, shownBaseURL: "http://localhost").build())
        #expect(markdown.contains("## notes") && markdown.contains("## Other operations"))
        #expect(markdown.contains("`GET /notes`") && markdown.contains("`GET /notes/{id}`"))
        #expect(markdown.contains("from `notes.yaml`"))
    }

    @Test func htmlIsSelfContainedWithContentsAndEscapedText() throws {
        let html = DocRenderer.html(try Self.blocks(), title: "AI Worker API reference")
        #expect(html.hasPrefix("<!DOCTYPE html>"))
        #expect(!html.contains("src=") && !html.contains("<link ") && !html.contains(#"href="http"#), "the page must load nothing from elsewhere")
        #expect(html.contains(##"<li class="toc3"><a href="#createApiKey">"##))
        #expect(html.contains("&lt;TOKEN&gt;"))
        #expect(html.contains(##"<a href="#schema-credentials"><code>Credentials</code></a>"##))
        #expect(DocRenderer.inline("`a<b>` and **bold** [x](#y)") == ##"<code>a&lt;b&gt;</code> and <strong>bold</strong> <a href="#y">x</a>"##)
    }

    @Test func normalizerReplacesEverythingThatVariesBetweenRuns() {
        var result = ScenarioResult(name: "flow", file: "f", tags: [], outcome: .passed, steps: [], seconds: 0, calls: [])
        result.variables = ["token": .string("eyJabc.eyJdef.sig"), "keyId": .string("V1StGXR8_Z5jdHi6B-myT"), "email": .string("spec-r1-abcd@example.com")]
        result.runId = "r1x9zz"
        let normalizer = ExampleNormalizer(result: result, baseURL: "http://127.0.0.1:45678", shownBaseURL: "http://127.0.0.1:8787")
        let text = """
            POST http://127.0.0.1:45678/api-keys/revoke/V1StGXR8_Z5jdHi6B-myT Bearer eyJabc.eyJdef.sig spec-r1-abcd@example.com
            {"key":"sk-0123456789abcdefghijABCDEFGHIJ_-xyz","prefix":"sk-0123456","created_at":"2026-11-29T06:56:40Z","said":"hi r1x9zz","other":"eyJx.eyJy.z"}
            """
        #expect(normalizer.normalize(text) == """
            POST http://127.0.0.1:8787/api-keys/revoke/<KEY_ID> Bearer <TOKEN> <EMAIL>
            {"key":"<KEY>","prefix":"<KEY_PREFIX>","created_at":"<TIMESTAMP>","said":"hi <RUN_ID>","other":"<TOKEN>"}
            """)
    }

    @Test func committedDocsMatchTheSpecsOperations() throws {
        let markdown = try String(contentsOf: ScenarioTests.root.appendingPathComponent("docs/API.md"), encoding: .utf8)
        for operation in try ScenarioTests.spec().operations.values {
            #expect(markdown.contains("<a id=\"\(operation.id)\"></a>"), "docs/API.md lacks \(operation.id): regenerate it")
        }
        #expect(!markdown.contains("eyJhbGciOi"), "a real token leaked into the docs")
        #expect(markdown.range(of: #"sk-[A-Za-z0-9_-]{20,}"#, options: .regularExpression) == nil, "a real API key leaked into the docs")
    }
}
