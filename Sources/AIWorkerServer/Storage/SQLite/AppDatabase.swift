import Foundation
import GRDB

/// Opens the SQLite database and brings its schema up to date.
enum AppDatabase {
    /// Opens `path` (creating its folder) as a WAL-mode `DatabasePool`, or an in-memory queue for `:memory:`,
    /// and runs the migrations.
    static func open(path: String) throws -> any DatabaseWriter {
        do {
            return try openUnchecked(path: path)
        } catch {
            throw DatabaseOpenError(path: path, underlying: "\(error)")
        }
    }

    private static func openUnchecked(path: String) throws -> any DatabaseWriter {
        var configuration = Configuration()
        configuration.foreignKeysEnabled = true
        configuration.busyMode = .timeout(5)
        let writer: any DatabaseWriter
        if path == ":memory:" {
            writer = try DatabaseQueue(configuration: configuration)
        } else {
            let folder = URL(fileURLWithPath: path).deletingLastPathComponent()
            try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
            createForOwnerOnly(path)
            writer = try DatabasePool(path: path, configuration: configuration)
        }
        try migrator.migrate(writer)
        return writer
    }

    /// Creates the database file, if there is none, readable and writable by this user only (0600): SQLite gives its
    /// WAL and shared-memory files the database file's mode, so they are 0600 too.
    private static func createForOwnerOnly(_ path: String) {
        let descriptor = Foundation.open(path, O_WRONLY | O_CREAT | O_EXCL, 0o600)
        if descriptor >= 0 { close(descriptor) }
    }

    /// The schema, one migration per change; applied migrations are never edited.
    static var migrator: DatabaseMigrator {
        var migrator = DatabaseMigrator()
        migrator.registerMigration("v1: users and api keys") { db in
            try db.execute(sql: """
                CREATE TABLE users (
                    id TEXT PRIMARY KEY NOT NULL,
                    email TEXT NOT NULL UNIQUE,
                    password_hash TEXT NOT NULL,
                    created_at TEXT NOT NULL
                );
                CREATE TABLE api_keys (
                    id TEXT PRIMARY KEY NOT NULL,
                    user_id TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
                    key_hash TEXT NOT NULL UNIQUE,
                    prefix TEXT NOT NULL,
                    name TEXT NOT NULL,
                    active INTEGER NOT NULL DEFAULT 1,
                    created_at TEXT NOT NULL,
                    last_used_at TEXT,
                    revoked_at TEXT
                );
                CREATE INDEX api_keys_user_id ON api_keys(user_id);
                """)
        }
        migrator.registerMigration("v2: revocable sessions") { db in
            try db.execute(sql: """
                ALTER TABLE users ADD COLUMN sessions_valid_after INTEGER;
                CREATE TABLE revoked_sessions (
                    jti TEXT PRIMARY KEY NOT NULL,
                    user_id TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
                    expires_at INTEGER NOT NULL
                );
                CREATE INDEX revoked_sessions_expires_at ON revoked_sessions(expires_at);
                """)
        }
        migrator.registerMigration("v3: credential epoch") { db in
            try db.execute(sql: """
                CREATE TABLE credential_epoch (
                    id INTEGER PRIMARY KEY CHECK (id = 1),
                    value INTEGER NOT NULL
                );
                INSERT INTO credential_epoch (id, value) VALUES (1, 0);
                """)
        }
        return migrator
    }

    /// Whether `error` means the database cannot be used right now (locked, read-only, full, I/O),
    /// as opposed to a bug or bad input: such errors are answered with 503.
    static func isUnavailable(_ error: any Error) -> Bool {
        guard let error = error as? DatabaseError else { return false }
        let unavailable: [ResultCode] = [.SQLITE_BUSY, .SQLITE_LOCKED, .SQLITE_READONLY, .SQLITE_FULL, .SQLITE_IOERR, .SQLITE_CANTOPEN]
        return unavailable.contains(error.resultCode)
    }
}
