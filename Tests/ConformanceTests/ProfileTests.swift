import Foundation
import Testing

@testable import SpecRunner

/// Deployment profiles against a stand-in for the original worker that behaves as the facts file says.
@Suite("Deployment profile of the original worker")
struct ProfileTests {
    static func profile() throws -> Profile {
        try Profile.load(file: ConformanceTests.root.appendingPathComponent("spec/profiles/original.yaml"))
    }

    static func run(_ standIn: OriginalWorkerStandIn, profile: Profile?) async throws -> RunResult {
        let (spec, scenarios) = try ConformanceTests.loadSpec()
        return try await standIn.application().test(.live) { client in
            var run = ConformanceRun(spec: spec, scenarios: scenarios, baseURL: "http://127.0.0.1:\(try #require(client.port))")
            run.profile = profile
            return await run.run()
        }
    }

    static func describe(_ result: RunResult) -> Comment {
        let console = ConsoleReport(colour: false)
        return Comment(rawValue: result.scenarios.filter { $0.outcome == .failed }.map(console.scenarioFinished).joined(separator: "\n"))
    }

    @Test func originalPassesWithItsProfileAndEveryDeviationIsListed() async throws {
        let result = try await Self.run(OriginalWorkerStandIn(), profile: try Self.profile())
        #expect(result.counts.failed == 0, Self.describe(result))
        for scenario in result.scenarios {
            print("original profile: \(scenario.name): \(scenario.outcome.rawValue), \(scenario.steps.filter { $0.deviation != nil }.count) known deviations")
        }
        let listed = Set(result.deviations.map { "\($0.scenario) / \($0.step)" })
        #expect(listed.contains("(all) / register"))
        #expect(listed.contains("register-duplicate-email / the same email again"))
        #expect(listed.contains("revoke-unknown-and-foreign-key / alice revokes bob's key"))
        #expect(listed.contains("api-key-cannot-manage-keys / create with the key in X-API-Key"))
        #expect(result.deviations.allSatisfy { !$0.reason.isEmpty && !$0.contract.isEmpty })
        #expect(ConsoleReport(colour: false).deviations(result)?.contains("contract:") == true)
    }

    @Test func originalFailsWithoutItsProfile() async throws {
        let result = try await Self.run(OriginalWorkerStandIn(), profile: nil)
        #expect(result.counts.failed > result.counts.passed)
    }

    @Test func aDepartureFromTheProfileIsAFailure() async throws {
        var standIn = OriginalWorkerStandIn()
        standIn.duplicateEmailStatus = .internalServerError
        let result = try await Self.run(standIn, profile: try Self.profile())
        let failed = result.scenarios.filter { $0.outcome == .failed }.map(\.name)
        // Both scenarios that register an email twice meet the changed answer.
        #expect(failed == ["original-paths", "register-duplicate-email"])
        let step = try #require(result.scenarios.first { $0.name == "register-duplicate-email" }?.steps.first { $0.outcome == .failed })
        #expect(step.failures.contains { $0.contains("status: expected 400, got 500") })
        #expect(step.failures.contains { $0.contains("expects this step to differ from the contract") })
    }
}
