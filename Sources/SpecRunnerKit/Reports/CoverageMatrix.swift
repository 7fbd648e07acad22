import Foundation

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
