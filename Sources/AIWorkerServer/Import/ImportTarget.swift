// The ImportTarget protocol and the values an import exchanges with its target, together.

/// What an import names, for the database to say which of it it holds already.
struct ImportWanted: Sendable {
    var userIds: Set<String>
    /// Trimmed and in lower case.
    var emails: Set<String>
    var keyIds: Set<String>
    var keyHashes: Set<String>
}

/// What the database holds of an `ImportWanted`.
struct ImportExisting: Sendable {
    var userIds: Set<String> = []
    var userIdByEmail: [String: String] = [:]
    var keyIds: Set<String> = []
    var keyIdByHash: [String: String] = [:]
}

/// What an import inserts, and what it says it did.
struct ImportPlan: Sendable {
    var users: [User] = []
    var keys: [StoredAPIKey] = []
    var summary = D1Importer.Summary()
}

/// A database `server import-d1` writes into: SQLite (`SQLiteImportTarget`) or PostgreSQL (`PostgresImportTarget`).
protocol ImportTarget: Sendable {
    /// What the database holds of `wanted` now (read before the transaction, so the slow password hashing is
    /// done outside it).
    func existing(_ wanted: ImportWanted) async throws -> ImportExisting
    /// In one transaction, with no other writer in between: reads what the database holds of `wanted`, asks
    /// `plan` what to insert, inserts it. Nothing is written when anything throws.
    func importRows(_ wanted: ImportWanted, plan: @escaping @Sendable (ImportExisting) throws -> ImportPlan) async throws -> ImportPlan
}
