import Foundation
import Testing

@testable import SpecRunnerKit

@Suite("Scenarios that assume deployment settings")
struct DeploymentSettingsTests {
    @Test func aSettingsFileIsReadAsTheServersEnvFile() {
        let settings = DeploymentSettings(file: "edges.env", text: """
            # limits small enough to reach
            API_KEYS_PER_USER = 3
            CORS_ORIGINS=https://app.example, https://admin.example
            not a setting
            =nameless
            API_KEYS_PER_USER=4
            """)
        #expect(settings.values == ["API_KEYS_PER_USER": "4", "CORS_ORIGINS": "https://app.example, https://admin.example"])
    }

    @Test func aScenarioRunsOnlyWhereEverySettingItAssumesHolds() {
        let wanted = ["API_KEYS_PER_USER": "3", "JWT_TTL": "600"]
        #expect(DeploymentSettings.unmet([:], by: nil) == nil, "a scenario that assumes nothing always runs")
        #expect(DeploymentSettings.unmet(wanted, by: nil)
            == "assumes a deployment started with API_KEYS_PER_USER=3 JWT_TTL=600: pass --settings FILE with the settings it was started with")
        let other = DeploymentSettings(file: "prod.env", text: "API_KEYS_PER_USER=100\n")
        #expect(DeploymentSettings.unmet(wanted, by: other)
            == "assumes API_KEYS_PER_USER=3, but prod.env has API_KEYS_PER_USER=100; JWT_TTL=600, but prod.env has no JWT_TTL")
        let edges = DeploymentSettings(file: "edges.env", text: "API_KEYS_PER_USER=3\nJWT_TTL=600\nLOG_LEVEL=debug\n")
        #expect(DeploymentSettings.unmet(wanted, by: edges) == nil)
    }

    @Test func aScenarioThatAssumesSettingsIsSkippedWithoutThemBeforeAnyRequest() async throws {
        let scenario = try ScenarioLoader.load(text: """
            name: keys-limit
            settings: { API_KEYS_PER_USER: 3 }
            steps:
              - operation: getHealth
            """, file: "keys-limit.yaml")
        // Nothing listens on the base URL: a skipped scenario sends no request.
        let executor = HTTPExecutor()
        let runner = ScenarioRunner(
            spec: try ScenarioTests.spec(), executor: executor, baseURL: "http://127.0.0.1:9", variables: [:],
            defaultTimeout: 1, runId: "test")
        let result = await runner.run(scenario.scenario)
        try await executor.shutdown()
        #expect(result.outcome == .skipped)
        #expect(result.note?.contains("API_KEYS_PER_USER=3") == true)
        #expect(result.steps.isEmpty)
    }

    /// A spec with one limit bound to a setting, and one schema whose binding names a keyword it lacks.
    static let boundSpec = """
        {"openapi": "3.1.0", "info": {"title": "t", "version": "1"}, "paths": {},
         "components": {"schemas": {
           "Chat": {"type": "object", "properties": {"messages": {"type": "array", "maxItems": 256, "x-setting": {"maxItems": "CHAT_MAX_MESSAGES"}}}},
           "Broken": {"type": "string", "x-setting": {"maxLength": "NAME_LIMIT"}}}}}
        """

    @Test func aLimitBoundToASettingTakesTheDeploymentsValue() throws {
        let spec = try OpenAPISpec(data: Data(Self.boundSpec.utf8), source: "bound.json")
        let pointer = try #require(JSONPointer("#/components/schemas/Chat/properties/messages/maxItems"))
        let (applied, changes) = try DeploymentSettings(file: "edges.env", text: "CHAT_MAX_MESSAGES=4\n").applied(to: spec)
        #expect(pointer.resolve(in: applied.document) == .integer(4))
        #expect(changes == ["maxItems 4 at /components/schemas/Chat/properties/messages (CHAT_MAX_MESSAGES)"])
        let (unchanged, none) = try DeploymentSettings(file: "other.env", text: "JWT_TTL=600\n").applied(to: spec)
        #expect(pointer.resolve(in: unchanged.document) == .integer(256) && none.isEmpty, "a setting the file does not name keeps the spec's default")
        #expect(throws: SpecRunnerError.self, "a bound setting that is not a number is invalid input") {
            try DeploymentSettings(file: "bad.env", text: "CHAT_MAX_MESSAGES=many\n").applied(to: spec)
        }
    }

    @Test func lintNamesABindingOfAKeywordTheSchemaLacks() throws {
        let problems = try OpenAPISpec(data: Data(Self.boundSpec.utf8), source: "bound.json").lint()
        #expect(problems.contains("/components/schemas/Broken/x-setting: binds maxLength, which the schema does not have (it states the default)"), "\(problems)")
        #expect(!problems.contains { $0.contains("/Chat/") }, "\(problems)")
    }
}

