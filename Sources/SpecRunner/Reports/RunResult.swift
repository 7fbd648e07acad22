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

/// For each operation of the spec and each status it documents: was it exercised, and did it pass.
struct CoverageMatrix: Sendable {
    enum State: String, Sendable { case passed, failed, notExercised = "not exercised" }

    struct Cell: Sendable {
        let status: String
        let state: State
    }

    struct Row: Sendable {
        let operation: String
        let cells: [Cell]
        /// Statuses received that the spec does not document for this operation.
        let undocumented: [Int]
    }

    let rows: [Row]

    init(spec: OpenAPISpec, calls: [OperationCall]) {
        rows = spec.operations.keys.sorted().map { id in
            let operation = spec.operations[id]!
            let mine = calls.filter { $0.operation == id }
            let cells = operation.statuses.map { key -> Cell in
                let hits = mine.filter { call in spec.response(for: operation, status: call.status)?.statusKey == key }
                let state: State = hits.isEmpty ? .notExercised : (hits.allSatisfy(\.passed) ? .passed : .failed)
                return Cell(status: key, state: state)
            }
            return Row(operation: id, cells: cells, undocumented: Array(Set(mine.filter { !$0.documented }.map(\.status))).sorted())
        }
    }

    var total: Int { rows.reduce(0) { $0 + $1.cells.count } }
    var exercised: Int { rows.reduce(0) { $0 + $1.cells.filter { $0.state != .notExercised }.count } }
}
