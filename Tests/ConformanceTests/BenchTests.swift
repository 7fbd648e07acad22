import Configuration
import Foundation
import Hummingbird
import HummingbirdTesting
import Testing
import JSONValues

@testable import AIWorkerServer
@testable import SpecRunnerKit

/// `specrunner bench` against the real server on loopback: bounded by a request count, it measures every
/// repeated step, counts unexpected statuses as errors, and keeps a fixed arrival rate.
@Suite("Load replay (specrunner bench)")
struct BenchTests {
    static func load(_ app: some ApplicationProtocol, requests: Int, rate: Double? = nil) async throws -> LoadRun.Result {
        let (spec, scenarios) = try ConformanceTests.loadSpec()
        let scenario = try #require(scenarios.first { $0.name == "chat-load" })
        return try await app.test(.live) { client in
            let executor = HTTPExecutor(maxConnections: 3)
            let runner = ScenarioRunner(
                spec: spec, executor: executor, baseURL: "http://127.0.0.1:\(try #require(client.port))", variables: [:], defaultTimeout: 30,
                runId: "bench")
            let result = await LoadRun(
                runner: runner, scenario: scenario, once: 2, connections: 3, requests: requests, duration: .seconds(60), rate: rate
            ).run()
            try await executor.shutdown()
            return result
        }
    }

    @Test func everyRepeatedStepIsMeasuredAndTheCountIsExact() async throws {
        let result = try await Self.load(try await ConformanceTests.referenceApplication(), requests: 60)
        #expect(result.setupFailures.isEmpty, "\(result.setupFailures)")
        #expect(result.steps.map(\.name) == ["chat with the key in X-API-Key", "chat with the session token", "chat with the key as Bearer"])
        #expect(result.steps.reduce(0) { $0 + $1.stats.count } == 60)
        for (_, stats) in result.steps {
            #expect(stats.errors == 0 && stats.statuses == [200: stats.count])
            let summary = stats.summary
            #expect(summary.p50 > 0 && summary.p50 <= summary.p90 && summary.p90 <= summary.p99 && summary.p99 <= summary.p999 && summary.p999 <= summary.max)
        }
        let report = BenchReport(result: result, baseURL: "http://127.0.0.1", scenario: "chat-load", connections: 3, rate: nil)
        let json = try JSONValue.parse(report.json())
        #expect(json["requests"] == .integer(60) && json["errors"] == .integer(0))
        #expect(report.console().contains("Bench: 60 requests"))
        #expect(report.limitedHint == nil)
    }

    @Test func unexpectedStatusesAreErrors() async throws {
        var settings = try AppSettings(reader: ConformanceTests.referenceReader())
        settings.chatRequestsPerMinute = 4
        let result = try await Self.load(try await buildApplication(settings: settings), requests: 30)
        let statuses = result.steps.reduce(into: [Int: Int]()) { $0.merge($1.stats.statuses, uniquingKeysWith: +) }
        #expect((statuses[429] ?? 0) > 0, "\(statuses)")
        #expect(result.steps.reduce(0) { $0 + $1.stats.errors } == statuses[429])
        // Most answers were the limit's: the report says that it measured the limit, and how to lift it.
        let report = BenchReport(result: result, baseURL: "http://127.0.0.1", scenario: "chat-load", connections: 3, rate: nil)
        #expect(report.console().contains("were 429 or 503: this load measured the deployment's rate limits"), "\(report.console())")
    }

    @Test func aFixedRateSpreadsTheRequestsOverTheSchedule() async throws {
        // 20 requests at 50 a second: the last is due 19 intervals (0.38 s) after the first, whatever the server's speed.
        let result = try await Self.load(try await ConformanceTests.referenceApplication(), requests: 20, rate: 50)
        #expect(result.steps.reduce(0) { $0 + $1.stats.count } == 20)
        #expect(result.seconds >= 0.38)
    }
}
