import GRDB
import GRDBSQLite
import Synchronization

/// `CredentialEpoch` on SQLite: one single-row read, made synchronously on a read-only connection of its own with
/// its statement prepared once. The connections wait in a small pool (as many as ever read at once, about one a
/// core): a read takes one under a lock and gives it back, with no thread hop and no queue. Through GRDB's
/// `DatabaseQueue` the same read cost 4.6 µs alone and queued the handler threads behind one another.
final class SQLiteCredentialEpoch: CredentialEpoch {
    private let path: String
    /// For `:memory:` databases, the one connection there is (no other connection can see it).
    private let memory: (any DatabaseWriter)?
    private let free = Mutex<[EpochReader]>([])

    init(path: String, database: any DatabaseWriter) throws {
        self.path = path
        memory = path == ":memory:" ? database : nil
        // Fails here, at start-up, rather than on the first request, when the file cannot be read.
        if memory == nil { release(try EpochReader(path: path)) }
    }

    func current() throws -> Int64? {
        if let memory {
            return try memory.unsafeReentrantRead { db in
                try Int64.fetchOne(db.cachedStatement(sql: "SELECT value FROM credential_epoch")) ?? 0
            }
        }
        let reader = try free.withLock { $0.popLast() } ?? EpochReader(path: path)
        defer { release(reader) }
        return try reader.read()
    }

    private func release(_ reader: EpochReader) {
        free.withLock { $0.append(reader) }
    }

    /// Advances the epoch; called inside the transaction of each revocation.
    static func advance(_ db: GRDB.Database) throws {
        try db.execute(sql: "UPDATE credential_epoch SET value = value + 1")
    }
}

/// A read-only SQLite connection with the epoch's statement prepared. Used by one thread at a time: the pool hands
/// it to one reader and takes it back, which is what makes it safe to send.
private final class EpochReader: @unchecked Sendable {
    private let connection: OpaquePointer
    private let statement: OpaquePointer

    init(path: String) throws {
        var connection: OpaquePointer?
        let opened = sqlite3_open_v2(path, &connection, SQLITE_OPEN_READONLY | SQLITE_OPEN_NOMUTEX, nil)
        guard opened == SQLITE_OK, let connection else {
            defer { sqlite3_close_v2(connection) }
            throw DatabaseError(resultCode: ResultCode(rawValue: opened), message: connection.map { String(cString: sqlite3_errmsg($0)) })
        }
        var statement: OpaquePointer?
        let prepared = sqlite3_prepare_v2(connection, "SELECT value FROM credential_epoch", -1, &statement, nil)
        guard prepared == SQLITE_OK, let statement else {
            defer { sqlite3_close_v2(connection) }
            throw DatabaseError(resultCode: ResultCode(rawValue: prepared), message: String(cString: sqlite3_errmsg(connection)))
        }
        self.connection = connection
        self.statement = statement
    }

    /// The epoch now (0 when the table has no row); one read transaction, ended before it returns.
    func read() throws -> Int64 {
        defer { sqlite3_reset(statement) }
        switch sqlite3_step(statement) {
        case SQLITE_ROW: return sqlite3_column_int64(statement, 0)
        case SQLITE_DONE: return 0
        case let code: throw DatabaseError(resultCode: ResultCode(rawValue: code), message: String(cString: sqlite3_errmsg(connection)))
        }
    }

    deinit {
        sqlite3_finalize(statement)
        sqlite3_close_v2(connection)
    }
}
