import Foundation
import Hummingbird
import HummingbirdTesting
import ProjectFiles
import Testing
import JSONValues

@testable import AIWorkerServer
@testable import SpecRunnerKit

/// The mutation test of CI's checks on our own server: the real server with one regression injected at its HTTP
/// boundary (a test-only wrapper around its responder), checked the way CI checks (every scenario, a fuzz pass,
/// a stateful pass). Each regression must be caught, and each fuzz finding class must fire on the regression
/// made for it.
@Suite("CI's checks against regressions of the server", .serialized)
struct ServerMutationTests {
    /// One regression of the server, as a wrapper changes its answers.
    enum Regression: String, CaseIterable, Sendable {
        case duplicateEmailAnswered200, foreignRevokeAnswered200, revokedKeyStillWorks, listShowsKeysAsActive,
             invalidEmailAccepted, keyNameWithSpaceRefused, listLeaksAField, garbageTokenListsNothing,
             traceAnswered404, headAnswered405, apostropheInPasswordCrashes, wrongMessageOnRevoke,
             // What the server did before every method got 405: a method it does not know of answered 404.
             unknownMethodAnswered404

        /// The fuzz finding class made to fire on it, if it is made for one.
        var fuzzClass: Fuzzer.FindingClass? {
            switch self {
            case .apostropheInPasswordCrashes: .serverError
            case .listLeaksAField: .undocumentedResponse
            case .keyNameWithSpaceRefused: .rejectedValidRequest
            case .invalidEmailAccepted: .acceptedInvalidRequest
            case .garbageTokenListsNothing: .credentialsNotRefused
            case .traceAnswered404, .unknownMethodAnswered404: .methodNotRefused
            case .headAnswered405: .headUnlikeGet
            default: nil
            }
        }

        /// The stateful finding class made to fire on it, if any.
        var statefulClass: StatefulExplorer.FindingClass? {
            switch self {
            case .revokedKeyStillWorks: .revokedKeyWorks
            case .foreignRevokeAnswered200: .foreignRevokeAllowed
            case .listShowsKeysAsActive: .listDiffersFromModel
            case .duplicateEmailAnswered200: .unexpectedStatus
            default: nil
            }
        }
    }

    /// The server's responder with `regression` applied to its answers.
    struct RegressedResponder<Base: HTTPResponder>: HTTPResponder where Base.Context == AppRequestContext {
        let base: Base
        /// None: the server as it is.
        let regression: Regression?

