import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Testing

@testable import SpecRunnerKit

/// The runner against servers that break the contract on purpose: each break must fail the run with a
/// message that points at the cause.
@Suite("Runner against a deliberately wrong server")
struct WrongServerTests {
    /// The README flow's first step, against a server whose register handler is `handler`.
    func failuresOfRegister(_ handler: @escaping @Sendable (Request, BasicRequestContext) async throws -> Response) async throws -> [String] {
        let (spec, scenarios) = try ConformanceTests.loadSpec()
        let flow = try #require(scenarios.first { $0.name == "readme-flow" })
        let router = Router()
        router.post("register", use: handler)
        let result = try await ConformanceTests.run([flow], spec: spec, against: Application(router: router, configuration: .init(address: .hostname("127.0.0.1", port: 0))))
        #expect(result.counts.failed == 1)
        let step = try #require(result.scenarios.first?.steps.first)
        #expect(step.outcome == .failed)
        #expect(result.scenarios.first?.steps.dropFirst().allSatisfy { $0.outcome == .skipped } == true)
        return step.failures
    }

    static func json(_ status: HTTPResponse.Status, _ text: String, contentType: String = "application/json") -> Response {
        Response(status: status, headers: [.contentType: contentType], body: .init(byteBuffer: ByteBuffer(string: text)))
    }

    @Test func undocumentedStatusIsNamed() async throws {
        let failures = try await failuresOfRegister { _, _ in Self.json(.created, #"{"message":"User created","token":"a.b.c"}"#) }
        #expect(failures.contains("status: expected 200, got 201"))
        #expect(failures.contains { $0.contains("status 201 is not documented for register") })
    }

    @Test func missingFieldIsNamedWithItsSchemaPath() async throws {
        let failures = try await failuresOfRegister { _, _ in Self.json(.ok, #"{"message":"User created"}"#) }
        #expect(failures.contains { $0.contains("missing required property 'token'") && $0.contains("#/components/schemas/RegisterResponse/required") })
        #expect(failures.contains { $0.contains("body /token: expected it") || $0.contains("body /token: expected a value") })
    }

    @Test func extraFieldAndWrongValueAreNamed() async throws {
        let failures = try await failuresOfRegister { _, _ in
            Self.json(.ok, #"{"message":"Created","token":"a.b.c","password_hash":"x"}"#)
        }
        #expect(failures.contains { $0.contains("'/password_hash'") && $0.contains("is not allowed") })
        #expect(failures.contains { $0.contains("/message") && $0.contains(#"expected "User created""#) })
    }

    @Test func undocumentedContentTypeIsNamed() async throws {
        let failures = try await failuresOfRegister { _, _ in Self.json(.ok, "User created", contentType: "text/plain") }
        #expect(failures.contains { $0.contains("content type text/plain is not documented for register 200") })
    }

    @Test func formBodiesAndContinueOnFailure() async throws {
        let (spec, _) = try ConformanceTests.loadSpec()
        let scenario = try ScenarioLoader.load(text: """
            name: independent-checks
            continueOnFailure: true
            steps:
              - name: broken
                request: { method: GET, path: /broken }
                expect: { status: 200 }
                capture: { id: /id }
              - name: a form
                request: { method: POST, path: /echo }
                form: { name: "x y+z", token: "{{ $runId }}" }
                expect:
                  status: 200
                  text: { matches: '^name=x\\+y%2Bz&token={{ $runId }}$', notContains: "%20" }
                  headers: { X-Content-Type: application/x-www-form-urlencoded }
              - name: needs the id
                request: { method: GET, path: "/items/{{ id }}" }
                expect: { status: 200 }
            """, file: "independent-checks.yaml").scenario
        let router = Router()
        router.get("broken") { _, _ in Self.json(.internalServerError, "{}") }
        router.post("echo") { request, _ in
            var request = request
            let body = try await request.collectBody(upTo: 1 << 16)
            return Response(status: .ok, headers: [.contentType: "text/plain", HTTPField.Name("X-Content-Type")!: request.headers[.contentType] ?? ""],
                            body: .init(byteBuffer: body))
        }
        let result = try await ConformanceTests.run([scenario], spec: spec, against: Application(router: router, configuration: .init(address: .hostname("127.0.0.1", port: 0))))
        let steps = try #require(result.scenarios.first?.steps)
        #expect(steps.map(\.outcome) == [.failed, .passed, .skipped], "\(steps.map(\.failures))")
        #expect(steps[2].failures == ["not run: id was never captured (an earlier step failed)"])
    }

    @Test func unreachableTargetIsDetectedAndSaysWhyInWords() async throws {
        let refused = try #require(await ConformanceRun.unreachableReason("http://127.0.0.1:1"))
        #expect(refused.contains("connection refused"), "\(refused)")
        let unresolvable = try #require(await ConformanceRun.unreachableReason("http://no-such-host.invalid:8787"))
        #expect(unresolvable == "the host name does not resolve (DNS)")
    }
}
