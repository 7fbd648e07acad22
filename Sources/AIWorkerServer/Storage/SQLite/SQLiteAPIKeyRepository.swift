import GRDB

/// `APIKeyRepository` on SQLite.
struct SQLiteAPIKeyRepository: APIKeyRepository {
    let database: any DatabaseWriter

    func create(userId: String, name: String, keyHash: String, prefix: String, maxActive: Int) async throws -> APIKey {
        let key = APIKey(
            id: RandomID.make(), userId: userId, name: name, prefix: prefix, active: true,
            createdAt: Timestamp.now(), lastUsedAt: nil)
        try await database.write { db in
            let active = try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM api_keys WHERE user_id = ? AND active = 1", arguments: [userId]) ?? 0
            guard active < maxActive else { throw APIKeyRepositoryError.limitReached }
            try Self.insert(
                StoredAPIKey(
                    id: key.id, userId: userId, keyHash: keyHash, prefix: prefix, name: name, active: true, createdAt: key.createdAt,
                    revokedAt: nil), db)
        }
        return key
    }

    /// Inserts the key's row (creation, and `server import-d1`).
    static func insert(_ key: StoredAPIKey, _ db: Database) throws {
        try db.execute(
            sql: """
                INSERT INTO api_keys (id, user_id, key_hash, prefix, name, active, created_at, revoked_at)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?)
                """,
            arguments: [key.id, key.userId, key.keyHash, key.prefix, key.name, key.active, key.createdAt, key.revokedAt])
    }

    func list(userId: String, after: String?, limit: Int?) async throws -> [APIKey] {
        try await database.read { db in
            var sql = "SELECT id, user_id, name, prefix, active, created_at, last_used_at FROM api_keys WHERE user_id = ?"
            var arguments: StatementArguments = [userId]
            if let after {
                guard let cursor = try Row.fetchOne(
                    db, sql: "SELECT created_at, rowid FROM api_keys WHERE id = ? AND user_id = ?", arguments: [after, userId])
                else { throw APIKeyRepositoryError.unknownCursor }
                sql += " AND (created_at, rowid) > (?, ?)"
                arguments += [cursor[0] as String, cursor[1] as Int64]
            }
            sql += " ORDER BY created_at, rowid"
            if let limit {
                sql += " LIMIT ?"
                arguments += [limit]
            }
            return try Row.fetchAll(db, sql: sql, arguments: arguments).map {
                APIKey(
                    id: $0["id"], userId: $0["user_id"], name: $0["name"], prefix: $0["prefix"], active: $0["active"],
                    createdAt: $0["created_at"], lastUsedAt: $0["last_used_at"])
            }
        }
    }

    func revoke(id: String, userId: String?) async throws -> Bool {
        try await database.write { db in
            try db.execute(
                sql: "UPDATE api_keys SET active = 0, revoked_at = COALESCE(revoked_at, ?) WHERE id = ? AND user_id = COALESCE(?, user_id)",
                arguments: [Timestamp.now(), id, userId])
            guard db.changesCount > 0 else { return false }
            try SQLiteCredentialEpoch.advance(db)
            return true
        }
    }

    func authenticate(keyHash: String) async throws -> (keyId: String, userId: String)? {
        try await database.read { db in
            try Row.fetchOne(
                db.cachedStatement(sql: """
                    SELECT k.id, k.user_id FROM api_keys k JOIN users u ON u.id = k.user_id
                    WHERE k.key_hash = ? AND k.active = 1
                    """),
                arguments: [keyHash]
            ).map { (keyId: $0[0] as String, userId: $0[1] as String) }
        }
    }

    func recordUse(_ lastUsed: [String: String]) async throws {
        try await database.write { db in
            let statement = try db.cachedStatement(sql: "UPDATE api_keys SET last_used_at = ? WHERE id = ?")
            for (keyId, timestamp) in lastUsed {
                try statement.execute(arguments: [timestamp, keyId])
            }
        }
    }
}