        func respond(to request: Request, context: AppRequestContext) async throws -> Response {
            var request = request
            let body = try await request.collectBody(upTo: 1 << 21)
            let text = String(buffer: body)
            let path = request.uri.path
            // A regressed answer still passes the server's response-headers middleware, as a real regression would.
            func json(_ status: HTTPResponse.Status, _ text: String) -> Response {
                let headers: HTTPFields = [
                    .contentType: "application/json", .xRequestID: context.id, .xContentTypeOptions: "nosniff", .cacheControl: "no-store",
                ]
                return Response(status: status, headers: headers, body: .init(byteBuffer: ByteBuffer(string: text)))
            }
            guard let regression else { return try await base.respond(to: request, context: context) }
            switch regression {
            case .apostropheInPasswordCrashes where path.hasSuffix("register") && text.contains("'"):
                return json(.internalServerError, #"{"error":"boom","code":"internal"}"#)
            case .keyNameWithSpaceRefused where path == "/api-keys/create" && text.contains(#"name":"#) && text.contains(" "):
                if let name = (try? JSONValue.parse(Data(text.utf8)))?["name"]?.stringValue, name.contains(" ") {
                    return json(.badRequest, #"{"error":"Names may not contain spaces.","code":"invalid_name"}"#)
                }
            case .traceAnswered404 where request.method == .trace:
                return json(.notFound, #"{"error":"Not found.","code":"not_found"}"#)
            case .unknownMethodAnswered404 where ["QUERY", "PROPFIND"].contains(request.method.rawValue):
                return json(.notFound, #"{"error":"No such route.","code":"not_found"}"#)
            case .headAnswered405 where request.method == .head:
                return json(.methodNotAllowed, "")
            default:
                break
            }
            // `collectBody` kept the buffer in the request and the connection's body behind it: a streamed answer
            // watches the connection through it.
            let response = try await base.respond(to: request, context: context)
            let status = response.status
            switch regression {
            case .duplicateEmailAnswered200 where status == .conflict,
                 .invalidEmailAccepted where status == .badRequest && path.hasSuffix("register"):
                let token = "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJ4In0.c2lnbmF0dXJl"
                let answer = try await Self.text(response)
                if regression == .duplicateEmailAnswered200 || answer.contains("invalid_email") {
                    return json(.ok, #"{"message":"User created","token":"\#(token)"}"#)
                }
                return json(status, answer)
            case .foreignRevokeAnswered200 where status == .notFound && path.hasPrefix("/api-keys/revoke/"):
                return json(.ok, #"{"message":"API key revoked successfully"}"#)
            case .wrongMessageOnRevoke where status == .ok && path.hasPrefix("/api-keys/revoke/"):
                return json(.ok, #"{"message":"Revoked"}"#)
            case .revokedKeyStillWorks where status == .unauthorized && path == "/chat/completions" && request.headers[.xAPIKey] != nil:
                return json(.ok, #"{"response":"[mock] You said: hi"}"#)
            case .listShowsKeysAsActive where status == .ok && path == "/api-keys/list":
                let listed = try await Self.text(response).replacingOccurrences(of: #""active":false"#, with: #""active":true"#)
                return json(.ok, listed)
            case .listLeaksAField where status == .ok && path == "/api-keys/list":
                let listed = try await Self.text(response).replacingOccurrences(of: #""name":"#, with: #""owner_email":"x@example.com","name":"#)
                return json(.ok, listed)
            case .garbageTokenListsNothing where status == .unauthorized && path == "/api-keys/list"
                && (request.headers[.authorization] ?? "").contains("garbage"):
                return json(.ok, "[]")
            default:
                break
            }
            return response
        }

        /// The response's body as text (the server's answers are small and whole).
        static func text(_ response: Response) async throws -> String {
            let collector = BodyCollector()
            try await response.body.write(collector)
            return String(buffer: collector.buffer)
        }
    }

    /// Keeps what a response body writes.
    final class BodyCollector: ResponseBodyWriter, @unchecked Sendable {
        var buffer = ByteBuffer()
        func write(_ buffer: ByteBuffer) async throws { self.buffer.writeImmutableBuffer(buffer) }
        func finish(_ trailingHeaders: HTTPFields?) async throws {}
    }

    /// What caught a regression.
    struct Caught {
        var scenarios: [String] = []
        var fuzz: Set<String> = []
        var stateful: Set<String> = []
        var any: Bool { !scenarios.isEmpty || !fuzz.isEmpty || !stateful.isEmpty }
    }

    /// The reference settings with the cheapest bcrypt there is (below what the server accepts from configuration):
    /// these checks register hundreds of users, and hash strength is not what they test.
    static func settings() throws -> AppSettings {
        var settings = try AppSettings(reader: ConformanceTests.referenceReader())
        settings.bcryptCost = 4
        return settings
    }

    /// The built-in fuzz set-up run against `baseURL`, the credentials it made by security scheme, and its failed steps.
    static func fuzzCredentials(spec: OpenAPISpec, baseURL: String) async throws -> (ScenarioLoader.Loaded, [String: String], FuzzReport) {
        let setup = try ScenarioLoader.load(text: try #require(ProjectFiles.file("spec/fuzz-setup.yaml")), file: "fuzz-setup.yaml")
        let setUp = try await FuzzSetUp.run(setup.scenario, spec: spec, baseURL: baseURL, given: [:])
        return (setup, setUp.variables.filter { ["sessionToken", "apiKey", "apiKeyBearer"].contains($0.key) }, setUp.report)
    }

    /// CI's three checks against the server with `regression`, on a real socket.
    static func check(_ regression: Regression) async throws -> Caught {
        let (spec, scenarios) = try ConformanceTests.loadSpec()
        let app = try await buildApplication(settings: try Self.settings()) { router in RegressedResponder(base: router, regression: regression) }
        return try await app.test(.live) { client in
            let base = "http://127.0.0.1:\(try #require(client.port))"
            var caught = Caught()
            var run = ConformanceRun(spec: spec, scenarios: scenarios, baseURL: base)
            run.variables = ["jwtSecret": ConformanceTests.secret]
            caught.scenarios = await run.run().scenarios.filter { $0.outcome == .failed }.map(\.name)

            let (_, credentials, setUpReport) = try await Self.fuzzCredentials(spec: spec, baseURL: base)
            let executor = HTTPExecutor()
            // As CI: without the two operations that would end the fuzzing user's own session.
            let fuzzed = spec.operations.values.filter { !["logout", "revokeAllSessions"].contains($0.id) }.sorted { $0.id < $1.id }
            let fuzzer = Fuzzer(spec: spec, baseURL: base, seed: 20_261_129, credentials: credentials, operations: fuzzed)
            var fuzzRun = FuzzRun(fuzzer: fuzzer, executor: executor, writer: FailureScenario(spec: spec, setupSteps: [], credentials: credentials))
            fuzzRun.shrinkAtMost = 0
            let deadline = ContinuousClock.now + .seconds(180)
            caught.fuzz = Set((setUpReport.entries + (await fuzzRun.run(count: 400, deadline: deadline, jobs: 4, save: nil)).entries).map(\.kind))
            if let explorer = try? StatefulExplorer(spec: spec, baseURL: base, seed: 20_261_129, executor: executor) {
                caught.stateful = Set(await explorer.run(count: 20, deadline: deadline, jobs: 4, save: nil).entries.map(\.kind))
            }
            try await executor.shutdown()
            return caught
        }
    }

    /// Findings saved with `--save-failures` replay as scenarios: failing against the regressed server the same
    /// way, passing against the real one.
    @Test(arguments: [Regression.invalidEmailAccepted, .foreignRevokeAnswered200])
    func savedFindingsReplayAndFailTheSameWay(_ regression: Regression) async throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("saved-\(UUID().uuidString)").path
        let (spec, _) = try ConformanceTests.loadSpec()
        func serve(_ regression: Regression?) async throws -> some ApplicationProtocol {
            try await buildApplication(settings: try Self.settings()) { router in RegressedResponder(base: router, regression: regression) }
        }
        try await serve(regression).test(.live) { client in
            let base = "http://127.0.0.1:\(try #require(client.port))"
            let deadline = ContinuousClock.now + .seconds(180)
            let (setup, credentials, _) = try await Self.fuzzCredentials(spec: spec, baseURL: base)
            let explorer = try StatefulExplorer(spec: spec, baseURL: base, seed: 20_261_129, executor: HTTPExecutor())
            if regression == .foreignRevokeAnswered200 {
                _ = await explorer.run(count: 20, deadline: deadline, jobs: 4, save: folder)
            } else {
                let fuzzer = Fuzzer(spec: spec, baseURL: base, seed: 20_261_129, credentials: credentials, operations: [spec.operations["register"]!])
                let writer = FailureScenario(spec: spec, setupSteps: setup.document["steps"]?.arrayValue ?? [], credentials: credentials)
                _ = await FuzzRun(fuzzer: fuzzer, executor: explorer.executor, writer: writer).run(count: 100, deadline: deadline, jobs: 4, save: folder)
            }
            try await explorer.executor.shutdown()
        }
        let saved = try ScenarioLoader.load(folder: URL(fileURLWithPath: folder)).map(\.scenario)
        #expect(!saved.isEmpty)
        let against = try await ConformanceTests.run(saved, spec: spec, against: try await serve(regression))
        #expect(against.counts.failed == saved.count, "every saved finding fails again against the regressed server")
        let fixed = try await ConformanceTests.run(saved, spec: spec, against: try await ConformanceTests.referenceApplication())
        #expect(fixed.counts.failed == 0, ProfileTests.describe(fixed))
    }

    @Test(arguments: Regression.allCases)
    func ciCatchesTheRegression(_ regression: Regression) async throws {
        let caught = try await Self.check(regression)
        print("server regression \(regression.rawValue): scenarios \(caught.scenarios), fuzz \(caught.fuzz.sorted()), stateful \(caught.stateful.sorted())")
        #expect(caught.any, "\(regression) passed every check CI runs")
        if let kind = regression.fuzzClass { #expect(caught.fuzz.contains(kind.rawValue), "fuzz did not report \(kind.rawValue)") }
        if let kind = regression.statefulClass { #expect(caught.stateful.contains(kind.rawValue), "stateful did not report \(kind.rawValue)") }
    }

    /// With every operation fuzzed, logout and revoking every session included, the sessions the run ends are not
    /// blamed on the server: each 401 to a valid request is sent again with a session the set-up makes anew for it.
    @Test func aFuzzThatLogsItselfOutFindsNothingOnTheRealServer() async throws {
        let (spec, _) = try ConformanceTests.loadSpec()
        let app = try await buildApplication(settings: try Self.settings())
        try await app.test(.live) { client in
            let base = "http://127.0.0.1:\(try #require(client.port))"
            let (setup, credentials, setUpReport) = try await Self.fuzzCredentials(spec: spec, baseURL: base)
            let executor = HTTPExecutor()
            var run = FuzzRun(
                fuzzer: Fuzzer(spec: spec, baseURL: base, seed: 77, credentials: credentials), executor: executor,
                writer: FailureScenario(spec: spec, setupSteps: [], credentials: credentials))
            run.shrinkAtMost = 0
            run.renew = { try? await FuzzSetUp.run(setup.scenario, spec: spec, baseURL: base, given: [:]).variables }
            let report = await run.run(count: 1_000, deadline: .now + .seconds(120), jobs: 4, save: nil)
            try await executor.shutdown()
            #expect(setUpReport.entries.isEmpty && report.entries.isEmpty, "\(report.console())")
            #expect((report.reached["logout"]?.succeeded ?? 0) > 0 && (report.reached["revokeAllSessions"]?.succeeded ?? 0) > 0, "\(report.reachLine)")
        }
    }
}
