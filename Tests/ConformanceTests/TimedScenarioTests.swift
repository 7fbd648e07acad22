import Foundation
import Hummingbird
import HummingbirdTesting
import Synchronization
import Testing
import JSONValues

@testable import SpecRunnerKit

/// A scenario whose expectations hold only within some seconds (`within`) is run again when a run takes longer,
/// and fails, saying why, when every run does.
@Suite("Scenarios within a time")
struct TimedScenarioTests {
    /// A server whose `GET /thing` answers 200 after `delays[n]` seconds on its n-th call (the last delay after
    /// that), and the number of calls it had.
    static func app(delays: [Double]) -> (some ApplicationProtocol, Calls) {
        let calls = Calls()
        let router = Router()
        router.get("thing") { _, _ -> Response in
            let call = calls.count.withLock { value in
                value += 1
                return value
            }
            try await Task.sleep(for: .seconds(delays[min(call, delays.count) - 1]))
            return Response(status: .ok, headers: [.contentType: "application/json"], body: .init(byteBuffer: ByteBuffer(string: "{}")))
        }
        return (Application(router: router, configuration: .init(address: .hostname("127.0.0.1", port: 0))), calls)
    }

    final class Calls: Sendable {
        let count = Mutex(0)
    }

    static func run(within: Double, delays: [Double]) async throws -> (ScenarioResult, calls: Int) {
        let scenario = try ScenarioLoader.load(text: """
            name: timed
            within: \(within)
            steps:
              - operation: getThing
                expect: { status: 200 }
            """, file: "timed.yaml").scenario
        let (app, calls) = Self.app(delays: delays)
        let result = try await app.test(.live) { client in
            let run = ConformanceRun(spec: BusyServerTests.spec, scenarios: [scenario], baseURL: "http://127.0.0.1:\(try #require(client.port))")
            return try #require(await run.run().scenarios.first)
        }
        return (result, calls.count.withLock { $0 })
    }

    @Test func aRunWithinTheTimeCountsAsItIs() async throws {
        // A minute: a loaded machine answers one request in far less.
        let (result, calls) = try await Self.run(within: 60, delays: [0])
        #expect(result.outcome == .passed && result.note == nil && calls == 1, "\(result.note ?? "")")
    }

    @Test func aLongerRunIsRunAgainAndTheReportSaysWhy() async throws {
        // The first answer takes 9 s (within the step's 10 s timeout), more than the scenario's 8 s; the next ones
        // none, which a loaded machine answers within 8 s, at least on the third run.
        let (result, calls) = try await Self.run(within: 8, delays: [9, 0])
        #expect(result.outcome == .passed && (2...ScenarioRunner.attemptsWithin).contains(calls), "\(calls) calls")
        #expect(result.note?.hasPrefix("run \(calls): the runs before took longer than the 8 s its expectations assume (") == true, "\(result.note ?? "")")
    }

    @Test func whenEveryRunTakesLongerTheScenarioFailsSayingWhy() async throws {
        let (result, calls) = try await Self.run(within: 0.5, delays: [1])
        #expect(result.outcome == .failed && calls == ScenarioRunner.attemptsWithin)
        #expect(result.note?.hasPrefix("each of 3 runs took longer than the 0.5 s its expectations assume") == true, "\(result.note ?? "")")
        #expect(result.note?.hasSuffix("this machine was too busy to check it") == true)
    }

    @Test func withinIsAPositiveNumberOfSeconds() {
        for value in ["0", "-1", "soon"] {
            #expect(throws: (any Error).self, "within: \(value)") {
                try ScenarioLoader.load(text: "name: x\nwithin: \(value)\nsteps: []\n", file: "x.yaml")
            }
        }
    }
}
