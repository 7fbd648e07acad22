import Logging
import Synchronization
import ServiceLifecycle

/// Logs what a graceful shutdown has to drain when it starts (SIGTERM or SIGINT), and what became of it when the
/// process is about to exit. It runs in the outermost service group after the application, so that it hears the
/// shutdown first.
final class ShutdownLog: Service, Sendable {
    let inFlight: InFlight
    let grace: Duration
    let logger: Logger
    private let started = Mutex<(at: ContinuousClock.Instant, requests: Int, streams: Int, cutStreams: Int)?>(nil)

    init(inFlight: InFlight, grace: Duration, logger: Logger) {
        self.inFlight = inFlight
        self.grace = grace
        self.logger = logger
    }

    func run() async throws {
        try await gracefulShutdown()
        let counts = inFlight.counts
        started.withLock { $0 = (ContinuousClock.now, counts.requests, counts.streams, counts.cutStreams) }
        logger.notice(
            "Shutting down: no new connections; what is in flight may finish",
            metadata: ["requests_in_flight": "\(counts.requests)", "streams_in_flight": "\(counts.streams)", "grace_seconds": "\(grace.components.seconds)"])
    }

    /// The last line: what was in flight when shutdown began, how many streams ended short since (cut by the
    /// grace period's end, or left by their clients), and how long it took.
    func stopped() {
        guard let start = started.withLock({ $0 }) else { return }
        let counts = inFlight.counts
        logger.notice(
            "Stopped",
            metadata: [
                "requests_at_shutdown": "\(start.requests)", "streams_at_shutdown": "\(start.streams)",
                "streams_cut": "\(counts.cutStreams - start.cutStreams)",
                "seconds": "\((ContinuousClock.now - start.at).seconds)",
            ])
    }
}
