import Foundation
import GRDB
import ServiceLifecycle

/// `AppStorage` on one SQLite file (WAL mode), shared by the processes of one machine.
struct SQLiteStorage: AppStorage {
    let database: any DatabaseWriter
    let users: any UserRepository
    let apiKeys: any APIKeyRepository
    let epoch: any CredentialEpoch
    let limits: any LimitStore = MemoryLimitStore()
    let services: [any Service] = []
    let displayName: String

    /// Opens (creating and migrating) the database at `path`, or an in-memory one for `:memory:`.
    init(path: String) throws {
        database = try AppDatabase.open(path: path)
        users = SQLiteUserRepository(database: database)
        apiKeys = SQLiteAPIKeyRepository(database: database)
        epoch = try SQLiteCredentialEpoch(path: path, database: database)
        displayName = DatabaseLocation.sqlite(path: path).displayName
    }

    func readiness() async -> (checks: [String: String], required: Set<String>) {
        do {
            let migrated = try await database.read { db in try AppDatabase.migrator.hasCompletedMigrations(db) }
            return (["database": "ok", "migrations": migrated ? "ok" : "pending"], ["database", "migrations"])
        } catch {
            return (["database": "unavailable"], ["database"])
        }
    }
}
