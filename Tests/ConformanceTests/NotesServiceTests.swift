import Foundation
import ProjectFiles
import Testing
import JSONValues

@testable import SpecRunnerKit

/// SpecRunner on an API that is not ours: `examples/notes-service` (a Python app shaped like a FastAPI service,
/// with its own YAML spec, scenarios and fuzz set-up) is started as a real process on loopback; `lint`, `run`,
/// `fuzz` and `docs` work on it, and each deliberately broken variant of it is caught.
@Suite("Notes service (a foreign API)", .serialized)
struct NotesServiceTests {
    static let folder = ConformanceTests.root.appendingPathComponent("examples/notes-service")
    static let adminPassword = "admin-password-for-tests"

    static func load() throws -> (OpenAPISpec, [ScenarioLoader.Loaded]) {
        let spec = try OpenAPISpec(contentsOf: folder.appendingPathComponent("openapi.yaml"))
        return (spec, try ScenarioLoader.load(folder: folder.appendingPathComponent("scenarios")))
    }

    /// Runs every scenario against the service started with `breaks`.
    static func run(breaking breaks: [String] = []) async throws -> RunResult {
        let (spec, loaded) = try Self.load()
        return try await ExampleService.with("notes-service", breaks: breaks) { base in
            var run = ConformanceRun(spec: spec, scenarios: loaded.map(\.scenario), baseURL: base)
            run.variables = ["adminPassword": adminPassword]
            run.timeout = 30
            return await run.run()
        }
    }

    /// A seeded fuzz pass against the service with `breaks`, as `specrunner fuzz --setup fuzz-setup.yaml --var
    /// adminBasic=…` makes it: `count` requests, or with `stateful` `count` lifecycles; the set-up's failed steps
    /// are findings too.
    /// Without `renewing`, credentials cannot be issued anew (as with `--var` credentials and no set-up).
    static func fuzz(breaking breaks: [String] = [], stateful: Bool = false, count: Int = 600, renewing: Bool = true) async throws -> FuzzReport {
        let (spec, _) = try Self.load()
        let setup = try ScenarioLoader.load(file: folder.appendingPathComponent("fuzz-setup.yaml")).scenario
        return try await ExampleService.with("notes-service", breaks: breaks) { base in
            let given = ["adminBasic": "admin:\(adminPassword)"]
            let setUp = try await FuzzSetUp.run(setup, spec: spec, baseURL: base, given: given)
            let known = setUp.variables.merging(given) { $1 }
            let credentials = known.filter { ["bearer", "queryKey", "cookieSession", "adminBasic"].contains($0.key) }
            let executor = HTTPExecutor()
            let fuzzer = Fuzzer(spec: spec, baseURL: base, seed: 20_261_201, credentials: credentials, knownValues: known)
            // A bound for a service that hangs, far past what 600 requests take even beside CPU hogs.
            let deadline = ContinuousClock.now + .seconds(240)
            var report = setUp.report
            if stateful {
                report.merge(await ResourceExplorer(fuzzer: fuzzer, executor: executor).run(count: count, deadline: deadline))
            } else {
                var fuzzRun = FuzzRun(fuzzer: fuzzer, executor: executor, writer: FailureScenario(spec: spec, setupSteps: [], credentials: credentials))
                fuzzRun.shrinkAtMost = 0
                if renewing { fuzzRun.renew = { try? await FuzzSetUp.run(setup, spec: spec, baseURL: base, given: given).variables } }
                report.merge(await fuzzRun.run(count: count, deadline: deadline, jobs: 4, save: nil))
            }
            try await executor.shutdown()
            return report
        }
    }

