import Foundation
#if canImport(FoundationXML)
import FoundationXML
#endif
import Testing

@testable import SpecRunner

@Suite("Reports")
struct ReportTests {
    static func sampleRun() throws -> RunResult {
        let request = SentRequest(
            method: "POST", url: "http://127.0.0.1:8787/login",
            headers: [("Authorization", "Bearer eyJhbGciOiJIUzI1NiJ9.secret.sig")], body: #"{"email":"a@b.c","password":"hunter2hunter2"}"#)
        let failed = StepResult(
            name: "log <in>", operation: "login", outcome: .failed, failures: ["status: expected 200, got 500"],
            request: Redaction.request(request), status: 500, responseExcerpt: "{}", seconds: 0.1, isFinally: false)
        let passed = StepResult(name: "ok", operation: "login", outcome: .passed, failures: [], seconds: 0.1, isFinally: false)
        let calls = [OperationCall(operation: "login", status: 500, passed: false, documented: true)]
        let scenario = ScenarioResult(name: "flow", file: "flow.yaml", tags: [], outcome: .failed, steps: [passed, failed], seconds: 0.2, calls: calls)
        return RunResult(baseURL: "http://127.0.0.1:8787", scenarios: [scenario], seconds: 0.2, coverage: CoverageMatrix(spec: try ScenarioTests.spec(), calls: calls))
    }

    @Test func secretsAreRedactedInRequests() throws {
        let step = try #require(try Self.sampleRun().scenarios[0].steps.last?.request)
        let text = "\(step.headers) \(step.body ?? "")"
        #expect(!text.contains("secret.sig") && !text.contains("hunter2"))
        #expect(text.contains("Bearer eyJhbG…«redacted»"))
    }

    @Test func junitHasASuitePerScenarioAndACasePerStep() throws {
        let xml = MachineReports.junit(try Self.sampleRun())
        #expect(xml.contains(#"<testsuite name="flow" file="flow.yaml" tests="2" failures="1""#))
        #expect(xml.contains(#"<testcase name="log &lt;in&gt;" classname="flow""#))
        #expect(xml.contains(#"<failure message="status: expected 200, got 500">"#))
        let parser = XMLParser(data: Data(xml.utf8))
        #expect(parser.parse())
    }

    @Test func jsonReportRoundTrips() throws {
        let json = try JSONValue.parse(MachineReports.json(try Self.sampleRun()))
        #expect(json["failed"] == .number(1))
        #expect(json["scenarios"]?.arrayValue?.first?["steps"]?.arrayValue?.count == 2)
    }

    @Test func consoleShowsFailuresCoverageAndClosingLine() throws {
        let console = ConsoleReport(colour: false)
        let run = try Self.sampleRun()
        let scenario = console.scenarioFinished(run.scenarios[0])
        #expect(scenario.contains("✘ flow (1/2 steps"))
        #expect(scenario.contains("request: POST http://127.0.0.1:8787/login"))
        #expect(scenario.contains("- status: expected 200, got 500"))
        #expect(console.coverage(run.coverage).contains("500 ✘"))
        #expect(console.summary(run).split(separator: "\n").last == "Scenarios: 0 passed, 1 failed")
    }
}
