import Foundation
import Synchronization

/// Starts the tests' child processes, apart from the test that holds thousands of open files. On Linux,
/// Foundation's `Process.run()` copies the whole 256-byte name field of each `/proc/self/fd` entry, reading past
/// the end of its directory buffer once the process holds more than about 1,300 files: CI's test process crashed
/// so, a launch while 1,000 streams were open. Launches share the gate; `holdingManyFiles` takes it alone.
public enum ChildProcesses {
    private static let gate = Gate()

    /// Starts `process` (configured, not started) once no test holds many files.
    public static func run(_ process: Process) async throws {
        await gate.acquire(.launch)
        defer { gate.release(.launch) }
        try process.run()
    }

    /// Runs `body` while no child process is being started: for a test that opens thousands of files.
    public static func holdingManyFiles<T>(_ body: () async throws -> T) async rethrows -> T {
        await gate.acquire(.manyFiles)
        defer { gate.release(.manyFiles) }
        return try await body()
    }

    /// A readers-writer gate, first come first served (a waiting writer is not overtaken by later readers).
    private final class Gate: Sendable {
        enum Kind { case launch, manyFiles }

        private struct State {
            var launches = 0
            var manyFiles = false
            var waiting: [(kind: Kind, continuation: CheckedContinuation<Void, Never>)] = []

            func canTake(_ kind: Kind) -> Bool {
                kind == .launch ? !manyFiles : !manyFiles && launches == 0
            }

            mutating func take(_ kind: Kind) {
                if kind == .launch { launches += 1 } else { manyFiles = true }
            }
        }

        private let state = Mutex(State())

        func acquire(_ kind: Kind) async {
            await withCheckedContinuation { continuation in
                let now = state.withLock { state in
                    guard state.waiting.isEmpty, state.canTake(kind) else {
                        state.waiting.append((kind, continuation))
                        return false
                    }
                    state.take(kind)
                    return true
                }
                if now { continuation.resume() }
            }
        }

        func release(_ kind: Kind) {
            let ready = state.withLock { state in
                if kind == .launch { state.launches -= 1 } else { state.manyFiles = false }
                var ready: [CheckedContinuation<Void, Never>] = []
                while let next = state.waiting.first, state.canTake(next.kind) {
                    state.take(next.kind)
                    ready.append(next.continuation)
                    state.waiting.removeFirst()
                }
                return ready
            }
            ready.forEach { $0.resume() }
        }
    }
}
