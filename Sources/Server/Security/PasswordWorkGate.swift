import Glibc
import NIOCore
import NIOPosix
import Synchronization

/// Admits password hashing onto threads of its own: at most `concurrency` hashes at once, at most `queueLimit`
/// waiting, and none waiting longer than `maxWait`. A login storm then costs the rest of the server at most
/// `concurrency` threads, and a login that cannot start soon is refused at once (`PasswordWorkBusy`, answered
/// 503 with `Retry-After`) instead of queueing without bound. The threads run at a lower scheduling priority
/// (nice 10), so under a storm request handling wins the CPU and hashing takes what is left.
final class PasswordWorkGate: Sendable {
    let concurrency: Int
    let queueLimit: Int
    let maxWait: Duration

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

    init(concurrency: Int, queueLimit: Int, maxWait: Duration) {
        self.concurrency = max(1, concurrency)
        self.queueLimit = max(0, queueLimit)
        self.maxWait = maxWait
    }

    /// The nice value of the password threads (0 is the default; 19 the lowest priority).
    static let niceness: Int32 = 10

    /// As many threads as cores, for the process's lifetime: `concurrency` bounds how many are busy.
    private static let threads: NIOThreadPool = {
        let pool = NIOThreadPool(numberOfThreads: System.coreCount)
        pool.start()
        return pool
    }()

    /// The default concurrency: every core but one, so request handling always keeps a core.
    static var defaultConcurrency: Int { max(1, System.coreCount - 1) }

    /// Runs `body` on the password threads once admitted.
    func run<T: Sendable>(_ body: @escaping @Sendable () throws -> T) async throws -> T {
        try await acquire()
        defer { release() }
        return try await Self.threads.runIfActive {
            // The calling thread only (on Linux, who 0 is the thread), and only ever lowered: an unprivileged
            // process could not raise it back.
            _ = setpriority(__priority_which_t(PRIO_PROCESS.rawValue), 0, Self.niceness)
            return try body()
        }
    }

    /// The hashes running and waiting now, for tests and metrics.
    var load: (running: Int, waiting: Int) {
        state.withLock { ($0.running, $0.waiters.count) }
    }

    private func acquire() async throws {
        let queued: UInt64? = try state.withLock { state in
            if state.running < concurrency {
                state.running += 1
                return nil
            }
            guard state.waiters.count < queueLimit else { throw PasswordWorkBusy(retryAfterSeconds: retryAfterSeconds) }
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
                expired?.continuation.resume(throwing: PasswordWorkBusy(retryAfterSeconds: retryAfter))
            }
        }
    }

    /// Hands the slot to the longest waiter, or frees it.
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
        max(1, Int((Double(maxWait.components.seconds) + Double(maxWait.components.attoseconds) / 1e18).rounded(.up)))
    }
}

/// Password work could not start in time: the server is checking as many passwords as it allows.
struct PasswordWorkBusy: Error {
    let retryAfterSeconds: Int
}
