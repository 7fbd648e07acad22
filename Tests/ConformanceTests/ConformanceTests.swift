import Configuration
import Foundation
import Hummingbird
import HTTPTypes
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
            run.settings = planned.settings
            // Generous: other suites hash passwords on the same two cores at the same time.
            run.timeout = 60
            return await run.run()
        }
    }

    /// The reference server's settings: a new SQLite file, the conformance secret, rate limits off (the checks
    /// send many requests from one address).
    static func referenceValues() -> [AbsoluteConfigKey: ConfigValue] {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("conformance-\(UUID().uuidString)")
        return [
            "http.port": "0", "database.path": ConfigValue(.string(folder.appendingPathComponent("db.sqlite").path), isSecret: false),
            "jwt.secret": ConfigValue(.string(Self.secret), isSecret: true), "bcrypt.cost": "10", "log.level": "warning",
            "rateLimit.authPerMinute": "0", "rateLimit.chatPerMinute": "0", "rateLimit.authFailuresPerMinute": "0",
            "password.hashMaxWait": "60",
        ]
    }

    static func referenceReader() -> ConfigReader {
        ConfigReader(provider: InMemoryProvider(values: referenceValues()))
    }

    /// The reference server on a new SQLite file, with the conformance secret.
    static func referenceApplication() async throws -> some ApplicationProtocol {
        try await buildApplication(reader: referenceReader())
    }

    /// The files under `spec/settings/`, each the settings of a deployment that some scenarios pinning limits at
    /// their edges assume (`edges.env`, `streams.env`, `upstream.env`, …).
    static func settingsFiles() throws -> [URL] {
        let folder = root.appendingPathComponent("spec/settings")
        return try FileManager.default.contentsOfDirectory(at: folder, includingPropertiesForKeys: nil)
            .filter { $0.pathExtension == "env" }.sorted { $0.lastPathComponent < $1.lastPathComponent }
    }

    /// The reference server's settings with `settings` (and `extra`, by environment name) over them, each of
    /// their names a documented setting.
    static func reader(with settings: DeploymentSettings, adding extra: [String: String] = [:], from file: String) throws -> ConfigReader {
        var values = referenceValues()
        for (name, value) in settings.values.merging(extra, uniquingKeysWith: { $1 }) {
            let setting = try #require(Setting.all.first { $0.environmentName == name }, "\(file) names no setting \(name)")
            values[AbsoluteConfigKey(stringLiteral: setting.key)] = ConfigValue(.string(value), isSecret: false)
        }
        return ConfigReader(provider: InMemoryProvider(values: values))
    }

    @Test func referenceServerPassesEveryScenario() async throws {
        let (spec, all) = try Self.loadSpec()
        let scenarios = all.filter(\.settings.isEmpty)
        let result = try await Self.run(scenarios, spec: spec, against: try await Self.referenceApplication())
        let failures = result.scenarios.filter { $0.outcome != .passed }.map { ConsoleReport(colour: false).scenarioFinished($0) }
        #expect(failures.isEmpty, "\(failures.joined(separator: "\n"))")
        #expect(result.counts.passed == scenarios.count)
        #expect(result.coverage.rows.allSatisfy { $0.undocumented.isEmpty })
    }

    /// A background step's answer is awaited after the last step and reported in its own place, and its failure fails
    /// the scenario. (That later steps run while it is in flight, edge-password-work needs: its third registration
    /// must come while the second waits.)
    @Test func aBackgroundStepIsCheckedAfterTheLastStepInItsPlace() async throws {
        let (spec, _) = try Self.loadSpec()
        let scenario = try ScenarioLoader.load(text: """
            name: background
            steps:
              - name: late
                operation: getHealth
                background: true
                delay: 2
                expect: { status: 500 }
              - name: early
                operation: getHealth
                expect: { status: 200 }
            """, file: "background.yaml").scenario
        let result = try await Self.run([scenario], spec: spec, against: try await Self.referenceApplication())
        let steps = try #require(result.scenarios.first).steps
        #expect(steps.map(\.name) == ["late", "early"])
        #expect(steps.map(\.outcome) == [.failed, .passed])
        #expect(steps[0].failures.contains { $0.contains("expected 500") && $0.contains("200") }, "\(steps[0].failures)")
        #expect(result.scenarios.first?.outcome == .failed)
    }

    /// The scenarios that pin limits at their edges, each file of `spec/settings/` against a server started with
    /// it, as CI runs them on the installed binary: a scenario runs against every file that has its settings (and is
    /// skipped, saying why, against the others); every one passes against one file at least, and fails against none.
    @Test func aServerWithEachSettingsFilePassesItsEdgeScenarios() async throws {
        let (spec, all) = try Self.loadSpec()
        let scenarios = all.filter { !$0.settings.isEmpty }
        #expect(scenarios.count >= 9)
        var passed: Set<String> = []
        for file in try Self.settingsFiles() {
            var run = ConformanceRun(spec: spec, scenarios: scenarios, baseURL: "")
            let settings = try DeploymentSettings.load(file.path)
            run.settings = settings
            let planned = run
            let result = try await Self.withUpstream(of: file) { upstream in
                try await Self.run(planned, against: try await buildApplication(reader: Self.reader(with: settings, adding: upstream, from: file.lastPathComponent)))
            }
            let failures = result.scenarios.filter { $0.outcome == .failed }.map { ConsoleReport(colour: false).scenarioFinished($0) }
            #expect(failures.isEmpty, "\(file.lastPathComponent): \(failures.joined(separator: "\n"))")
            passed.formUnion(result.scenarios.filter { $0.outcome == .passed }.map(\.name))
        }
        #expect(Set(scenarios.map(\.name)).subtracting(passed).isEmpty, "run against no settings file: \(Set(scenarios.map(\.name)).subtracting(passed).sorted())")
    }

    /// Runs `body` with the settings that put a settings file's deployment in front of its upstream: when the file
    /// names one (`# upstream: FILE`, as scripts/deployments.py reads it), a reference server started with that file,
    /// an account registered and an API key created there, given as OPENAI_BASE_URL and OPENAI_API_KEY; otherwise none.
    static func withUpstream<Value: Sendable>(of file: URL, _ body: @escaping @Sendable ([String: String]) async throws -> Value) async throws -> Value {
        let text = try String(contentsOf: file, encoding: .utf8)
        guard let match = text.firstMatch(of: /(?m)^#\s*upstream:\s*(\S+)\s*$/) else { return try await body([:]) }
        let upstreamFile = file.deletingLastPathComponent().appendingPathComponent(String(match.1))
        let settings = try DeploymentSettings.load(upstreamFile.path)
        let upstream = try await buildApplication(reader: Self.reader(with: settings, from: upstreamFile.lastPathComponent))
        return try await upstream.test(.live) { client in
            let port = try #require(client.port)
            func post(_ path: String, _ json: String, token: String? = nil) async throws -> [String: Any] {
                var headers: HTTPFields = [.contentType: "application/json"]
                if let token { headers[.authorization] = "Bearer \(token)" }
                let response = try await client.execute(uri: path, method: .post, headers: headers, body: ByteBuffer(string: json))
                return try #require(try JSONSerialization.jsonObject(with: Data(buffer: response.body)) as? [String: Any], "\(path): \(response.status)")
            }
            let token = try #require(try await post("/register", #"{"email":"gateway@example.com","password":"gateway password"}"#)["token"] as? String)
            let key = try #require(try await post("/api-keys/create", #"{"name":"gateway"}"#, token: token)["key"] as? String)
            return try await body(["OPENAI_BASE_URL": "http://127.0.0.1:\(port)/v1", "OPENAI_API_KEY": key])
        }
    }

    /// The settings a scenario cannot pin, each with why and where it is tested instead.
    static let settingsNoScenarioCanPin: [String: String] = [
        "HTTP_HOST": "where the server listens: the base URL itself",
        "HTTP_PORT": "where the server listens: the base URL itself",
        "DATABASE_PATH": "storage, not seen over HTTP",
        "DATABASE_URL": "storage, not seen over HTTP (the PostgreSQL pass of CI)",
        "DATABASE_MAX_CONNECTIONS": "storage, not seen over HTTP",
        "DATABASE_TIMEOUT": "seen only while the database stalls (ScaleOutTests)",
        "JWT_SECRET": "pinned through --var jwtSecret by session-token-expired and session-token-rules",
        "PASSWORD_HASH_NICE": "a thread priority (scripts/bench-password-nice.sh)",
        "OPENAI_API_KEY": "a secret no scenario states: upstream.env's upstream gives one, and its scenarios see it accepted (ModelBackendTests and CI's LiteLLM check see a wrong one refused)",
        "WORKERS_AI_BASE_URL": "needs an upstream that speaks Cloudflare's Workers AI API, as no reference server does (ModelBackendTests' stand-in)",
        "WORKERS_AI_ACCOUNT_ID": "needs an upstream that speaks Cloudflare's Workers AI API, as no reference server does (ModelBackendTests' stand-in)",
        "WORKERS_AI_API_TOKEN": "needs an upstream that speaks Cloudflare's Workers AI API, as no reference server does (ModelBackendTests' stand-in)",
        "UPSTREAM_CONNECT_TIMEOUT": "needs an address where a connection never completes, which a settings file cannot name (ModelBackendTests make one: a socket whose accept queue is full)",
        "CREDENTIAL_CACHE_SIZE": "seen only when the database is edited behind the server's back (CredentialCacheTests)",
        "CREDENTIAL_CACHE_TTL": "seen only when the database is edited behind the server's back (CredentialCacheTests)",
        "SHUTDOWN_GRACE_SECONDS": "seen only at SIGTERM (FaultTests)",
        "CHAT_MAX_STREAM_BYTES_PER_SECOND_PER_PRINCIPAL": "a rate, seen only by timing streams, which scenarios do not (StreamConcurrencyTests)",
        "LOG_LEVEL": "the log, not HTTP",
        "LOG_FORMAT": "the log, not HTTP",
        "DOCS_SPEC_PATH": "a path on the server's machine (OperationsTests)",
        "DOCS_HTML_PATH": "a path on the server's machine (OperationsTests)",
    ]

    /// Every documented setting a client can see over HTTP is pinned by a scenario that assumes it, and the
    /// list of those that cannot be is of real settings.
    @Test func everySettingAClientCanSeeIsPinnedByAScenario() throws {
        let (_, scenarios) = try Self.loadSpec()
        let pinned = Set(scenarios.flatMap(\.settings.keys))
        let names = Setting.all.map(\.environmentName)
        let gaps = names.filter { !pinned.contains($0) && Self.settingsNoScenarioCanPin[$0] == nil }
        #expect(gaps.isEmpty, "settings no scenario pins (add a scenario with settings: and a value in a file of spec/settings/): \(gaps)")
        #expect(Set(Self.settingsNoScenarioCanPin.keys).subtracting(names).isEmpty, "not settings")
        #expect(pinned.subtracting(names).isEmpty, "scenarios assume settings the server does not have: \(pinned.subtracting(names).sorted())")
    }
}
