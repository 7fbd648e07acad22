import Foundation
import Testing

@testable import SpecRunnerKit

@Suite("HTML report")
struct HTMLReportTests {
    @Test func aFailingStepShowsItsRequestResponseAndCurlCommandWithoutSecrets() throws {
        let html = HTMLReport.run(try ReportTests.sampleRun(), spec: "spec/openapi.json (version 1.0.0)")
        #expect(html.hasPrefix("<!doctype html>"))
        #expect(html.contains(#"id="passed" class="count passed" data-count="0""#))
        #expect(html.contains(#"id="failed" class="count failed" data-count="1""#))
        #expect(html.contains(#"<details class="scenario failed" id="scenario-0" open>"#), "a failed scenario opens by itself")
        #expect(html.contains("log &lt;in&gt;"), "names are escaped")
        #expect(html.contains(#"<pre class="request">POST http://127.0.0.1:8787/login"#))
        #expect(html.contains(#"<pre class="response">HTTP 500"#))
        #expect(html.contains("status: expected 200, got 500"))
        #expect(html.contains(#"<pre class="curl">curl -s -X POST &#39;http://127.0.0.1:8787/login&#39;"#))
        #expect(html.contains("Authorization: Bearer «redacted»"))
        for secret in ["secret.sig", "hunter2", "eyJ"] { #expect(!html.contains(secret)) }
        #expect(!html.contains("src=") && !html.contains("<link") && !html.contains("url("), "nothing is loaded from elsewhere")
    }

    @Test func theCoverageIsAHeatMapOfOperationsAndStatuses() throws {
        let html = HTMLReport.run(try ReportTests.sampleRun(), spec: "spec")
        #expect(html.contains(#"<td class="cell failed" title="login 500: failed">✘</td>"#))
        #expect(html.contains(#"<td class="cell never" title="login 200: not exercised">·</td>"#))
    }

    @Test func aCurlCommandQuotesWhatTheShellWouldRead() {
        let request = SentRequest(method: "POST", url: "http://x/a?b=1&c=2", headers: [("Content-Type", "application/json")], body: #"{"name":"it's"}"#)
        #expect(request.curlCommand() == """
            curl -s -X POST 'http://x/a?b=1&c=2' \\
              -H 'Content-Type: application/json' \\
              -d '{"name":"it'\\''s"}'
            """)
    }
}
