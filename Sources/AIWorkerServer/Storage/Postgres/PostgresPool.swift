import Logging
import Synchronization
import PostgresNIO
import _ConnectionPoolModule

/// The connection pool with the rules every PostgreSQL operation of the server follows: it must finish within
/// `timeout` (a request never hangs on a database that is down or restarting), and an error that means the
/// database cannot be used right now becomes `StorageUnavailable` (answered with 503 and `Retry-After`).
struct PostgresPool: Sendable {
    let client: PostgresClient
    let timeout: Duration
    let logger: Logger

    /// Runs `body` with the pool. When `timeout` passes first, the caller gets `StorageUnavailable` at once, and
    /// `body` is left to finish by itself rather than cancelled: a cancelled query can leave its connection leased in
    /// an open transaction, while an abandoned one ends (the server's `statement_timeout` bounds it) and gives its
    /// connection back.
    func run<Value: Sendable>(_ body: @escaping @Sendable (PostgresClient) async throws -> Value) async throws -> Value {
        let client = client
        let timeout = timeout
        do {
            return try await Self.abandoning(after: timeout) { try await body(client) }
        } catch {
            throw Self.unavailable(error) ?? error
        }
    }

    /// `work`'s result, or `StorageUnavailable` once `timeout` has passed, whichever comes first.
    static func abandoning<Value: Sendable>(after timeout: Duration, _ work: @escaping @Sendable () async throws -> Value) async throws -> Value {
        let first = FirstResult<Value>()
        return try await withCheckedThrowingContinuation { continuation in
            first.wait(continuation)
            let timer = Task {
                try await Task.sleep(for: timeout)
                first.finish(.failure(StorageUnavailable(reason: "the database did not answer within \(timeout)")))
            }
            Task {
                let result: Result<Value, any Error>
                do { result = .success(try await work()) } catch { result = .failure(error) }
                timer.cancel()
                first.finish(result)
            }
        }
    }

    /// Resumes one continuation with whichever result comes first.
    private final class FirstResult<Value: Sendable>: Sendable {
        private let continuation = Mutex<CheckedContinuation<Value, any Error>?>(nil)

        func wait(_ continuation: CheckedContinuation<Value, any Error>) {
            self.continuation.withLock { $0 = continuation }
        }

        func finish(_ result: Result<Value, any Error>) {
            continuation.withLock { $0.take() }?.resume(with: result)
        }
    }

    /// Runs `body` in a transaction: committed when it returns, rolled back when it throws, with `body`'s own
    /// error rethrown as it was.
    func transaction<Value: Sendable>(_ body: @escaping @Sendable (PostgresConnection) async throws -> Value) async throws -> Value {
        let logger = logger
        return try await run { client in
            do {
                return try await client.withTransaction(logger: logger) { connection in try await body(connection) }
            } catch let error as PostgresTransactionError {
                throw error.closureError ?? error.beginError ?? error.commitError ?? error
            }
        }
    }

    /// `error` as `StorageUnavailable` when it means the database is unreachable, shutting down, restarting or
    /// out of connections; nil when it is anything else (a bug, or a constraint the caller handles).
    static func unavailable(_ error: any Error) -> StorageUnavailable? {
        if let error = error as? StorageUnavailable { return error }
        if error is ConnectionPoolError { return StorageUnavailable(reason: "\(error)") }
        guard let error = error as? PSQLError else { return nil }
        switch error.code {
        case .connectionError, .serverClosedConnection, .clientClosedConnection, .uncleanShutdown, .poolClosed:
            return StorageUnavailable(reason: "\(error.code)")
        case .server:
            let state = error.serverInfo?[.sqlState] ?? ""
            // 08: connection exception; 57P01-03: shutting down or starting up; 53: out of resources; 57014: ended
            // by statement_timeout; 55P03: a lock not available.
            let transient = ["57P01", "57P02", "57P03", "57014", "55P03"]
            guard state.hasPrefix("08") || state.hasPrefix("53") || transient.contains(state) else { return nil }
            return StorageUnavailable(reason: "SQLSTATE \(state)")
        default:
            return nil
        }
    }

    /// Whether `error` is the violation of a unique constraint (SQLSTATE 23505).
    static func isUniqueViolation(_ error: any Error) -> Bool {
         (error as? PSQLError)?.serverInfo?[.sqlState] == "23505"
    }
}
