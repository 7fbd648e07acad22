import GRDB

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
