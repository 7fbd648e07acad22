import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Synchronization
import Testing
import JSONValues

@testable import SpecRunnerKit

/// A deployment that is busy for a moment (429 or 503 with `Retry-After`) is waited on, not failed; one that stays
/// busy, or a step that expects the busy answer, is judged as it is.
@Suite("Busy deployments")
struct BusyServerTests {
    static let spec = try! OpenAPISpec(document: try! JSONValue.parse(#"""
        {"openapi": "3.1.0", "info": {"title": "busy", "version": "1"},
         "paths": {"/thing": {"get": {"operationId": "getThing", "responses": {
           "200": {"description": "ok", "content": {"application/json": {"schema": {"type": "object"}}}},
           "503": {"description": "busy", "headers": {"Retry-After": {"required": true, "schema": {"type": "integer"}}},
                   "content": {"application/json": {"schema": {"type": "object"}}}}}}}}}
        """#), source: "busy")

    /// A server whose `GET /thing` answers 503 with `Retry-After: 1` the first `busyTimes` times, then 200.
    static func app(busyTimes: Int) -> some ApplicationProtocol {
        let calls = Mutex(0)
        let router = Router()
        router.get("thing") { _, _ -> Response in
            let call = calls.withLock { value in
                value += 1
                return value
            }
            let busy = call <= busyTimes
            return Response(
                status: busy ? .serviceUnavailable : .ok,
                headers: busy ? [.contentType: "application/json", .retryAfter: "1"] : [.contentType: "application/json"],
                body: .init(byteBuffer: ByteBuffer(string: busy ? #"{"error":"busy","code":"password_check_busy"}"# : "{}")))
        }
        return Application(router: router, configuration: .init(address: .hostname("127.0.0.1", port: 0)))
    }

    static func scenario(expecting status: Int) throws -> Scenario {
        try ScenarioLoader.load(text: """
            name: busy
            steps:
              - operation: getThing
                expect: { status: \(status) }
            """, file: "busy.yaml").scenario
    }

    static func run(_ scenario: Scenario, against app: some ApplicationProtocol, timeout: Double) async throws -> StepResult {
        try await app.test(.live) { client in
            var run = ConformanceRun(spec: spec, scenarios: [scenario], baseURL: "http://127.0.0.1:\(try #require(client.port))")
            run.timeout = timeout
            return try #require(await run.run().scenarios.first?.steps.first)
        }
    }

    @Test func aBusyAnswerWithRetryAfterIsWaitedOnAndTheStepSaysSo() async throws {
        let step = try await Self.run(try Self.scenario(expecting: 200), against: Self.app(busyTimes: 1), timeout: 10)
        #expect(step.outcome == .passed, "\(step.failures)")
        #expect(step.waits == [RetryAfterWait(status: 503, seconds: 1, code: "password_check_busy")])
        #expect(step.notes == ["waited 1 s as Retry-After asked, after 503 password_check_busy, and sent the request again"])
    }

    @Test func aStepThatExpectsTheBusyAnswerGetsItWithoutWaiting() async throws {
        let step = try await Self.run(try Self.scenario(expecting: 503), against: Self.app(busyTimes: 1), timeout: 10)
        #expect(step.outcome == .passed && step.waits.isEmpty)
    }

    @Test func aScenarioThatPinsLimitsIsAnsweredAsItIsWithoutWaiting() async throws {
        let scenario = try ScenarioLoader.load(text: """
            name: pins a limit
            waitWhenBusy: false
            steps:
              - operation: getThing
                expect: { status: 200 }
            """, file: "limit.yaml").scenario
        let step = try await Self.run(scenario, against: Self.app(busyTimes: 1), timeout: 10)
        #expect(step.outcome == .failed && step.status == 503 && step.waits.isEmpty, "a limit that refuses too early is a failure here")
    }

    @Test func waitsStopAtTheStepsTimeAndTheSummaryHintsWhatToDo() async throws {
        // Ten seconds for the step (each request may take that long on a loaded machine, and the waits may add up to
        // it): room for a wait or more, never for a hundred.
        let step = try await Self.run(try Self.scenario(expecting: 200), against: Self.app(busyTimes: 100), timeout: 10)
        #expect(step.outcome == .failed && step.status == 503, "\(step.failures)")
        #expect((1...10).contains(step.waits.count), "waits of 1 s stop within the step's 10 s: \(step.waits.count)")
        #expect(ConsoleReport.hint(failing: [step, step, step])?.hasPrefix("hint: 3 of 3 failing steps were answered 503") == true)
    }

    @Test func theFuzzerDoesNotCallADocumentedBusyAnswerAServerError() throws {
        let fuzzer = Fuzzer(spec: Self.spec, baseURL: "http://127.0.0.1:1", seed: 1, credentials: [:])
        let plan = try #require((0..<100).lazy.map(fuzzer.plan).first { $0.fuzzCase == .valid })
        let busy = ReceivedResponse(status: 503, headers: [("Content-Type", "application/json"), ("Retry-After", "1")], body: Data("{}".utf8))
        #expect(fuzzer.check(busy, for: plan).isEmpty)
        let failing = ReceivedResponse(status: 503, headers: [("Content-Type", "application/json")], body: Data("{}".utf8))
        #expect(fuzzer.check(failing, for: plan).map(\.0).contains(.serverError))
    }
}
