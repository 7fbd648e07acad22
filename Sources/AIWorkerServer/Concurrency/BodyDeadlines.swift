import NIOCore
import NIOPosix
import Synchronization

/// The deadlines of the request bodies being read (`HTTP_BODY_TIMEOUT`), watched by one check that repeats every
/// `tick` on an event loop: a body still arriving at its deadline has its connection's input closed, so that its
/// sequence ends at once and the client cannot hold the connection by trickling or stalling.
///
/// One watcher for all requests instead of a timer each: scheduling and cancelling an event-loop timer from a
/// handler's thread wakes the event loop twice a request (a profile of the chat load put 5% of the server's CPU
/// there); watching costs two uncontended lock operations. A deadline is enforced up to one tick late.
final class BodyDeadlines: Sendable {
    /// The process's watcher, on the event loops Hummingbird serves on.
    static let shared = BodyDeadlines(tick: .milliseconds(250), on: MultiThreadedEventLoopGroup.singleton.next())

    /// A watched body: whether its deadline passed while it was watched.
    final class Watch: Sendable {
        fileprivate let id: Int
        fileprivate let deadline: NIODeadline
        fileprivate let channel: any Channel
        private let expired = Atomic<Bool>(false)

        fileprivate init(id: Int, deadline: NIODeadline, channel: any Channel) {
            self.id = id
            self.deadline = deadline
            self.channel = channel
        }

        /// True once the deadline passed and the input was closed.
        var timedOut: Bool { expired.load(ordering: .acquiring) }

        fileprivate func expire() {
            expired.store(true, ordering: .releasing)
            channel.close(mode: .input, promise: nil)
        }
    }

    private let watched = Mutex<(next: Int, watches: [Int: Watch])>((0, [:]))

    init(tick: Duration, on eventLoop: any EventLoop) {
        let interval = TimeAmount.nanoseconds(tick.nanoseconds)
        eventLoop.scheduleRepeatedTask(initialDelay: interval, delay: interval) { [weak self] task in
            guard let self else { return task.cancel() }
            self.expire(now: .now())
        }
    }

    /// Starts watching the body arriving on `channel` until `timeout` from now; end with `unwatch`.
    func watch(_ channel: any Channel, for timeout: Duration) -> Watch {
        let deadline = NIODeadline.now() + .nanoseconds(timeout.nanoseconds)
        return watched.withLock { state in
            let watch = Watch(id: state.next, deadline: deadline, channel: channel)
            state.next &+= 1
            state.watches[watch.id] = watch
            return watch
        }
    }

    /// Stops watching: the body arrived (or its reading failed).
    func unwatch(_ watch: Watch) {
        _ = watched.withLock { $0.watches.removeValue(forKey: watch.id) }
    }

    /// Closes the input of every watched body past its deadline at `now`, and stops watching it.
    func expire(now: NIODeadline) {
        let due = watched.withLock { state in
            let due = state.watches.values.filter { $0.deadline <= now }
            for watch in due { state.watches.removeValue(forKey: watch.id) }
            return due
        }
        for watch in due { watch.expire() }
    }
}
