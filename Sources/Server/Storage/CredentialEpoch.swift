import GRDB

/// A counter in the database that every revocation (of an API key, a session, all of a user's sessions)
/// advances in the transaction that revokes. Caches of accepted credentials remember the epoch they were filled
/// under and empty themselves when it moves, so a revocation made by any process on the database is seen on the
/// next request.
protocol CredentialEpoch: Sendable {
    /// The epoch now, or nil when it cannot be known (the instance would not hear of other instances'
    /// revocations): then no credential is taken from or put in a cache. Called on every authenticated request:
    /// it must be cheap.
    func current() throws -> Int64?
}

/// `CredentialEpoch` on SQLite: one single-row read on a connection of its own, made synchronously, which costs
/// microseconds in WAL mode (no thread hop through the connection pool).
final class SQLiteCredentialEpoch: CredentialEpoch {
    private let reader: any DatabaseReader

    /// A connection of its own to the database at `path`; for `:memory:` databases, the one connection there is.
    init(path: String, database: any DatabaseWriter) throws {
        if path == ":memory:" {
            reader = database
        } else {
            var configuration = Configuration()
            configuration.readonly = true
            reader = try DatabaseQueue(path: path, configuration: configuration)
        }
    }

    func current() throws -> Int64? {
        try reader.unsafeReentrantRead { db in
            try Int64.fetchOne(db.cachedStatement(sql: "SELECT value FROM credential_epoch")) ?? 0
        }
    }

    /// Advances the epoch; called inside the transaction of each revocation.
    static func advance(_ db: GRDB.Database) throws {
        try db.execute(sql: "UPDATE credential_epoch SET value = value + 1")
    }
}
