import Foundation
import Logging

/// Where the data lives, decided once from the settings (`DATABASE_URL`, else `DATABASE_PATH`): a SQLite file
/// (or `:memory:`), or a PostgreSQL database. Each engine opens its storage, migrates, takes an import and says
/// where a generated secret may be kept through this one switch; another engine would be one more case (and its
/// folder under `Storage/`).
enum DatabaseLocation: Sendable {
    case sqlite(path: String)
    case postgres(PostgresURL)

    /// The database as messages show it: the SQLite file's absolute path, or the URL without its password.
    var displayName: String {
        switch self {
        case .sqlite(let path): path == ":memory:" ? path : URL(fileURLWithPath: path).standardizedFileURL.path
        case .postgres(let url): url.redacted
        }
    }

    /// Where a generated JWT secret may be kept: beside the SQLite file. None for PostgreSQL (every instance must
    /// share the configured one) or an in-memory database.
    var secretFolder: URL? {
        guard case .sqlite(let path) = self, path != ":memory:" else { return nil }
        return URL(fileURLWithPath: path).deletingLastPathComponent()
    }

    /// The storage, migrated; its `services` must run for it to work.
    func open(_ settings: AppSettings, metrics: AppMetrics, logger: Logger) async throws -> any AppStorage {
        switch self {
        case .sqlite(let path):
            try SQLiteStorage(path: path)
        case .postgres(let url):
            try await PostgresStorage.open(
                url: url, timeout: .seconds(settings.databaseTimeout), maxConnections: settings.databaseMaxConnections, metrics: metrics, logger: logger)
        }
    }

    /// Applies the pending migrations; what was done, as `server migrate` prints it.
    func migrate(logger: Logger) async throws -> String {
        switch self {
        case .sqlite(let path):
            _ = try AppDatabase.open(path: path)
            return "\(displayName): up to date"
        case .postgres(let url):
            let applied = try await PostgresStorage.migrate(url, logger: logger)
            return "\(displayName): " + (applied.isEmpty ? "up to date" : "applied migrations \(applied.map(String.init).joined(separator: ", "))")
        }
    }

    /// Runs `body` with an import target on the migrated database (`server import-d1`).
    func withImportTarget<Value: Sendable>(logger: Logger, _ body: @escaping @Sendable (any ImportTarget) async throws -> Value) async throws -> Value {
        switch self {
        case .sqlite(let path):
            return try await body(SQLiteImportTarget(database: try AppDatabase.open(path: path)))
        case .postgres(let url):
            try await PostgresStorage.migrate(url, logger: logger)
            return try await PostgresStorage.withPool(url, timeout: PostgresStorage.migrationTimeout, logger: logger) { pool in
                try await body(PostgresImportTarget(pool: pool))
            }
        }
    }
}
