import Glibc
import NIOCore
import NIOPosix
import Synchronization

/// Admits password hashing onto threads of its own: at most `concurrency` hashes at once, at most `queueLimit`
/// waiting, and none waiting longer than `maxWait`. A login storm then costs the rest of the server at most
/// `concurrency` threads, and a login that cannot start soon is refused at once (`PasswordWorkBusy`, answered
/// 503 with `Retry-After`) instead of queueing without bound. The threads run at a lower scheduling priority
/// (`niceness`, 10 by default), so under a storm request handling wins the CPU and hashing takes what is left.
final class PasswordWorkGate: Sendable {
    let concurrency: Int
    let queueLimit: Int
    let maxWait: Duration
    /// The nice value the hashing threads run at.
    let niceness: Int32

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

    init(concurrency: Int, queueLimit: Int, maxWait: Duration, niceness: Int32 = PasswordWorkGate.defaultNiceness) {
        self.concurrency = max(1, concurrency)
        self.queueLimit = max(0, queueLimit)
        self.maxWait = maxWait
        self.niceness = min(19, max(0, niceness))
    }

    /// `PASSWORD_HASH_NICE`'s default (0 is the usual priority; 19 the lowest).
    static let defaultNiceness: Int32 = 10

    private static let pools = Mutex<[Int32: NIOThreadPool]>([:])

    /// The threads of one niceness: as many as cores, for the process's lifetime (`concurrency` bounds how many
    /// are busy).
    private static func threads(niceness: Int32) -> NIOThreadPool {
        pools.withLock { pools in
            if let pool = pools[niceness] { return pool }
            let pool = NIOThreadPool(numberOfThreads: System.coreCount)
            pool.start()
            pools[niceness] = pool
            return pool
        }
    }

    /// The default concurrency: every core but one, so request handling always keeps a core.
    static var defaultConcurrency: Int { max(1, System.coreCount - 1) }

    /// Runs `body` on the password threads once admitted.
    func run<T: Sendable>(_ body: @escaping @Sendable () throws -> T) async throws -> T {
        try await acquire()
        defer { release() }
        let niceness = self.niceness
        return try await Self.threads(niceness: niceness).runIfActive {
            // The calling thread only (on Linux, who 0 is the thread). Each niceness has threads of its own: an
            // unprivileged process cannot raise a thread's priority back once lowered.
            if niceness > 0 { _ = setpriority(__priority_which_t(PRIO_PROCESS.rawValue), 0, niceness) }
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
