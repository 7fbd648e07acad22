import Foundation

/// A whole run: every scenario's result and what they covered.
struct RunResult: Sendable {
    let baseURL: String
    let scenarios: [ScenarioResult]
    let seconds: Double
    let coverage: CoverageMatrix
    /// The deployment profile applied, if any.
    var profile: Profile?
    /// Known deviations observed: the profile's path changes for operations the run called, then each step's.
    let deviations: [ObservedDeviation]
    /// Profile deviations that covered a step although the deployment met the contract there.
    let unobservedDeviations: [String]

    init(baseURL: String, scenarios: [ScenarioResult], seconds: Double, coverage: CoverageMatrix, profile: Profile? = nil, spec: OpenAPISpec? = nil) {
        self.baseURL = baseURL
        self.scenarios = scenarios
        self.seconds = seconds
        self.coverage = coverage
        self.profile = profile
        let called = Set(scenarios.flatMap(\.calls).map(\.operation))
        let paths = (profile?.paths ?? [:]).filter { called.contains($0.key) }.sorted { $0.key < $1.key }.map { id, override in
            let operation = spec?.operations[id]
            return ObservedDeviation(
                scenario: "(all)", step: id, contract: ["\(operation?.method ?? "") \(operation?.path ?? "?")"],
                deployment: "\(operation?.method ?? "") \(override.path)", reason: override.reason)
        }
        let steps = scenarios.flatMap(\.steps)
        deviations = paths + steps.compactMap(\.deviation)
        unobservedDeviations = Array(Set(steps.compactMap(\.unobservedDeviation))).sorted()
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
