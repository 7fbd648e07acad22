import Foundation
import JSONValues

/// What the fuzz set-up scenario left: its variables (the credentials, named after the security schemes, and
/// values such as a created id) and each step that failed, as a `setup_failed` finding. A failed step does not
/// stop the fuzz: the steps after it that need none of its captures still run, and the fuzz goes on with what
/// the set-up made (a deployment that breaks its spec in the set-up's requests is what a fuzz run is for).
struct FuzzSetUp: Sendable {
    var variables: [String: String] = [:]
    /// Each failed step, as a finding.
    var report = FuzzReport()

    /// Runs `setup` (its later steps even after a failure, where they have what they need). Throws `SpecError` only
    /// for what no deployment can cause: a variable it needs that was not given, a template it cannot render.
    static func run(
        _ setup: Scenario, spec: OpenAPISpec, baseURL: String, given: [String: String], headers: [(name: String, value: String)] = []
    ) async throws -> FuzzSetUp {
        var scenario = setup
        scenario.continueOnFailure = true
        var run = ConformanceRun(spec: spec, scenarios: [scenario], baseURL: baseURL)
        run.headers = headers
        run.jobs = 1
        run.timeout = 30
        run.variables = given
        guard let result = await run.run().scenarios.first else { return FuzzSetUp() }
        let usage = result.steps.flatMap(\.failures).filter { $0.hasPrefix("template:") || $0.hasPrefix("cannot reach") }
        if result.outcome == .skipped || result.note != nil || !usage.isEmpty {
            throw SpecError("the set-up scenario \(setup.name) cannot run: \(([result.note].compactMap { $0 } + usage).joined(separator: "; "))")
        }
        var setUp = FuzzSetUp(variables: result.variables.mapValues(\.displayText))
        for (index, step) in result.steps.enumerated() {
            switch step.outcome {
            case .failed:
                setUp.report.failedCount += 1
                setUp.report.entries.append(FuzzReport.Entry(
                    operation: step.operation ?? "set-up", kind: Fuzzer.FindingClass.setupFailed.rawValue, index: -1,
                    request: "set-up step \(index + 1) '\(step.name)'" + (step.request.map { ": \($0.method) \($0.url)" } ?? ""),
                    problems: step.failures))
            case .skipped:
                setUp.report.notes.append("set-up step \(index + 1) '\(step.name)' \(step.failures.joined(separator: "; "))")
            case .passed:
                break
            }
        }
        return setUp
    }
}
