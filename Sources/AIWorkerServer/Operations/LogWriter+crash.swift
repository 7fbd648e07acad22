import Foundation

extension LogWriter {
    /// The signals whose default action ends the process with a core dump: a crash.
    static let crashSignals = [SIGILL, SIGTRAP, SIGABRT, SIGBUS, SIGFPE, SIGSEGV]

    /// Makes a crash write out what is buffered before the process dies, and `exit` wait until it is written (see
    /// the type's comment). Call once, at start-up, after the Swift runtime installed its own handlers.
    func flushOnCrashAndExit() {
        crashFlushTarget = (fileDescriptor, batches)
        exitFlushTarget = self
        for signal in Self.crashSignals {
            var action = sigaction()
            #if canImport(Darwin)
            action.__sigaction_u.__sa_sigaction = flushThenHandOver
            #else
            action.__sigaction_handler.sa_sigaction = flushThenHandOver
            #endif
            // On the alternate stack where the thread has one: a stack overflow's SIGSEGV cannot run on the stack.
            action.sa_flags = SA_SIGINFO | Int32(SA_ONSTACK)
            sigemptyset(&action.sa_mask)
            sigaction(signal, &action, earlierActions + Int(signal))
        }
        atexit { exitFlushTarget?.flush() }
    }
}

/// What a crash writes out: the file descriptor and the buffers, read by the signal handler without the lock.
nonisolated(unsafe) private var crashFlushTarget: (fileDescriptor: Int32, batches: UnsafeMutablePointer<LogWriter.Batches>)?
/// The writer `exit` waits for.
nonisolated(unsafe) private var exitFlushTarget: LogWriter?
/// The handlers that were installed before ours, by signal number, to hand each crash over to.
nonisolated(unsafe) private let earlierActions = UnsafeMutablePointer<sigaction>.allocate(capacity: 65)

/// Writes out the batch being written (from where the thread got to) and the one filling, with `write(2)` alone,
/// then puts the earlier handler back and lets it have the signal: a fault the kernel raised repeats when this
/// returns, with its own context; a signal that was sent (`kill`, `abort`) or a trap that does not repeat is raised
/// again, delivered when this returns.
private let flushThenHandOver: @convention(c) (Int32, UnsafeMutablePointer<siginfo_t>?, UnsafeMutableRawPointer?) -> Void = { signal, info, _ in
    if let (fileDescriptor, batches) = crashFlushTarget {
        let state = batches.pointee
        if state.toWrite > state.written {
            LogWriter.writeAll(state.writing + state.written, count: state.toWrite - state.written, to: fileDescriptor)
        }
        LogWriter.writeAll(state.filling, count: state.filled, to: fileDescriptor)
    }
    sigaction(signal, earlierActions + Int(signal), nil)
    if (info?.pointee.si_code ?? 0) <= 0 || signal == SIGTRAP || signal == SIGABRT { raise(signal) }
}