    @Test func lintFindsNothingInTheExample() throws {
        let (spec, loaded) = try Self.load()
        let schema = try JSONValue.parse(try #require(ProjectFiles.file("spec/scenario.schema.json")))
        let linter = ScenarioLinter(spec: spec, scenarioSchema: SchemaValidator(document: schema))
        #expect(loaded.flatMap(linter.problems) == [])
        #expect(spec.lint().filter { !$0.hasPrefix("warning: ") } == [])
        #expect(spec.lint().contains { $0.contains("GET /me has no operationId") })
    }

    @Test func everyScenarioPassesAgainstTheService() async throws {
        let result = try await Self.run()
        #expect(result.counts.failed == 0 && result.counts.skipped == 0, "\(ProfileTests.describe(result))")
        #expect(result.coverage.rows.allSatisfy { row in row.cells.contains { $0.state == .passed } }, "every operation, GET /me included, is exercised")
    }

    @Test func fuzzFindsNothingInTheService() async throws {
        let report = try await Self.fuzz()
        #expect(report.entries.isEmpty && report.notes.isEmpty, "\(report.console())")
        #expect(report.sent == 600)
        let stateful = try await Self.fuzz(stateful: true, count: 16)
        #expect(stateful.entries.isEmpty, "\(stateful.console())")
        #expect(stateful.reached["/notes"]?.succeeded == 16, "every lifecycle ran to its end")
        let statuses = Set(report.statuses.keys)
        #expect(statuses.isSuperset(of: [200, 201, 204, 401, 404, 405, 422]), "valid requests reach the handlers: \(report.statuses)")
    }

    /// The regressions the scenarios catch.
    static let caughtByRun = [
        "create-200", "id-rounded", "limit-unchecked", "no-auth-get", "delete-200", "null-dropped", "status-unchecked", "cookie-ignored",
        "key-in-header", "password-echoed", "priority-string",
    ]

    /// Every break, whether single requests or lifecycles catch it in `fuzz`, and the finding class it shows as.
    static let caughtByFuzz: [(name: String, stateful: Bool, finding: String)] = [
        ("create-200", false, "undocumented_response"), ("id-rounded", true, "created_not_readable"),
        ("limit-unchecked", false, "accepted_invalid_request"), ("no-auth-get", false, "credentials_not_refused"),
        ("crash-on-emoji", false, "server_error"), ("delete-200", true, "undocumented_response"),
        ("null-dropped", false, "undocumented_response"), ("status-unchecked", false, "accepted_invalid_request"),
        ("cookie-ignored", false, "valid_credentials_refused"), ("key-in-header", false, "valid_credentials_refused"),
        ("password-echoed", false, "secret_in_response"), ("priority-string", false, "undocumented_response"),
        ("head-with-body", false, "head_unlike_get"), ("trace-allowed", false, "method_not_refused"),
    ]

    @Test func theTablesNameEveryBreakOfTheService() throws {
        let names = try ExampleService.breaks(of: "notes-service")
        #expect(Set(names) == Set(Self.caughtByFuzz.map(\.name)) && names.count == 14)
        #expect(Set(Self.caughtByRun).isSubset(of: names))
    }

    @Test(arguments: caughtByRun)
    func runCatchesTheRegression(_ regression: String) async throws {
        let result = try await Self.run(breaking: [regression])
        #expect(result.counts.failed > 0, "'\(regression)' passed every scenario")
    }

    @Test(arguments: caughtByFuzz.map(\.name))
    func fuzzCatchesTheRegression(_ name: String) async throws {
        let entry = try #require(Self.caughtByFuzz.first { $0.name == name })
        let report = try await Self.fuzz(breaking: [name], stateful: entry.stateful, count: entry.stateful ? 16 : 600)
        #expect(report.entries.contains { $0.kind == entry.finding }, "'\(name)' gave no \(entry.finding): \(report.console())")
        #expect(!report.console().contains(Self.adminPassword), "no credential appears in the report")
        // A single request's finding shows, on the HTML page too, what came back and how to send it again.
        let html = HTMLReport.fuzz(report, seed: 20_261_201, baseURL: "http://127.0.0.1", repeatCommand: "specrunner fuzz")
        #expect(!html.contains(Self.adminPassword), "no credential appears in the HTML report")
        if let single = report.entries.first(where: { $0.curl != nil }) {
            let response = try #require(single.response, "a finding with a curl line has its answer")
            #expect(html.contains(DocRenderer.escape(response)) && html.contains(DocRenderer.escape(single.curl!)))
            #expect(single.curl!.hasPrefix("curl -s -X "), "\(single.curl!)")
        } else {
            #expect(entry.stateful, "'\(name)' is found by single requests, each with its curl line")
        }
    }

    /// A 401 to a valid request is blamed on the service only when fresh credentials are refused too: without a way
    /// to get them, and with no other GET of the cookie scheme to show the cookie still works, it is a note.
    @Test func aRefusedCredentialThatCannotBeRenewedIsANoteNotAFinding() async throws {
        let report = try await Self.fuzz(breaking: ["cookie-ignored"], renewing: false)
        #expect(!report.entries.contains { $0.kind == "valid_credentials_refused" }, "\(report.console())")
        #expect(report.notes.contains { $0.contains("GET /me refused a valid request with 401") && $0.contains("cookieSession") }, "\(report.notes)")
    }

    @Test func docsListEveryOperationOfASpecWithoutTopLevelTags() throws {
        let (spec, _) = try Self.load()
        let markdown = DocRenderer.markdown(ReferenceBuilder(spec: spec, recording: nil, normalizer: nil, shownBaseURL: "http://localhost:8000").build())
        for operation in spec.operations.values {
            #expect(markdown.contains(operation.path), "\(operation.id) is missing from the docs")
        }
        #expect(!markdown.contains("8787"))
    }
}
