import Foundation

/// Writes the structured log's lines to standard error from a thread of its own, many lines a `write(2)`.
///
/// A logged request used to write its own line, a `write(2)` a line: in interleaved loads that cost a chat request
/// 7-9 µs beyond making the line when standard error was a file or a pipe (BENCHMARKS.md), more than the write's own
/// instructions. Here a line is copied into a buffer under a lock and this writer's thread writes what gathered,
/// waiting `linger` after a batch's first line so that a busy server writes tens of lines at once; an idle one
/// writes nothing and wakes nothing.
///
/// Nothing is lost when the process crashes (`flushOnCrashAndExit()`): a fatal signal (a Swift trap is SIGILL on
/// x86-64, SIGTRAP on arm64; SIGSEGV, SIGBUS, SIGFPE, SIGABRT) first writes out what is buffered, with `write(2)`
/// alone, then hands over to the handler that was there before (Swift's backtracer, or the default action); `exit`
/// waits for the buffer to be written. Only SIGKILL, which no process can handle, loses lines: those of its last
/// `linger`. A batch being written at the moment of a crash may appear twice, never not at all.
///
/// The descriptor must stay open as long as lines may be handed over and until `flush` says they are written: the
/// thread keeps its number, which a file opened after a close may take.
final class LogWriter: @unchecked Sendable {
    /// Standard error's writer, the one the structured log handlers use.
    static let standardError = LogWriter(fileDescriptor: 2)

    /// How long the thread waits after a batch's first line for more before writing it.
    static let linger = Duration.milliseconds(1)
    /// The bytes a batch holds; a line longer than this is written on its own, after what is buffered.
    static let capacity = 256 * 1024

    /// The two buffers: appenders fill `filling` while the thread writes `writing`, then they swap. Kept in memory of
    /// its own (not in the class's properties) so that a signal handler can read it without Swift's runtime.
    struct Batches {
        var filling: UnsafeMutableRawPointer
        var filled = 0
        var writing: UnsafeMutableRawPointer
        /// The bytes of `writing` in the batch being written, and of those written so far.
        var toWrite = 0
        var written = 0
    }

    let fileDescriptor: Int32
    let batches: UnsafeMutablePointer<Batches>
    private let mutex = UnsafeMutablePointer<pthread_mutex_t>.allocate(capacity: 1)
    /// Signalled when a line arrives in an empty buffer (for the thread).
    private let lineArrived = UnsafeMutablePointer<pthread_cond_t>.allocate(capacity: 1)
    /// Broadcast when a batch was taken or written (for appenders waiting for room and for `flush`).
    private let batchDone = UnsafeMutablePointer<pthread_cond_t>.allocate(capacity: 1)

    init(fileDescriptor: Int32) {
        self.fileDescriptor = fileDescriptor
        batches = .allocate(capacity: 1)
        batches.initialize(
            to: Batches(
                filling: .allocate(byteCount: Self.capacity, alignment: 1), writing: .allocate(byteCount: Self.capacity, alignment: 1)))
        pthread_mutex_init(mutex, nil)
        pthread_cond_init(lineArrived, nil)
        pthread_cond_init(batchDone, nil)
        let thread = Thread { self.writeBatches() }
        thread.name = "log-writer"
        thread.start()
    }

    /// Hands `line` (newline included) to the writer; it waits only when the buffer is full.
    func append(_ line: [UInt8]) {
        pthread_mutex_lock(mutex)
        defer { pthread_mutex_unlock(mutex) }
        guard line.count <= Self.capacity else {
            // Written here, in order: after everything buffered has been.
            waitUntilWritten(until: nil)
            line.withUnsafeBytes { Self.writeAll($0.baseAddress!, count: $0.count, to: fileDescriptor) }
            return
        }
        while batches.pointee.filled + line.count > Self.capacity { pthread_cond_wait(batchDone, mutex) }
        line.withUnsafeBytes { (batches.pointee.filling + batches.pointee.filled).copyMemory(from: $0.baseAddress!, byteCount: $0.count) }
        if batches.pointee.filled == 0 { pthread_cond_signal(lineArrived) }
        batches.pointee.filled += line.count
    }

    /// Waits until every line handed over so far is written, or `timeout` passes (a stalled reader of the pipe must not
    /// hold the process's exit forever); whether everything was written.
    @discardableResult
    func flush(timeout: Duration = .seconds(5)) -> Bool {
        pthread_mutex_lock(mutex)
        defer { pthread_mutex_unlock(mutex) }
        return waitUntilWritten(until: timespec(realtimeIn: timeout))
    }

    /// With the mutex held: waits until nothing is buffered or being written, or until `deadline` (realtime) passes;
    /// whether nothing is left.
    @discardableResult
    private func waitUntilWritten(until deadline: timespec?) -> Bool {
        while batches.pointee.filled > 0 || batches.pointee.toWrite > 0 {
            pthread_cond_signal(lineArrived)
            if var deadline {
                if pthread_cond_timedwait(batchDone, mutex, &deadline) == ETIMEDOUT { return false }
            } else {
                pthread_cond_wait(batchDone, mutex)
            }
        }
        return true
    }

    /// The thread's loop: wait for a line, linger, take the batch, write it.
    private func writeBatches() {
        var pause = timespec(Self.linger)
        pthread_mutex_lock(mutex)
        while true {
            while batches.pointee.filled == 0 { pthread_cond_wait(lineArrived, mutex) }
            pthread_mutex_unlock(mutex)
            nanosleep(&pause, nil)
            pthread_mutex_lock(mutex)
            batches.pointee.toWrite = batches.pointee.filled
            batches.pointee.written = 0
            swap(&batches.pointee.filling, &batches.pointee.writing)
            batches.pointee.filled = 0
            pthread_cond_broadcast(batchDone)
            pthread_mutex_unlock(mutex)
            Self.writeAll(batches.pointee.writing, count: batches.pointee.toWrite, to: fileDescriptor, progress: &batches.pointee.written)
            pthread_mutex_lock(mutex)
            batches.pointee.toWrite = 0
            pthread_cond_broadcast(batchDone)
        }
    }

    /// Writes `count` bytes from `start`, again after a partial write or an interruption; `progress` counts what is
    /// written. Gives up on any other failure (standard error closed): a log line must not stop the server. Calls
    /// nothing but `write(2)`, so that a signal handler may use it.
    static func writeAll(_ start: UnsafeRawPointer, count: Int, to fileDescriptor: Int32) {
        var progress = 0
        writeAll(start, count: count, to: fileDescriptor, progress: &progress)
    }

    static func writeAll(_ start: UnsafeRawPointer, count: Int, to fileDescriptor: Int32, progress: inout Int) {
        while progress < count {
            let result = write(fileDescriptor, start + progress, count - progress)
            if result > 0 {
                progress += result
            } else if result < 0 && errno == EINTR {
                continue
            } else {
                return
            }
        }
    }
}

extension timespec {
    /// `duration` as `nanosleep` takes it.
    init(_ duration: Duration) {
        let nanoseconds = Int(duration.nanoseconds)
        self.init(tv_sec: nanoseconds / 1_000_000_000, tv_nsec: nanoseconds % 1_000_000_000)
    }

    /// The realtime clock's reading `duration` from now, as `pthread_cond_timedwait` takes it.
    init(realtimeIn duration: Duration) {
        var now = timespec()
        clock_gettime(CLOCK_REALTIME, &now)
        let nanoseconds = now.tv_nsec + Int(duration.nanoseconds)
        self.init(tv_sec: now.tv_sec + nanoseconds / 1_000_000_000, tv_nsec: nanoseconds % 1_000_000_000)
    }
}
