import Glibc
import NIOCore
import NIOPosix
import Synchronization

/// Admits password hashing (through an `AdmissionGate`) onto threads of its own: at most `concurrency` hashes
/// at once, at most `queueLimit` waiting, and none waiting longer than `maxWait`. A login storm then costs the
/// rest of the server at most `concurrency` threads, and a login that cannot start soon is refused at once
/// (`PasswordWorkBusy`, answered 503 with `Retry-After`) instead of queueing without bound. The threads run at
/// a lower scheduling priority (`niceness`, 5 by default), so under a storm request handling wins most of the CPU,
/// while a login on a machine busy with other work still finishes in about a second (BENCHMARKS.md, "Password
/// hashing's priority").
final class PasswordWorkGate: Sendable {
    /// The nice value the hashing threads run at.
    let niceness: Int32

    private let gate: AdmissionGate

    init(concurrency: Int, queueLimit: Int, maxWait: Duration, niceness: Int32 = PasswordWorkGate.defaultNiceness) {
        gate = AdmissionGate(limit: concurrency, queueLimit: queueLimit, maxWait: maxWait)
        self.niceness = min(19, max(0, niceness))
    }

    /// `PASSWORD_HASH_NICE`'s default (0 is the usual priority; 19 the lowest). Measured: at 10, a registration
    /// beside two CPU hogs took 3.6 s; at 0, chat kept only 73% of its throughput during a login storm; at 5, 1.4 s
    /// and 85%.
    static let defaultNiceness: Int32 = 5

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
        let permit: Permit
        do {
            permit = try await gate.acquire()
        } catch let busy as AdmissionGate.Busy {
            throw PasswordWorkBusy(retryAfterSeconds: busy.retryAfterSeconds, waited: busy.waited)
        }
        defer { permit.free() }
        let niceness = self.niceness
        return try await Self.threads(niceness: niceness).runIfActive {
            // The calling thread only (on Linux, who 0 is the thread). Each niceness has threads of its own: an
            // unprivileged process cannot raise a thread's priority back once lowered.
            if niceness > 0 { _ = setpriority(__priority_which_t(PRIO_PROCESS.rawValue), 0, niceness) }
            return try body()
        }
    }

    /// The hashes running and waiting now, for tests.
    var load: (running: Int, waiting: Int) { gate.load }
}

/// Password work could not start in time: the server is checking as many passwords as it allows, and either as many
/// wait as may (`PASSWORD_HASH_QUEUE`) or this one waited `PASSWORD_HASH_MAX_WAIT` (`waited`).
struct PasswordWorkBusy: Error {
    let retryAfterSeconds: Int
    let waited: Bool
}
