import Foundation

/// A whole run: every scenario's result and what they covered.
struct RunResult: Sendable {
    let baseURL: String
    let scenarios: [ScenarioResult]
    let seconds: Double
    let coverage: CoverageMatrix
    /// The deployment profile applied, if any.
    var profile: Profile?
    /// Differences from the contract observed in steps, each with the profile entries that account for it.
    let deviations: [ObservedDeviation]
    /// Every entry of the profile and what the run made of it.
    let entries: [EntryState]

    /// What a run made of one profile entry.
    struct EntryState: Sendable {
        let entry: ProfileEntry
        /// Steps whose difference from the contract it accounts for (for a path: calls of its operation).
        let observed: Int
        /// Steps where it says the deployment differs, but the deployment now meets the contract.
        let fixed: Int
        /// One observed difference, for the report.
        let example: ObservedDeviation?
    }

    init(baseURL: String, scenarios: [ScenarioResult], seconds: Double, coverage: CoverageMatrix, profile: Profile? = nil) {
        self.baseURL = baseURL
        self.scenarios = scenarios
        self.seconds = seconds
        self.coverage = coverage
        self.profile = profile
        let steps = scenarios.flatMap(\.steps)
        deviations = steps.compactMap(\.deviation)
        let calls = scenarios.flatMap(\.calls)
        entries = (profile?.entries ?? []).map { entry in
            if let operation = profile?.paths.first(where: { profile?.pathEntry($0.key) == entry })?.key {
                return EntryState(entry: entry, observed: calls.filter { $0.operation == operation }.count, fixed: 0, example: nil)
            }
            let observed = steps.compactMap(\.deviation).filter { $0.entries.contains(entry) }
            return EntryState(entry: entry, observed: observed.count, fixed: steps.filter { $0.fixed.contains(entry) }.count, example: observed.first)
        }
    }

    /// Steps where the deployment now meets the contract although the profile says it differs.
    var fixedSteps: Int {
        scenarios.flatMap(\.steps).filter { !$0.fixed.isEmpty }.count
    }

    var counts: (passed: Int, failed: Int, skipped: Int) {
        (scenarios.filter { $0.outcome == .passed }.count, scenarios.filter { $0.outcome == .failed }.count,
         scenarios.filter { $0.outcome == .skipped }.count)
    }
}
