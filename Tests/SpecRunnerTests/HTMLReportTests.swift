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
        #expect(html.contains(#"<pre class="curl">curl -s -X POST 'http://127.0.0.1:8787/login'"#))
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

    @Test func aFuzzPageGroupsFindingsByClassAndOperationAndSaysHowToRepeatThem() {
        var report = FuzzReport()
        report.sent = 10_000
        report.failedCount = 1
        report.statuses = [200: 9_000, 400: 999, 500: 1]
        report.reached = ["createNote": (answered: 5_000, succeeded: 4_000), "deleteNote": (answered: 5_000, succeeded: 0)]
        report.entries = [FuzzReport.Entry(
            operation: "createNote", kind: "server_error", index: 42, request: "POST http://127.0.0.1:8000/notes <b>",
            problems: ["status 500 for a valid request"], saved: "reports/fuzz-findings/createNote-server_error-42.yaml",
            response: #"500 {"error":"boom"}"#, curl: "curl -s -X POST 'http://127.0.0.1:8000/notes'")]
        let html = HTMLReport.fuzz(report, seed: 7, baseURL: "http://127.0.0.1:8000", repeatCommand: "specrunner fuzz --seed 7")
        #expect(html.contains(#"id="sent" class="count sent" data-count="10000""#))
        #expect(html.contains(#"id="failed" class="count failed" data-count="1""#))
        #expect(html.contains("<h3>server_error (1)</h3>"))
        #expect(html.contains("POST http://127.0.0.1:8000/notes &lt;b&gt;"))
        #expect(html.contains("specrunner --base-url http://127.0.0.1:8000 --scenarios reports/fuzz-findings --filter createNote-server_error-42"))
        #expect(html.contains(#"<td class="cell failed">0</td>"#), "an operation whose success path was never reached stands out")
        #expect(html.contains("specrunner fuzz --seed 7"))
        #expect(html.contains(#"<pre class="response">500 {&quot;error&quot;:&quot;boom&quot;}</pre>"#), "the finding's answer")
        #expect(html.contains(#"<pre class="curl">curl -s -X POST 'http://127.0.0.1:8000/notes'</pre>"#), "and its curl line")
        #expect(html.utf8.count < 20_000, "passing requests are counted, not listed")
    }

    @Test func aFuzzPageShowsTheFirstFindingsOfAGroupInFullAndListsTheRest() {
        var report = FuzzReport()
        report.entries = (1...30).map { index in
            FuzzReport.Entry(operation: "getItem", kind: "undocumented_response", index: index, request: "GET /items/\(index)",
                             problems: ["status 418 is not documented"], response: "418 teapot", curl: "curl -s -X GET '/items/\(index)'")
        }
        let html = HTMLReport.fuzz(report, seed: 1, baseURL: "http://127.0.0.1:8000", repeatCommand: "specrunner fuzz")
        #expect(html.components(separatedBy: #"<pre class="curl">curl"#).count - 1 == HTMLReport.findingsShownInFull)
        #expect(html.contains("20 more of this kind") && html.contains("<li>#30 <code>GET /items/30</code></li>"))
    }

    @Test func aBenchPageHasTheFiguresAndDrawsEachStepsLatencies() {
        var stats = LatencyStats()
        for index in 0..<1_000 { stats.record(seconds: 0.001 + Double(index % 10) / 1_000, status: index == 0 ? 503 : 200, expected: index != 0) }
        let result = LoadRun.Result(steps: [(name: "chat", stats: stats)], seconds: 2, setupFailures: [])
        let html = HTMLReport.bench(BenchReport(result: result, baseURL: "http://127.0.0.1:8787", scenario: "chat-load", connections: 8, rate: nil))
        #expect(html.contains(#"id="requests" class="count" data-count="1000""#))
        #expect(html.contains(#"id="errors" class="count failed" data-count="1""#))
        #expect(html.contains("<td>500.0</td>"), "requests per second")
        #expect(html.contains("200 × 999, 503 × 1"))
        #expect(html.contains(#"<svg class="histogram""#) && html.contains("1000 latencies from 0 to"))
        #expect(html.components(separatedBy: "<rect ").count - 1 == 10, "ten distinct latencies, ten bars")
    }
}
