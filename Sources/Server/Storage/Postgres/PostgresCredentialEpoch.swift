import Logging
import PostgresNIO
import ServiceLifecycle
import Synchronization

/// `CredentialEpoch` across instances on one PostgreSQL database: every revocation advances the `credential_epoch`
/// row and sends `NOTIFY credential_epoch` in its transaction (`advance`); each instance listens on a connection of
/// its own (`run`), and every notification moves its local epoch, which empties its credential cache.
///
/// A revocation is answered only once this instance's own listener has heard its notification (`awaitHeard`):
/// PostgreSQL delivers a notification to every listener when the transaction commits, so by the time the client
/// learns that a key is revoked, the notice is on its way to every instance, and is read before any request that
/// the client sends after. While the channel is down (PostgreSQL restarting, the connection lost), `current` is
/// nil, and every credential is checked against the database: no instance serves from a cache it cannot keep true.
/// Each loss is logged and counted (`credential_notifications_lost_total`); the listener reconnects by itself.
final class PostgresCredentialEpoch: CredentialEpoch, Service {
    static let channel = "credential_epoch"

    private struct State {
        /// Moves with every notification and every reconnection; nil while not listening.
        var local: Int64?
        /// What `local` last was: it only grows, so a value is never used twice.
        var generation: Int64 = 0
        /// The highest epoch value a notification carried.
        var heard: Int64 = 0
    }

    private let state = Mutex(State())
    private let url: PostgresURL
    private let metrics: AppMetrics
    private let logger: Logger

    init(url: PostgresURL, metrics: AppMetrics, logger: Logger) {
        self.url = url
        self.metrics = metrics
        self.logger = logger
        metrics.notificationChannelUp.record(0)
    }

    func current() -> Int64? {
        state.withLock { $0.local }
    }

    /// Whether the listener is connected now.
    var isListening: Bool { current() != nil }

    /// Advances the epoch and notifies every instance, inside the revoking transaction; returns the new value.
    static func advance(_ connection: PostgresConnection, logger: Logger) async throws -> Int64 {
        let rows = try await connection.query("UPDATE credential_epoch SET value = value + 1 RETURNING value", logger: logger)
        var value: Int64 = 0
        for try await next in rows.decode(Int64.self) { value = next }
        try await connection.query("SELECT pg_notify(\(channel), \(String(value)))", logger: logger)
        return value
    }

    /// Waits (at most `limit`) until this instance has heard the notification of epoch `value`, or has stopped
    /// listening (then no cache is used, so nothing stale can be served).
    func awaitHeard(_ value: Int64, limit: Duration = .seconds(2)) async {
        let deadline = ContinuousClock.now + limit
        while ContinuousClock.now < deadline {
            let (heard, listening) = state.withLock { ($0.heard >= value, $0.local != nil) }
            if heard || !listening { return }
            try? await Task.sleep(for: .milliseconds(1))
        }
        logger.warning("A revocation's notification was not heard back in time", metadata: ["epoch": "\(value)"])
    }

    /// Listens until the application shuts down, reconnecting after each loss (after 0.1 s, doubling to 2 s).
    func run() async throws {
        await cancelWhenGracefulShutdown {
            var backoff = Duration.milliseconds(100)
            while !Task.isCancelled {
                do {
                    try await self.listenOnce { backoff = .milliseconds(100) }
                } catch is CancellationError {
                    break
                } catch {
                    guard !Task.isCancelled else { break }
                    self.logger.warning(
                        "Lost the credential notification channel; checking every credential against the database until it is back",
                        metadata: ["error": "\(String(describing: PostgresPool.unavailable(error) ?? error))"])
                }
                self.stopListening()
                try? await Task.sleep(for: backoff)
                backoff = min(backoff * 2, .seconds(2))
            }
        }
        stopListening()
    }

    /// One connection's life: LISTEN, then every notification until the connection ends.
    private func listenOnce(connected: () -> Void) async throws {
        let connection = try await PostgresConnection.connect(configuration: url.connectionConfiguration(), id: 0, logger: logger)
        defer { Task { try? await connection.close() } }
        try await connection.listen(on: Self.channel) { notifications in
            // Anything revoked while nobody listened is covered: the local epoch moves on (re)connecting.
            state.withLock { state in
                state.generation += 1
                state.local = state.generation
            }
            metrics.notificationChannelUp.record(1)
            connected()
            for try await notification in notifications {
                let value = Int64(notification.payload) ?? 0
                state.withLock { state in
                    state.heard = max(state.heard, value)
                    state.generation += 1
                    state.local = state.generation
                }
            }
        }
        throw StorageUnavailable(reason: "the notification connection closed")
    }

    private func stopListening() {
        let wasListening = state.withLock { state in
            defer { state.local = nil }
            return state.local != nil
        }
        if wasListening {
            metrics.notificationChannelLost()
            metrics.notificationChannelUp.record(0)
        }
    }
}
