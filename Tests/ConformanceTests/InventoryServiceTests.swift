import Foundation
import ProjectFiles
import Testing
import JSONValues

@testable import SpecRunnerKit

/// SpecRunner on a second foreign API of another style: `examples/inventory-service` (an API key in a header,
/// readOnly and writeOnly fields, a discriminated oneOf, ETags with If-Match, cursor pages, Location, array query
/// parameters, links on some operations). Given only its key as a `--header`, `fuzz` (plain, and `--stateful` for
/// what only sequences show) catches each of its 14 deliberate breaks and finds nothing in the correct service.
@Suite("Inventory service (a second foreign API)", .serialized)
struct InventoryServiceTests {
    static let folder = ConformanceTests.root.appendingPathComponent("examples/inventory-service")
    static let key = "inv-test-key-0123456789abcdef"

    static func spec() throws -> OpenAPISpec {
        try OpenAPISpec(contentsOf: folder.appendingPathComponent("openapi.json"))
    }

    /// A seeded fuzz pass, plain or stateful, given the key as `fuzz --header` gives it.
    static func fuzz(breaking breaks: [String] = [], stateful: Bool, count: Int) async throws -> FuzzReport {
        let spec = try Self.spec()
        let credentials = spec.credentials(in: [("X-Inventory-Key", key)]).credentials
        return try await ExampleService.with("inventory-service", breaks: breaks) { base in
            let executor = HTTPExecutor()
            let fuzzer = Fuzzer(spec: spec, baseURL: base, seed: 20_261_206, credentials: credentials)
            let deadline = ContinuousClock.now + .seconds(120)
            let report: FuzzReport
            if stateful {
                report = await ResourceExplorer(fuzzer: fuzzer, executor: executor).run(count: count, deadline: deadline)
            } else {
                var run = FuzzRun(fuzzer: fuzzer, executor: executor, writer: FailureScenario(spec: spec, setupSteps: [], credentials: credentials))
                run.shrinkAtMost = 0
                report = await run.run(count: count, deadline: deadline, jobs: 4, save: nil)
            }
            try await executor.shutdown()
            return report
        }
    }

    @Test func lintFindsNothingAndTheResourceIsFoundFromItsLinks() throws {
        let spec = try Self.spec()
        let loaded = try ScenarioLoader.load(folder: Self.folder.appendingPathComponent("scenarios"))
        let schema = try JSONValue.parse(try #require(ProjectFiles.file("spec/scenario.schema.json")))
        #expect(loaded.flatMap(ScenarioLinter(spec: spec, scenarioSchema: SchemaValidator(document: schema)).problems) == [])
        #expect(spec.lint() == [])
        let resource = try #require(ResourceModel.all(in: spec).first)
        #expect(resource.path == "/items" && resource.fromLinks && resource.id == .body(JSONPointer("/id")!))
        #expect(resource.paging == .cursor(parameter: "cursor", next: JSONPointer("/next_cursor")!))
        #expect([resource.read?.id, resource.update?.id, resource.delete?.id, resource.list?.id] == ["getItem", "replaceItem", "deleteItem", "listItems"])
        #expect(spec.linkedParameters == ["getItem/item_id", "deleteItem/item_id", "listItems/cursor"])
    }

    @Test func everyScenarioPassesAgainstTheService() async throws {
        let spec = try Self.spec()
        let scenarios = try ScenarioLoader.load(folder: Self.folder.appendingPathComponent("scenarios")).map(\.scenario)
        let result = try await ExampleService.with("inventory-service", breaks: []) { base in
            var run = ConformanceRun(spec: spec, scenarios: scenarios, baseURL: base)
            run.variables = ["key": Self.key]
            return await run.run()
        }
        #expect(result.counts.failed == 0 && result.counts.skipped == 0, "\(ProfileTests.describe(result))")
    }

    @Test func fuzzFindsNothingInTheServiceAndReachesEverySuccessPath() async throws {
        let plain = try await Self.fuzz(stateful: false, count: 600)
        #expect(plain.entries.isEmpty, "\(plain.console())")
        #expect((plain.reached["createItem"]?.succeeded ?? 0) >= 20 && (plain.reached["listItems"]?.succeeded ?? 0) >= 20, "\(plain.reachLine)")
        let stateful = try await Self.fuzz(stateful: true, count: 16)
        #expect(stateful.entries.isEmpty, "\(stateful.console())")
        #expect(stateful.reached["/items"]?.succeeded == 16)
    }

    /// Each break, whether single requests or lifecycles catch it, and the finding class it shows as.
    static let breaks: [(name: String, stateful: Bool, finding: String)] = [
        ("delete-keeps", true, "deleted_still_readable"), ("create-unlisted", true, "created_not_listed"),
        ("if-match-ignored", true, "stale_if_match_accepted"), ("page-repeats", true, "page_walk_repeats"),
        ("update-invisible", true, "update_not_visible"), ("etag-missing", true, "undocumented_response"),
        ("key-prefix", false, "altered_credential_accepted"), ("supplier-code-leaked", false, "undocumented_response"),
        ("cors-credentials", false, "cors_credentials_from_any_origin"), ("location-missing", false, "undocumented_response"),
        ("kind-unchecked", false, "accepted_invalid_request"), ("limit-unchecked", false, "accepted_invalid_request"),
        ("crash-on-five-tags", false, "server_error"), ("kind-filter-one-only", false, "rejected_valid_request"),
    ]

    @Test func theTableNamesEveryBreakOfTheService() throws {
        let names = try ExampleService.breaks(of: "inventory-service")
        #expect(Set(names) == Set(Self.breaks.map(\.name)) && names.count == 14)
        #expect(Self.breaks.filter(\.stateful).count >= 5)
    }

    @Test(arguments: breaks.map(\.name))
    func fuzzCatchesTheBreak(_ name: String) async throws {
        let entry = try #require(Self.breaks.first { $0.name == name })
        let report = try await Self.fuzz(breaking: [name], stateful: entry.stateful, count: entry.stateful ? 16 : 1_000)
        #expect(report.entries.contains { $0.kind == entry.finding }, "'\(name)' gave no \(entry.finding): \(report.console())")
        #expect(!report.console().contains(Self.key), "the key never appears in the report")
    }
}
