import PostgresNIO

/// `APIKeyRepository` on PostgreSQL.
struct PostgresAPIKeyRepository: APIKeyRepository {
    let pool: PostgresPool
    let epoch: PostgresCredentialEpoch

    func create(userId: String, name: String, keyHash: String, prefix: String, maxActive: Int) async throws -> APIKey {
        let key = APIKey(
            id: RandomID.make(), userId: userId, name: name, prefix: prefix, active: true,
            createdAt: Timestamp.now(), lastUsedAt: nil)
        let logger = pool.logger
        try await pool.transaction { connection in
            // The user's row is locked first, so concurrent creations on any instance count one after the other.
            try await connection.query("SELECT 1 FROM users WHERE id = \(userId) FOR UPDATE", logger: logger)
            var active = 0
            for try await count in try await connection.query(
                "SELECT COUNT(*)::INTEGER FROM api_keys WHERE user_id = \(userId) AND active", logger: logger
            ).decode(Int.self) { active = count }
            guard active < maxActive else { throw APIKeyRepositoryError.limitReached }
            let row = StoredAPIKey(
                id: key.id, userId: userId, keyHash: keyHash, prefix: prefix, name: name, active: true, createdAt: key.createdAt, revokedAt: nil)
            try await connection.query(Self.insert(row), logger: logger)
        }
        return key
    }

    /// The statement that inserts the key's row (creation, and `server import-d1`).
    static func insert(_ key: StoredAPIKey) -> PostgresQuery {
        """
        INSERT INTO api_keys (id, user_id, key_hash, prefix, name, active, created_at, revoked_at)
        VALUES (\(key.id), \(key.userId), \(key.keyHash), \(key.prefix), \(key.name), \(key.active), \(key.createdAt), \(key.revokedAt))
        """
    }

    func list(userId: String, after: String?, limit: Int?) async throws -> [APIKey] {
        try await pool.run { client in
            // Without a cursor, every key comes after ("", 0): created_at is never empty and seq starts at 1.
            var cursor = ("", Int64(0))
            if let after {
                // PostgreSQL text cannot hold NUL, so no key's id has one (and the query would fail): unknown.
                guard !after.contains("\0") else { throw APIKeyRepositoryError.unknownCursor }
                var found: (String, Int64)?
                for try await row in try await client.query(
                    "SELECT created_at, seq FROM api_keys WHERE id = \(after) AND user_id = \(userId)"
                ).decode((String, Int64).self) { found = row }
                guard let found else { throw APIKeyRepositoryError.unknownCursor }
                cursor = found
            }
            var keys: [APIKey] = []
            // LIMIT NULL is no limit.
            for try await (id, user, name, prefix, active, created, lastUsed) in try await client.query(
                """
                SELECT id, user_id, name, prefix, active, created_at, last_used_at FROM api_keys
                WHERE user_id = \(userId) AND (created_at, seq) > (\(cursor.0), \(cursor.1))
                ORDER BY created_at, seq LIMIT \(limit)
                """
            ).decode((String, String, String, String, Bool, String, String?).self) {
                keys.append(APIKey(id: id, userId: user, name: name, prefix: prefix, active: active, createdAt: created, lastUsedAt: lastUsed))
            }
            return keys
        }
    }

    func revoke(id: String, userId: String?) async throws -> Bool {
        // PostgreSQL text cannot hold NUL, so no key's id has one (and the query would fail): not found.
        guard !id.contains("\0") else { return false }
        return try await epoch.revoke("""
            UPDATE api_keys SET active = FALSE, revoked_at = COALESCE(revoked_at, \(Timestamp.now()))
            WHERE id = \(id) AND user_id = COALESCE(\(userId), user_id) RETURNING id
            """)
    }

    func authenticate(keyHash: String) async throws -> (keyId: String, userId: String)? {
        try await pool.run { client in
            for try await (keyId, userId) in try await client.query(
                """
                SELECT k.id, k.user_id FROM api_keys k JOIN users u ON u.id = k.user_id
                WHERE k.key_hash = \(keyHash) AND k.active
                """
            ).decode((String, String).self) {
                return (keyId: keyId, userId: userId)
            }
            return nil
        }
    }

    func recordUse(_ lastUsed: [String: String]) async throws {
        let ids = Array(lastUsed.keys)
        let times = ids.map { lastUsed[$0]! }
        try await pool.run { client in
            _ = try await client.query(
                """
                UPDATE api_keys SET last_used_at = used.at
                FROM (SELECT unnest(\(ids)::TEXT[]) AS id, unnest(\(times)::TEXT[]) AS at) AS used
                WHERE api_keys.id = used.id
                """)
        }
    }
}
