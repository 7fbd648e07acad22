import GRDB

/// `ImportTarget` on the SQLite file: one write transaction (SQLite's single writer keeps others out).
struct SQLiteImportTarget: ImportTarget {
    let database: any DatabaseWriter

    func existing(_ wanted: ImportWanted) async throws -> ImportExisting {
        try await database.read { db in try Self.lookUp(wanted, db) }
    }

    func importRows(_ wanted: ImportWanted, plan: @escaping @Sendable (ImportExisting) throws -> ImportPlan) async throws -> ImportPlan {
        try await database.write { db in
            let decided = try plan(try Self.lookUp(wanted, db))
            for user in decided.users { try SQLiteUserRepository.insert(user, db) }
            for key in decided.keys { try SQLiteAPIKeyRepository.insert(key, db) }
            return decided
        }
    }

    /// One indexed lookup per name.
    private static func lookUp(_ wanted: ImportWanted, _ db: Database) throws -> ImportExisting {
        var existing = ImportExisting()
        let users = try db.cachedStatement(sql: "SELECT id, email FROM users WHERE id = ? OR email = ?")
        for (id, email) in wanted.userIds.map({ ($0, "") }) + wanted.emails.map({ ("", $0) }) {
            for row in try Row.fetchAll(users, arguments: [id, email]) {
                existing.userIds.insert(row["id"])
                existing.userIdByEmail[row["email"]] = row["id"]
            }
        }
        let keys = try db.cachedStatement(sql: "SELECT id, key_hash FROM api_keys WHERE id = ? OR key_hash = ?")
        for (id, hash) in wanted.keyIds.map({ ($0, "") }) + wanted.keyHashes.map({ ("", $0) }) {
            for row in try Row.fetchAll(keys, arguments: [id, hash]) {
                existing.keyIds.insert(row["id"])
                existing.keyIdByHash[row["key_hash"]] = row["id"]
            }
        }
        return existing
    }
}
