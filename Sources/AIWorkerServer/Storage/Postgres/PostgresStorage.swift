import Logging
import PostgresNIO
import ServiceLifecycle

/// `AppStorage` on PostgreSQL, for several instances on one database: a connection pool, the schema migrated under
/// an advisory lock at start-up, revocations heard by every instance through `LISTEN/NOTIFY`, and the rate limits
/// and failed-login counts in shared tables.
struct PostgresStorage: AppStorage {
    let pool: PostgresPool
    let listener: PostgresCredentialEpoch
    let users: any UserRepository
    let apiKeys: any APIKeyRepository
    let limits: any LimitStore
    let displayName: String
    var epoch: any CredentialEpoch { listener }
    var services: [any Service] { [pool.client, listener] }

    /// How long migrating may take at start-up (or in `server migrate`): it may wait for another instance's.
    static let migrationTimeout = Duration.seconds(60)
    /// How long start-up and the commands wait for a first connection before giving up with one line.
    static let connectionWait = Duration.seconds(15)

    /// Migrates the database and returns the storage; its `services` must run for it to work.
    static func open(url: PostgresURL, timeout: Duration, maxConnections: Int, metrics: AppMetrics, logger: Logger) async throws -> PostgresStorage {
        try await migrate(url, logger: logger)
        return PostgresStorage(url: url, timeout: timeout, maxConnections: maxConnections, metrics: metrics, logger: logger)
    }

    /// The storage, not yet connected: every connection is made by the pool's `run`.
    /// `timeout` bounds each operation of a request (`DATABASE_TIMEOUT`); the pool opens at most `maxConnections`
    /// (`DATABASE_MAX_CONNECTIONS`), and the listener one more.
    init(url: PostgresURL, timeout: Duration, maxConnections: Int, metrics: AppMetrics, logger: Logger) {
        pool = Self.pool(url, timeout: timeout, maxConnections: maxConnections, serverLimits: true, logger: logger)
        listener = PostgresCredentialEpoch(url: url, pool: pool, metrics: metrics, logger: logger)
        users = PostgresUserRepository(pool: pool, epoch: listener)
        apiKeys = PostgresAPIKeyRepository(pool: pool, epoch: listener)
        limits = PostgresLimitStore(pool: pool)
        displayName = url.redacted
    }

    /// Applies pending migrations with a pool of its own (`server migrate`, and every start-up); returns their
    /// versions. Throws `DatabaseOpenError` when the database cannot be reached or migrated.
    @discardableResult
    static func migrate(_ url: PostgresURL, logger: Logger) async throws -> [Int] {
        // The pool's own retries are not logged one by one: the one line below says what went wrong.
        let quiet = { var quiet = logger; quiet.logLevel = max(logger.logLevel, .warning); return quiet }()
        do {
            return try await withPool(url, timeout: migrationTimeout, logger: quiet) { pool in
                do {
                    _ = try await PostgresPool.abandoning(after: connectionWait) { try await pool.client.query("SELECT 1", logger: quiet).collect() }
                } catch {
                    throw DatabaseOpenError(
                        path: url.redacted, underlying: "no connection to \(url.host):\(url.port) within \(connectionWait.components.seconds) s",
                        hint: "Check that PostgreSQL is running at that host and port, and DATABASE_URL.")
                }
                return try await PostgresSchema.migrate(pool)
            }
        } catch let error as DatabaseOpenError {
            throw error
        } catch {
            throw DatabaseOpenError(
                path: url.redacted, underlying: "\(PostgresPool.unavailable(error) ?? error)",
                hint: "Check DATABASE_URL, and that PostgreSQL is running there and accepts this user.")
        }
    }

    /// Runs `body` with a pool that runs for as long as `body` does (start-up work and commands).
    static func withPool<Value: Sendable>(
        _ url: PostgresURL, timeout: Duration, logger: Logger, _ body: @escaping @Sendable (PostgresPool) async throws -> Value
    ) async throws -> Value {
        // Start-up work and commands run one transaction at a time.
        let pool = pool(url, timeout: timeout, maxConnections: 2, logger: logger)
        return try await withThrowingTaskGroup(of: Value?.self) { group in
            group.addTask {
                await pool.client.run()
                return nil
            }
            defer { group.cancelAll() }
            return try await body(pool)
        }
    }

    /// A pool whose operations the caller abandons after `timeout`. With `serverLimits` (the serving pool), the
    /// server ends a statement that runs past the timeout and a session left idle in a transaction, so nothing
    /// abandoned can hold a connection for long.
    private static func pool(_ url: PostgresURL, timeout: Duration, maxConnections: Int, serverLimits: Bool = false, logger: Logger) -> PostgresPool {
        var configuration = url.clientConfiguration
        configuration.options.connectTimeout = .seconds(5)
        configuration.options.maximumConnections = maxConnections
        configuration.options.additionalStartupParameters = [("application_name", "ai-worker")]
        if serverLimits {
            let milliseconds = timeout.components.seconds * 1_000
            configuration.options.additionalStartupParameters.append(
                ("options", "-c statement_timeout=\(milliseconds) -c idle_in_transaction_session_timeout=\(2 * milliseconds)"))
        }
        return PostgresPool(client: PostgresClient(configuration: configuration, backgroundLogger: logger), timeout: timeout, logger: logger)
    }

    func readiness() async -> (checks: [String: String], required: Set<String>) {
        var checks = ["notifications": listener.isListening ? "ok" : "down"]
        do {
            checks["migrations"] = try await PostgresSchema.isCurrent(pool) ? "ok" : "pending"
            checks["database"] = "ok"
        } catch {
            checks["database"] = "unavailable"
        }
        return (checks, ["database", "migrations"])
    }
}
