import Foundation
#if canImport(FoundationXML)
import FoundationXML
#endif
import Testing
import JSONValues

@testable import SpecRunnerKit

@Suite("Reports")
struct ReportTests {
    static func sampleRun() throws -> RunResult {
        let request = SentRequest(
            method: "POST", url: "http://127.0.0.1:8787/login",
            headers: [("Authorization", "Bearer eyJhbGciOiJIUzI1NiJ9.secret.sig")], body: #"{"email":"a@b.c","password":"hunter2hunter2"}"#)
        let failed = StepResult(
            name: "log <in>", operation: "login", outcome: .failed, failures: ["status: expected 200, got 500"],
            request: Redaction.request(request), status: 500, responseExcerpt: "{}", seconds: 0.1, isFinally: false)
        var passed = StepResult(name: "ok", operation: "login", outcome: .passed, failures: [], seconds: 0.1, isFinally: false)
        passed.notes = [ScenarioRunner.resentNote]
        let calls = [OperationCall(operation: "login", status: 500, passed: false, documented: true)]
        let scenario = ScenarioResult(name: "flow", file: "flow.yaml", tags: [], outcome: .failed, steps: [passed, failed], seconds: 0.2, calls: calls)
        return RunResult(baseURL: "http://127.0.0.1:8787", scenarios: [scenario], seconds: 0.2, coverage: CoverageMatrix(spec: try ScenarioTests.spec(), calls: calls))
    }

    @Test func secretsAreRedactedInRequests() throws {
        let step = try #require(try Self.sampleRun().scenarios[0].steps.last?.request)
        let text = "\(step.headers) \(step.body ?? "")"
        #expect(!text.contains("secret.sig") && !text.contains("hunter2") && !text.contains("eyJ"))
        #expect(text.contains("Bearer «redacted»"))
    }

    @Test(arguments: [
        // Fields by name, in JSON, form and query bodies, and headers; values by their look, wherever they are.
        (#"{"access_token":"opaque-123456","refresh_token":"r","nested":{"client_secret":"s3"}}"#, "application/json"),
        ("username=alice&password=hunter2hunter2&grant_type=password", "application/x-www-form-urlencoded"),
        ("the token is eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.c2lnbmF0dXJl and the key sk-abcdefghijklmnop", "text/plain"),
    ])
    func secretsAreRedactedWholeByNameOrByLook(body: String, contentType: String) {
        let shown = Redaction.excerpt(of: body, contentType: contentType)
        for secret in ["opaque-123456", "s3\"", "hunter2", "eyJ", "sk-abc", "c2lnbmF0dXJl"] {
            #expect(!shown.contains(secret), "\(shown)")
        }
        #expect(shown.contains("«redacted»"))
        let request = Redaction.request(SentRequest(
            method: "GET", url: "http://x/notes?api_key=k123456789&page=2", headers: [("X-Session-Id", "abc"), ("Cookie", "sid=1")], body: nil))
        #expect(request.url == "http://x/notes?api_key=«redacted»&page=2")
        #expect(request.headers.map(\.value) == ["«redacted»", "«redacted»"])
    }

    @Test func aStepsNotesAreInEveryReport() throws {
        let run = try Self.sampleRun()
        #expect(ConsoleReport().scenarioFinished(run.scenarios[0]).contains("note: step 'ok': \(ScenarioRunner.resentNote)"))
        #expect(MachineReports.junit(run).contains("<system-out>\(ScenarioRunner.resentNote)</system-out>"))
        let json = try JSONValue.parse(MachineReports.json(run))
        #expect(json["scenarios"]?.arrayValue?.first?["steps"]?.arrayValue?.first?["notes"] == .array([.string(ScenarioRunner.resentNote)]))
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

    /// `--report FORMAT=PATH` is one typed option for run, fuzz and bench; each refuses a format it does not write.
    @Test func reportOptionsAreParsedOnceForEveryCommand() throws {
        let json = try #require(ReportOption(argument: "json=reports/a=b.json"))
        #expect(json.format == .json && json.path == "reports/a=b.json")
        for bad in ["xml=a", "json=", "json", "=a"] { #expect(ReportOption(argument: bad) == nil, "\(bad)") }
        #expect(throws: (any Error).self) { try ReportOption.check([json], formats: [.junit]) }
        try ReportOption.check([json], formats: [.junit, .json])
        #expect(throws: (any Error).self) { try BenchCommand.parse(["--base-url", "http://127.0.0.1:1", "--scenario", "x", "--report", "junit=a.xml"]) }
        #expect(try RunCommand.parse(["--base-url", "http://127.0.0.1:1", "--report", "junit=a.xml", "--report", "json=b.json"]).reports.map(\.format) == [.junit, .json])
    }
}
