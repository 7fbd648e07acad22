import Foundation

/// A conformance run driven from Swift: what `specrunner run` does (the same loading, checks and reports), for a
/// team that checks a deployment from its own tests or tools. Paths left nil mean this project's built-in files.
///
/// ```swift
/// var conformance = Conformance(baseURL: "http://127.0.0.1:8787")
/// conformance.tag = "smoke"
/// let report = try await conformance.run()
/// #expect(report.passed, "\(report.summary)")
/// ```
public struct Conformance: Sendable {
    /// The deployment to check, e.g. `http://127.0.0.1:8787`.
    public var baseURL: String
    /// The OpenAPI 3.1 document (a JSON file), or nil for the built-in one.
    public var spec: String?
    /// The folder of scenario files (profiles are read from `profiles` beside it), or nil for the built-in ones.
    public var scenarios: String?
    /// A deployment profile by name (from the profiles folder) or path.
    public var profile: String?
    /// The file of settings the deployment was started with (`NAME=VALUE` lines, its `.env`).
    public var settings: String?
    /// Only scenarios whose name contains this text.
    public var filter: String?
    /// Only scenarios with this tag.
    public var tag: String?
    /// Values for the scenarios' variables (`--var`).
    public var variables: [String: String] = [:]
    /// Headers for every request that does not set them itself (`--header`), in order; never recorded in reports.
    public var headers: [(name: String, value: String)] = []
    /// Scenarios run at once.
    public var jobs = 4
    /// Seconds a step may take unless its scenario says otherwise.
    public var timeout = 10.0

    public init(baseURL: String) {
        self.baseURL = baseURL
    }

    /// Runs the chosen scenarios against `baseURL`, telling `log` what it loaded and each scenario's result as it
    /// finishes, in the command line's words. Failed scenarios are in the report, not thrown; it throws
    /// `SpecRunnerError.invalidInput` when an input cannot be used and `.unreachable` when nothing answers.
    public func run(log: @escaping @Sendable (String) -> Void = { _ in }) async throws -> ConformanceReport {
        var location = SpecLocation()
        location.spec = spec
        location.scenarios = scenarios
        let (reference, loaded) = try location.load()
        let (deploymentSettings, checkedSpec) = try SettingsOption.load(settings, applyingTo: reference, log: log)
        let chosen = loaded.map(\.scenario).filter { scenario in
            (filter.map { scenario.name.contains($0) } ?? true) && (tag.map { scenario.tags.contains($0) } ?? true)
        }
        guard !chosen.isEmpty else { throw SpecRunnerError.invalidInput("no scenario matches the filter and tag given") }
        let base = try await ConformanceRun.reachableBase(baseURL)
        log("Running \(chosen.count) scenarios against \(base) (spec \(location.specName))")
        var run = ConformanceRun(spec: checkedSpec, scenarios: chosen, baseURL: base)
        run.variables = variables
        run.headers = headers
        run.jobs = jobs
        run.timeout = timeout
        run.settings = deploymentSettings
        if let profile {
            do {
                run.profile = try ProfileCheck(profile: try location.profile(profile), reference: checkedSpec)
            } catch let error as SpecError {
                throw SpecRunnerError.invalidInput("the profile '\(profile)': \(error.description)")
            }
        }
        let console = ConsoleReport()
        let result = await run.run { log(console.scenarioFinished($0)) }
        return ConformanceReport(result: result, specName: location.specName)
    }
}

/// What a conformance run found: each scenario's outcome and failures, and the reports `specrunner run` writes.
public struct ConformanceReport: Sendable {
    let result: RunResult
    let specName: String

    /// One scenario's outcome.
    public struct ScenarioOutcome: Sendable {
        public let name: String
        /// `passed`, `failed` or `skipped`.
        public let outcome: String
        /// What went wrong, a line per failed step (`step: reason`), or why it was skipped.
        public let failures: [String]
    }

    /// Whether no scenario failed (skipped ones do not fail a run, as on the command line).
    public var passed: Bool { result.counts.failed == 0 }

    /// Every scenario run, in file order.
    public var scenarios: [ScenarioOutcome] {
        result.scenarios.map { scenario in
            let steps = scenario.steps.filter { $0.outcome == .failed }.flatMap { step in step.failures.map { "\(step.name): \($0)" } }
            return ScenarioOutcome(name: scenario.name, outcome: scenario.outcome.rawValue, failures: (scenario.note.map { [$0] } ?? []) + steps)
        }
    }

    /// The command line's report: every failed scenario with its steps, the coverage matrix, the profile's
    /// deviations (if any) and the counts.
    public var summary: String {
        let console = ConsoleReport(colour: false)
        let failed = result.scenarios.filter { $0.outcome == .failed }.map(console.scenarioFinished)
        return (failed + [console.coverage(result.coverage), console.deviations(result), console.summary(result)].compactMap { $0 })
            .joined(separator: "\n\n")
    }

    /// The JUnit XML report, for CI systems.
    public var junit: String { MachineReports.junit(result) }

    /// The JSON report: every request and response, secrets redacted.
    public var json: String { MachineReports.json(result) }

    /// The HTML report: one self-contained page for people.
    public var html: String { HTMLReport.run(result, spec: specName) }
}
