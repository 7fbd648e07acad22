import Synchronization

/// Admits at most `limit` holders at once, lets at most `queueLimit` more wait in order, and none longer than
/// `maxWait`: past either, `acquire` throws `AdmissionGate.Busy` at once (answered 503 with `Retry-After`) instead
/// of queueing without bound. Password hashing and upstream connections are admitted through one each.
final class AdmissionGate: Sendable {
    let limit: Int
    let queueLimit: Int
    let maxWait: Duration

    /// Refused: the gate is full and so is its queue (`waited` false), or the wait ran out (`waited` true).
    struct Busy: Error {
        let retryAfterSeconds: Int
        let waited: Bool
    }

    private struct Waiter {
        let id: UInt64
        let continuation: CheckedContinuation<Void, any Error>
    }

    private struct State {
        var running = 0
        var waiters: [Waiter] = []
        var nextID: UInt64 = 0
    }

    private let state = Mutex(State())

    init(limit: Int, queueLimit: Int, maxWait: Duration) {
        self.limit = max(1, limit)
        self.queueLimit = max(0, queueLimit)
        self.maxWait = maxWait
    }

    /// Holders and waiters now.
    var load: (running: Int, waiting: Int) {
        state.withLock { ($0.running, $0.waiters.count) }
    }

    /// Waits for a place (in order of arrival), or throws `Busy`.
    func acquire() async throws -> Permit {
        try await enter()
        return Permit { [self] in release() }
    }

    private func enter() async throws {
        let queued: UInt64? = try state.withLock { state in
            if state.running < limit {
                state.running += 1
                return nil
            }
            guard state.waiters.count < queueLimit else { throw Busy(retryAfterSeconds: retryAfterSeconds, waited: false) }
            state.nextID += 1
            return state.nextID
        }
        guard let id = queued else { return }
        try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Void, any Error>) in
            state.withLock { $0.waiters.append(Waiter(id: id, continuation: continuation)) }
            // Past the deadline, a waiter still in the queue leaves it with an error; one admitted before is untouched.
            let maxWait = self.maxWait
            let retryAfter = retryAfterSeconds
            Task { [weak self] in
                try? await Task.sleep(for: maxWait)
                guard let self else { return }
                let expired = self.state.withLock { state -> Waiter? in
                    guard let index = state.waiters.firstIndex(where: { $0.id == id }) else { return nil }
                    return state.waiters.remove(at: index)
                }
                expired?.continuation.resume(throwing: Busy(retryAfterSeconds: retryAfter, waited: true))
            }
        }
    }

    /// Hands the place to the longest waiter, or frees it.
    private func release() {
        let next = state.withLock { state -> Waiter? in
            if state.waiters.isEmpty {
                state.running -= 1
                return nil
            }
            return state.waiters.removeFirst()
        }
        next?.continuation.resume()
    }

    private var retryAfterSeconds: Int {
        max(1, Int(maxWait.seconds.rounded(.up)))
    }
}
