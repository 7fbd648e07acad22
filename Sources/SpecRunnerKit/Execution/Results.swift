import JSONValues
// The results of running scenarios, step to run, together: every report reads all of them.

/// How a step, scenario or run ended.
enum Outcome: String, Sendable, Codable {
    case passed, failed, skipped
}

/// What one step sent, got and found wrong.
struct StepResult: Sendable {
    let name: String
    let operation: String?
    var outcome: Outcome
    /// Why the step failed (empty when it passed) or why it was skipped.
    var failures: [String]
    /// The request as sent, secrets redacted.
    var request: SentRequest?
    var status: Int?
    /// The start of the response body, secrets redacted.
    var responseExcerpt: String?
    var seconds: Double
    /// Whether this is a `finally` step.
    var isFinally: Bool
    /// A difference from the contract that the profile records, observed in this step.
    var deviation: ObservedDeviation?
    /// Profile entries that say this step differs, although the deployment now meets the contract here.
    var fixed: [ProfileEntry] = []
    /// What a reader should know although the step passed or failed on its own (a request sent again).
    var notes: [String] = []
    /// The busy answers (429 or 503 with `Retry-After`) waited on before the step's answer.
    var waits: [RetryAfterWait] = []
    /// The exchange as sent and received, secrets included: only for recording documentation, never reported.
    var exchange: RecordedExchange?
}

/// A request and its response, in full.
struct RecordedExchange: Sendable {
    let request: SentRequest
    let response: ReceivedResponse
}

/// What one scenario did.
struct ScenarioResult: Sendable {
    let name: String
    let file: String
    let tags: [String]
    var outcome: Outcome
    var steps: [StepResult]
    /// A problem before any step ran (a missing variable, a template error), or why it was skipped.
    var note: String?
    var seconds: Double
    /// Each operation call: operation id, status received, whether the step passed, whether the status is documented.
    var calls: [OperationCall]
    /// The variables when the scenario ended (generated and captured values), for normalising recordings.
    var variables: [String: JSONValue] = [:]
    /// The run's id, which generated data contains.
    var runId = ""
}

/// One call of a spec operation, for the coverage matrix.
struct OperationCall: Sendable, Hashable {
    let operation: String
    let status: Int
    let passed: Bool
    let documented: Bool
}
