import Logging
import PostgresNIO

/// The PostgreSQL schema, one migration per change (applied migrations are never edited), with the same tables
/// as SQLite's (`AppDatabase.migrator`) and what several instances need besides: a case-insensitive unique email,
/// and the shared limit counters.
enum PostgresSchema {
    /// Version and SQL of each migration, in order.
    static let migrations: [(version: Int, name: String, sql: [PostgresQuery])] = [
        (1, "users, api keys, sessions, credential epoch", [
            """
            CREATE TABLE users (
                id TEXT PRIMARY KEY,
                email TEXT NOT NULL,
                password_hash TEXT NOT NULL,
                created_at TEXT NOT NULL,
                sessions_valid_after BIGINT
            )
            """,
            "CREATE UNIQUE INDEX users_email_lower ON users (lower(email))",
            """
            CREATE TABLE api_keys (
                id TEXT PRIMARY KEY,
                seq BIGINT GENERATED ALWAYS AS IDENTITY,
                user_id TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
                key_hash TEXT NOT NULL UNIQUE,
                prefix TEXT NOT NULL,
                name TEXT NOT NULL,
                active BOOLEAN NOT NULL DEFAULT TRUE,
                created_at TEXT NOT NULL,
                last_used_at TEXT,
                revoked_at TEXT
            )
            """,
            "CREATE INDEX api_keys_user_id ON api_keys (user_id, created_at, seq)",
            """
            CREATE TABLE revoked_sessions (
                jti TEXT PRIMARY KEY,
                user_id TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
                expires_at BIGINT NOT NULL
            )
            """,
            "CREATE INDEX revoked_sessions_expires_at ON revoked_sessions (expires_at)",
            "CREATE TABLE credential_epoch (id INTEGER PRIMARY KEY CHECK (id = 1), value BIGINT NOT NULL)",
            "INSERT INTO credential_epoch (id, value) VALUES (1, 0)",
        ]),
        (2, "shared limit counters", [
            """
            CREATE TABLE limit_records (
                key TEXT PRIMARY KEY,
                value DOUBLE PRECISION NOT NULL,
                updated DOUBLE PRECISION NOT NULL,
                expires DOUBLE PRECISION NOT NULL
            )
            """,
            "CREATE INDEX limit_records_expires ON limit_records (expires)",
        ]),
        (3, "instances' acknowledged epochs", [
            "CREATE TABLE instance_epochs (id TEXT PRIMARY KEY, heard BIGINT NOT NULL, seen_at TIMESTAMPTZ NOT NULL)",
        ]),
    ]

    /// The lock every migrating instance takes first (`pg_advisory_xact_lock`), so that instances starting together
    /// migrate one after the other: the first applies, the rest find nothing to do.
    static let migrationLock: Int64 = 0x6169_776F_726B_6572  // "aiworker"

    /// Applies the migrations not yet applied, in one transaction under the migration lock; returns their versions.
    @discardableResult
    static func migrate(_ pool: PostgresPool) async throws -> [Int] {
        try await pool.transaction { connection in
            try await connection.query("SELECT pg_advisory_xact_lock(\(migrationLock))", logger: pool.logger)
            try await connection.query(
                """
                CREATE TABLE IF NOT EXISTS schema_migrations (
                    version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at TIMESTAMPTZ NOT NULL DEFAULT now())
                """, logger: pool.logger)
            let applied = try await appliedVersions(connection, logger: pool.logger)
            var done: [Int] = []
            for migration in migrations where !applied.contains(migration.version) {
                for statement in migration.sql { try await connection.query(statement, logger: pool.logger) }
                try await connection.query(
                    "INSERT INTO schema_migrations (version, name) VALUES (\(migration.version), \(migration.name))", logger: pool.logger)
                done.append(migration.version)
            }
            return done
        }
    }

    /// Whether every migration is applied.
    static func isCurrent(_ pool: PostgresPool) async throws -> Bool {
        let applied = try await pool.run { client in
            try await client.withConnection { try await appliedVersions($0, logger: pool.logger) }
        }
        return Set(migrations.map(\.version)).isSubset(of: applied)
    }

    private static func appliedVersions(_ connection: PostgresConnection, logger: Logger) async throws -> Set<Int> {
        var versions = Set<Int>()
        for try await version in try await connection.query("SELECT version FROM schema_migrations", logger: logger).decode(Int.self) {
            versions.insert(version)
        }
        return versions
    }
}
