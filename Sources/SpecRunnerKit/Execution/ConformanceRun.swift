import Foundation

/// A conformance run as the command line and the tests start it: load, filter, run with N jobs, collect.
struct ConformanceRun: Sendable {
    let spec: OpenAPISpec
    let scenarios: [Scenario]
    let baseURL: String
    var variables: [String: String] = [:]
    var jobs = 4
    var timeout = 10.0
    /// Headers for every request (`--header`).
    var headers: [(name: String, value: String)] = []
    /// The deployment's profile, ready to judge responses.
    var profile: ProfileCheck?
    /// The settings the deployment was started with, for scenarios that assume some.
    var settings: DeploymentSettings?

    /// Runs every scenario, at most `jobs` at once, calling `progress` as each finishes; results keep file order.
    func run(progress: @Sendable (ScenarioResult) -> Void = { _ in }) async -> RunResult {
        let start = ContinuousClock.now
        let executor = HTTPExecutor(extraHeaders: headers)
        let runner = ScenarioRunner(
            spec: spec, executor: executor, baseURL: baseURL,
            variables: (profile?.profile.variables ?? [:]).merging(variables) { $1 }, defaultTimeout: timeout,
            runId: Template.randomCharacters(6).lowercased(), profile: profile, settings: settings)
        var results = [ScenarioResult?](repeating: nil, count: scenarios.count)
        await withTaskGroup(of: (Int, ScenarioResult).self) { group in
            var next = 0
            func startNext() {
                guard next < scenarios.count else { return }
                let index = next
                let scenario = scenarios[index]
                group.addTask { (index, await runner.run(scenario)) }
                next += 1
            }
            for _ in 0..<max(1, jobs) { startNext() }
            while let (index, result) = await group.next() {
                results[index] = result
                progress(result)
                startNext()
            }
        }
        try? await executor.shutdown()
        let finished = results.compactMap { $0 }
        return RunResult(
            baseURL: baseURL, scenarios: finished, seconds: (ContinuousClock.now - start).seconds,
            coverage: CoverageMatrix(spec: spec, calls: finished.flatMap(\.calls)), profile: profile?.profile)
    }

    /// `url` without a trailing slash, once something answers HTTP there; otherwise `SpecRunnerError.unreachable` (exit 3)
    /// saying why in words (refused, a name that does not resolve, no answer).
    static func reachableBase(_ url: String) async throws -> String {
        let base = url.hasSuffix("/") ? String(url.dropLast()) : url
        if let reason = await unreachableReason(base) {
            throw SpecRunnerError.unreachable("nothing answers at \(base): \(reason); start the server or check --base-url")
        }
        return base
    }

    /// Why nothing answers HTTP at `baseURL`, or nil when something does (any status will do).
    static func unreachableReason(_ baseURL: String) async -> String? {
        let executor = HTTPExecutor()
        defer { Task { try? await executor.shutdown() } }
        do {
            _ = try await executor.send(SentRequest(method: "GET", url: baseURL + "/", headers: [], body: nil), timeout: 5)
            return nil
        } catch {
            return HTTPExecutor.isUnreachable(error) ? HTTPExecutor.words(for: error, timeout: 5) : nil
        }
    }
}
