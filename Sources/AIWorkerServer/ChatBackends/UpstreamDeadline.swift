import Synchronization

/// The time an upstream answer has: a deadline for the whole answer (`UPSTREAM_TIMEOUT`, from the moment the
/// request is sent) and, optionally, a longest silence between two pieces of its body (`UPSTREAM_IDLE_TIMEOUT`).
/// Reading the body under `enforce` cancels the read and throws `ChatBackendError.timeout` once either passes.
final class UpstreamDeadline: Sendable {
    let deadline: ContinuousClock.Instant
    let idle: Duration?
    private let lastActivity: Mutex<ContinuousClock.Instant>

    init(timeout: Duration, idle: Duration?, now: ContinuousClock.Instant = .now) {
        deadline = now + timeout
        self.idle = idle
        lastActivity = Mutex(now)
    }

    /// A piece of the answer came: the idle clock starts again.
    func touch() {
        lastActivity.withLock { $0 = .now }
    }

    /// When the answer is late if nothing more comes, and the error it is late with: the whole answer's deadline,
    /// or a silence longer than `idle`.
    private func expiry(backend: String) -> (instant: ContinuousClock.Instant, error: ChatBackendError) {
        guard let idle else { return (deadline, .timeout(backend: backend)) }
        let silenceEnds = lastActivity.withLock { $0 } + idle
        return silenceEnds < deadline
            ? (silenceEnds, .silent(backend: backend, seconds: Int(idle.components.seconds)))
            : (deadline, .timeout(backend: backend))
    }

    /// Runs `operation` (which calls `touch` as pieces come), cancelling it and throwing
    /// `ChatBackendError.timeout(backend:)` or `.silent(backend:seconds:)` once the answer is late.
    func enforce<Value: Sendable>(backend: String, _ operation: @escaping @Sendable () async throws -> Value) async throws -> Value {
        try await withThrowingTaskGroup(of: Value?.self) { group in
            group.addTask { try await operation() }
            group.addTask {
                while true {
                    let expiry = self.expiry(backend: backend)
                    if expiry.instant <= .now { throw expiry.error }
                    try await Task.sleep(until: expiry.instant)
                }
            }
            defer { group.cancelAll() }
            // The first to finish decides: the answer, or the watchdog's timeout.
            guard let value = try await group.next() ?? nil else { throw CancellationError() }
            return value
        }
    }
}
