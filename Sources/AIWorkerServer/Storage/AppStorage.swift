import Logging
import ServiceLifecycle

/// The storage engine the server runs on: SQLite in one file (`SQLiteStorage`, the default) or PostgreSQL shared
/// by several instances (`PostgresStorage`, when `DATABASE_URL` is set). Everything an instance must agree on with
/// the others lives here; the rest of the server only sees these protocols.
protocol AppStorage: Sendable {
    var users: any UserRepository { get }
    var apiKeys: any APIKeyRepository { get }
    var epoch: any CredentialEpoch { get }
    /// Where rate limits and failed logins are counted: in this process for SQLite, in the database for
    /// PostgreSQL, so that N instances do not multiply a client's allowance.
    var limits: any LimitStore { get }
    /// What must run for as long as the application does (a connection pool, a notification listener).
    var services: [any Service] { get }
    /// The database as logs show it, without credentials.
    var displayName: String { get }
    /// The checks `/ready` reports, by name: `"ok"` or what is wrong. `required` names those that make the
    /// instance unready when they are not `"ok"`.
    func readiness() async -> (checks: [String: String], required: Set<String>)
}

/// The database cannot be used right now (it is down, restarting, out of connections, or did not answer in
/// time), as opposed to a bug or bad input: answered with 503 and `Retry-After`.
struct StorageUnavailable: Error, CustomStringConvertible {
    let reason: String

    var description: String { "storage unavailable: \(reason)" }

    /// Whether `error` means the storage is unavailable, whichever engine threw it.
    static func matches(_ error: any Error) -> Bool {
        error is StorageUnavailable || AppDatabase.isUnavailable(error)
    }
}

/// Runs `body` with the storage `settings` name and its services running (PostgreSQL's pool and revocation
/// listener), for the commands that work on the database outside the server; the services are cancelled when
/// `body` returns, whether or not they had started.
func withRunningStorage<Value: Sendable>(
    _ settings: AppSettings, logger: Logger, _ body: @Sendable (any AppStorage) async throws -> Value
) async throws -> Value {
    let storage = try await settings.database.open(settings, metrics: AppMetrics(), logger: logger)
    return try await withThrowingTaskGroup(of: Void.self) { tasks in
        for service in storage.services { tasks.addTask { try await service.run() } }
        defer { tasks.cancelAll() }
        return try await body(storage)
    }
}
