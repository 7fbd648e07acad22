import Configuration
import Foundation
import Hummingbird
import HummingbirdTesting
import Testing

@testable import AIWorkerServer
@testable import SpecRunnerKit

/// The real server on a loopback socket, driven by the real runner with the shipped spec and scenarios.
@Suite("Conformance")
struct ConformanceTests {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    static let secret = "conformance-secret-0123456789-0123456789"

    static func loadSpec() throws -> (OpenAPISpec, [Scenario]) {
        let spec = try OpenAPISpec(contentsOf: root.appendingPathComponent("spec/openapi.json"))
        let scenarios = try ScenarioLoader.load(folder: root.appendingPathComponent("spec/scenarios")).map(\.scenario)
        return (spec, scenarios)
    }

    /// Runs `scenarios` against `app` on a real socket.
    static func run(_ scenarios: [Scenario], spec: OpenAPISpec, against app: some ApplicationProtocol) async throws -> RunResult {
        try await run(ConformanceRun(spec: spec, scenarios: scenarios, baseURL: ""), against: app)
    }

    /// Runs `run` against `app` on a real socket (its base URL set to the socket's), with the reference's secret.
    static func run(_ planned: ConformanceRun, against app: some ApplicationProtocol) async throws -> RunResult {
        try await app.test(.live) { client in
            let port = try #require(client.port)
            var run = ConformanceRun(spec: planned.spec, scenarios: planned.scenarios, baseURL: "http://127.0.0.1:\(port)")
            run.variables = ["jwtSecret": secret]
            run.profile = planned.profile
            // Generous: other suites hash passwords on the same two cores at the same time.
            run.timeout = 60
            return await run.run()
        }
    }

    /// The reference server's settings: a new SQLite file, the conformance secret, rate limits off (the checks
    /// send many requests from one address).
    static func referenceReader() -> ConfigReader {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("conformance-\(UUID().uuidString)")
        return ConfigReader(provider: InMemoryProvider(values: [
            "http.port": "0", "database.path": ConfigValue(.string(folder.appendingPathComponent("db.sqlite").path), isSecret: false),
            "jwt.secret": ConfigValue(.string(Self.secret), isSecret: true), "bcrypt.cost": "10", "log.level": "warning",
            "rateLimit.authPerMinute": "0", "rateLimit.chatPerMinute": "0", "rateLimit.authFailuresPerMinute": "0",
            "password.hashMaxWait": "60",
        ]))
    }

    /// The reference server on a new SQLite file, with the conformance secret.
    static func referenceApplication() async throws -> some ApplicationProtocol {
        try await buildApplication(reader: referenceReader())
    }

    @Test func referenceServerPassesEveryScenario() async throws {
        let (spec, scenarios) = try Self.loadSpec()
        let result = try await Self.run(scenarios, spec: spec, against: try await Self.referenceApplication())
        let failures = result.scenarios.filter { $0.outcome != .passed }.map { ConsoleReport(colour: false).scenarioFinished($0) }
        #expect(failures.isEmpty, "\(failures.joined(separator: "\n"))")
        #expect(result.counts.passed == scenarios.count)
        #expect(result.coverage.rows.allSatisfy { $0.undocumented.isEmpty })
    }
}
