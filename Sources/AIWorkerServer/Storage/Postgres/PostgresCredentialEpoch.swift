import Foundation
import Logging
import PostgresNIO
import ServiceLifecycle
import Synchronization

/// `CredentialEpoch` across instances on one PostgreSQL database: every revocation advances the `credential_epoch`
/// row and sends `NOTIFY credential_epoch` in its transaction (`advance`); each instance listens on a connection of
/// its own (`run`), and every notification moves its local epoch, which empties its credential cache.
///
/// Each listening instance also acknowledges, in its row of `instance_epochs`, the highest epoch it has applied,
/// and refreshes the row every second. A revocation is answered only once every instance whose row is fresh has
/// acknowledged it (`awaitAcknowledged`), so by the time the client learns that a key is revoked, no instance
/// still serves it from a cache, however late a notice reaches one of them. An instance that stops refreshing
/// (killed, or cut off from the database) drops out after `staleAfter`; while its channel is down, `current` is
/// nil and it uses no cache at all, so it cannot serve what it has not heard revoked. Each loss is logged and
/// counted (`credential_notifications_lost_total`); the listener reconnects by itself.
final class PostgresCredentialEpoch: CredentialEpoch, Service {
    static let channel = "credential_epoch"
    /// The listener connection's `application_name`, as `pg_stat_activity` shows it.
    static let applicationName = "ai-worker-listener"
    /// How long an instance's acknowledgement row counts without being refreshed.
    static let staleAfter = Duration.seconds(3)

    private struct State {
        /// Moves with every notification and every reconnection; nil while not listening.
        var local: Int64?
        /// What `local` last was: it only grows, so a value is never used twice.
        var generation: Int64 = 0
    }

    private let state = Mutex(State())
    private let url: PostgresURL
    private let pool: PostgresPool
    private let metrics: AppMetrics
    private let logger: Logger
    /// This process's row in `instance_epochs`.
    let instanceId = RandomID.make()

    init(url: PostgresURL, pool: PostgresPool, metrics: AppMetrics, logger: Logger) {
        self.url = url
        self.pool = pool
        self.metrics = metrics
        self.logger = logger
        metrics.notificationChannelUp.record(0)
    }

    func current() -> Int64? {
        state.withLock { $0.local }
    }

    /// Whether the listener is connected now.
    var isListening: Bool { current() != nil }

    /// Runs `statement`, which returns a row for each thing it revokes or deletes, in a transaction that advances
    /// the epoch when it changed anything; then waits for the instances to acknowledge. Whether it changed anything.
    func revoke(_ statement: PostgresQuery) async throws -> Bool {
        let logger = pool.logger
        let value: Int64? = try await pool.transaction { connection in
            var changed = false
            for try await _ in try await connection.query(statement, logger: logger) { changed = true }
            return changed ? try await Self.advance(connection, logger: logger) : nil
        }
        guard let value else { return false }
        await awaitAcknowledged(value)
        return true
    }

    /// Advances the epoch and notifies every instance, inside the revoking transaction; returns the new value.
    static func advance(_ connection: PostgresConnection, logger: Logger) async throws -> Int64 {
        let rows = try await connection.query("UPDATE credential_epoch SET value = value + 1 RETURNING value", logger: logger)
        var value: Int64 = 0
        for try await next in rows.decode(Int64.self) { value = next }
        try await connection.query("SELECT pg_notify(\(channel), \(String(value)))", logger: logger)
        return value
    }

    /// Waits (at most `limit`) until every live instance has acknowledged epoch `value`; past it, logs which did
    /// not and returns (the revocation itself is committed either way).
    func awaitAcknowledged(_ value: Int64, limit: Duration = .seconds(3)) async {
        let deadline = ContinuousClock.now + limit
        let stale = Int(Self.staleAfter.components.seconds)
        var behind = 0
        repeat {
            behind = (try? await pool.run { client in
                var count = 0
                for try await pending in try await client.query(
                    """
                    SELECT COUNT(*)::INTEGER FROM instance_epochs
                    WHERE heard < \(value) AND seen_at > now() - make_interval(secs => \(stale))
                    """
                ).decode(Int.self) { count = pending }
                return count
            }) ?? 1
            if behind == 0 { return }
            try? await Task.sleep(for: .milliseconds(2))
        } while ContinuousClock.now < deadline
        logger.warning("A revocation was not acknowledged by every instance in time", metadata: ["epoch": "\(value)", "instances_behind": "\(behind)"])
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
        // Leaving: revocations need not wait for this instance any more.
        let id = instanceId
        _ = try? await pool.run { client in try await client.query("DELETE FROM instance_epochs WHERE id = \(id)") }
    }

    /// One connection's life: LISTEN, acknowledge the epoch now, then every notification (acknowledged each) and a
    /// refresh of the row every second, until the connection ends.
    private func listenOnce(connected: () -> Void) async throws {
        var configuration = try url.connectionConfiguration()
        configuration.options.additionalStartupParameters = [("application_name", Self.applicationName)]
        let connection = try await PostgresConnection.connect(configuration: configuration, id: 0, logger: logger)
        defer { Task { try? await connection.close() } }
        let (id, logger) = (instanceId, logger)
        try await connection.listen(on: Self.channel) { notifications in
            // Anything revoked while nobody listened is covered: the local epoch moves on (re)connecting, and the
            // epoch acknowledged is the one in the database now that the notices are being heard.
            advanceLocal()
            try await connection.query(
                """
                INSERT INTO instance_epochs (id, heard, seen_at) SELECT \(id), value, now() FROM credential_epoch
                ON CONFLICT (id) DO UPDATE SET heard = EXCLUDED.heard, seen_at = now()
                """, logger: logger)
            // Rows of instances gone for an hour are nobody's.
            try await connection.query("DELETE FROM instance_epochs WHERE seen_at < now() - interval '1 hour'", logger: logger)
            metrics.notificationChannelUp.record(1)
            connected()
            try await withThrowingTaskGroup(of: Void.self) { group in
                group.addTask {
                    while true {
                        try await Task.sleep(for: .seconds(1))
                        try await connection.query("UPDATE instance_epochs SET seen_at = now() WHERE id = \(id)", logger: logger)
                    }
                }
                group.addTask {
                    for try await notification in notifications {
                        let value = Int64(notification.payload) ?? 0
                        self.advanceLocal()
                        try await connection.query(
                            "UPDATE instance_epochs SET heard = GREATEST(heard, \(value)), seen_at = now() WHERE id = \(id)", logger: logger)
                    }
                }
                // The notifications end with the connection (the refresh never ends by itself): stop refreshing.
                try await group.next()
                group.cancelAll()
            }
        }
        throw StorageUnavailable(reason: "the notification connection closed")
    }

    /// Moves the local epoch: the credential cache empties itself at its next lookup.
    private func advanceLocal() {
        state.withLock { state in
            state.generation += 1
            state.local = state.generation
        }
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
