import Foundation
import Testing

@testable import SpecRunnerKit

/// Deployment profiles against a stand-in for the original worker that behaves as the facts file says.
@Suite("Deployment profile of the original worker")
struct ProfileTests {
    static func profile() throws -> Profile {
        try Profile.load(file: ConformanceTests.root.appendingPathComponent("spec/profiles/original.yaml"))
    }

    static func run(_ standIn: OriginalWorkerStandIn, profile: Profile?) async throws -> RunResult {
        // The scenarios that pin our settings' edges assume a deployment of ours, which the original is not.
        let (spec, all) = try ConformanceTests.loadSpec()
        let scenarios = all.filter(\.settings.isEmpty)
        let check = try profile.map { try ProfileCheck(profile: $0, reference: spec) }
        return try await standIn.application().test(.live) { client in
            var run = ConformanceRun(spec: spec, scenarios: scenarios, baseURL: "http://127.0.0.1:\(try #require(client.port))")
            run.profile = check
            run.timeout = 60
            return await run.run()
        }
    }

    static func describe(_ result: RunResult) -> Comment {
        let console = ConsoleReport(colour: false)
        return Comment(rawValue: result.scenarios.filter { $0.outcome == .failed }.map(console.scenarioFinished).joined(separator: "\n"))
    }

    @Test func originalPassesWithItsProfileAndEveryEntryIsAccountedFor() async throws {
        let result = try await Self.run(OriginalWorkerStandIn(), profile: try Self.profile())
        #expect(result.counts.failed == 0, Self.describe(result))
        #expect(result.counts.skipped == 0, "the profile's jwtSecret lets the expiry scenario run")
        #expect(result.fixedSteps == 0)
        let table = try #require(ConsoleReport(colour: false).deviations(result))
        print(table)
        for scenario in result.scenarios {
            print("original profile: \(scenario.name): \(scenario.outcome.rawValue), \(scenario.steps.filter { $0.deviation != nil }.count) known deviations")
        }
        // Every entry is needed by some answer of the original, except the action that only narrows the contract
        // (the chat never answers JSON) and the one that lifts a request limit (no answer needs it; fuzz passes
        // and generated requests do): nothing is merely tolerated.
        let unobserved = result.entries.filter { $0.observed == 0 }.map(\.entry.label)
        #expect(unobserved == [
            "overlay 7: $.paths['/chat/completions'].post.responses['200'].content['application/json','text/event-stream']",
            "overlay 14: $.components.schemas.ChatRequest.properties.messages['maxItems','x-setting']",
        ])
        let explained = result.deviations.filter { $0.entries.isEmpty }.map { "\($0.scenario) / \($0.step)" }
        #expect(explained.isEmpty, "differences no entry accounts for: \(explained)")
        let duplicate = try #require(result.deviations.first { $0.step == "the same email again" })
        // The override states the status and the error; the matcher rule makes `/code` absent, as everywhere.
        #expect(duplicate.entries.map(\.label) == ["override register-duplicate-email / the same email again", "matcher body /code", "overlay 1: $.components.schemas.Error",
            "overlay 2: $.components.headers['X-Request-Id','X-Content-Type-Options','Cache-Control']"])
    }

    @Test func originalFailsWithoutItsProfile() async throws {
        let result = try await Self.run(OriginalWorkerStandIn(), profile: nil)
        #expect(result.counts.failed > result.counts.passed)
    }

    /// The mutation test of the runner: each regression of the original, applied alone, fails the run under the
    /// profile, naming the step, what the profile expected and what came back.
    @Test(arguments: OriginalWorkerStandIn.Regression.allCases)
    func aRegressionOfTheOriginalFailsUnderItsProfile(_ regression: OriginalWorkerStandIn.Regression) async throws {
        var standIn = OriginalWorkerStandIn()
        standIn.regression = regression
        let result = try await Self.run(standIn, profile: try Self.profile())
        let failed = result.scenarios.flatMap { scenario in scenario.steps.filter { $0.outcome == .failed }.map { (scenario.name, $0) } }
        #expect(!failed.isEmpty, "\(regression) passed under the profile")
        for (_, step) in failed {
            #expect(step.status != nil && !step.failures.isEmpty)
            #expect(step.failures.allSatisfy { $0.contains("[profile 'original': ") }, "\(regression): \(step.failures)")
        }
        print("regression \(regression.rawValue): caught by \(failed.map { "\($0.0) / \($0.1.name)" }.joined(separator: ", "))")
    }

    @Test func aFailureUnderAnOverrideNamesThatOverrideAndNothingElse() async throws {
        var standIn = OriginalWorkerStandIn()
        standIn.regression = .duplicateEmailIs500
        let result = try await Self.run(standIn, profile: try Self.profile())
        let step = try #require(result.scenarios.first { $0.name == "register-duplicate-email" }?.steps.first { $0.outcome == .failed })
        #expect(step.name == "the same email again")
        #expect(step.failures.contains { $0.contains("status: expected 400, got 500") })
        #expect(step.failures.allSatisfy { $0.contains("the override 'register-duplicate-email / the same email again' (A duplicate email is 400") })
    }

    @Test func aDeploymentThatMeetsTheContractWhereTheProfileSaysOtherwiseIsReportedAsFixed() async throws {
        // The reference server itself, under the original's profile: wherever it meets the contract the profile
        // says the original differs, so those steps are fixes, not failures.
        var profile = try Self.profile()
        profile.overlay = nil
        profile.matchers = []
        profile.paths = [:]
        // The scenarios that pin our settings' edges assume a deployment of ours, which the original is not.
        let (spec, all) = try ConformanceTests.loadSpec()
        let scenarios = all.filter(\.settings.isEmpty)
        var run = ConformanceRun(spec: spec, scenarios: scenarios.filter { $0.name == "register-duplicate-email" }, baseURL: "")
        run.profile = try ProfileCheck(profile: profile, reference: spec)
        let result = try await ConformanceTests.run(run, against: try await ConformanceTests.referenceApplication())
        #expect(result.counts.failed == 0, Self.describe(result))
        #expect(result.fixedSteps == 2)
        let fixed = result.entries.filter { $0.fixed > 0 }.map(\.entry.label)
        #expect(fixed == ["override register-duplicate-email / the same email again", "override register-duplicate-email / the same email at the original's path"])
        #expect(ConsoleReport(colour: false).deviations(result)?.contains("the deployment now meets the contract here") == true)
    }
}
