import Foundation
import ProjectFiles
import Testing

@testable import SpecRunner

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

    /// A seeded fuzz pass of `count` requests with the example's set-up scenario, against the service with `breaks`.
    static func fuzz(breaking breaks: [String] = [], count: Int = 600) async throws -> FuzzReport {
        let (spec, _) = try Self.load()
        let setup = try ScenarioLoader.load(file: folder.appendingPathComponent("fuzz-setup.yaml"))
        return try await ExampleService.with("notes-service", breaks: breaks) { base in
            var known = try await FuzzRun.variables(from: setup.scenario, spec: spec, baseURL: base, given: [:])
            known["adminBasic"] = "admin:\(adminPassword)"
            let credentials = known.filter { ["bearer", "queryKey", "cookieSession", "adminBasic"].contains($0.key) }
            let executor = HTTPExecutor()
            let fuzzer = Fuzzer(spec: spec, baseURL: base, seed: 20_261_201, credentials: credentials, knownValues: known)
            var fuzzRun = FuzzRun(fuzzer: fuzzer, executor: executor, writer: FailureScenario(spec: spec, setupSteps: [], credentials: credentials))
            fuzzRun.shrinkAtMost = 0
            let report = await fuzzRun.run(count: count, deadline: ContinuousClock.now + .seconds(60), jobs: 4, save: nil)
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
        #expect(report.entries.isEmpty, "\(report.console())")
        #expect(report.sent == 600)
        let statuses = Set(report.statuses.keys)
        #expect(statuses.isSuperset(of: [200, 201, 204, 401, 404, 405, 422]), "valid requests reach the handlers: \(report.statuses)")
    }

    /// Each regression and the tool that must catch it.
    static let caughtByRun = [
        "create-200", "id-rounded", "limit-unchecked", "no-auth-get", "delete-200", "null-dropped", "status-unchecked", "cookie-ignored",
        "key-in-header", "password-echoed", "priority-string",
    ]
    static let caughtByFuzz = ["crash-on-emoji", "head-with-body", "trace-allowed", "limit-unchecked", "no-auth-get", "status-unchecked"]

    @Test(arguments: caughtByRun)
    func runCatchesTheRegression(_ regression: String) async throws {
        let result = try await Self.run(breaking: [regression])
        #expect(result.counts.failed > 0, "'\(regression)' passed every scenario")
    }

    @Test(arguments: caughtByFuzz)
    func fuzzCatchesTheRegression(_ regression: String) async throws {
        let report = try await Self.fuzz(breaking: [regression], count: 400)
        #expect(!report.entries.isEmpty, "'\(regression)' gave no finding in 400 requests")
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
