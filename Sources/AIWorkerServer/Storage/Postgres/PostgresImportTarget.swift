import Logging
import PostgresNIO

/// `ImportTarget` on PostgreSQL: one transaction that first locks both tables against other writers (instances may
/// be serving while the import runs), so what it read is still true when it inserts.
struct PostgresImportTarget: ImportTarget {
    let pool: PostgresPool

    func existing(_ wanted: ImportWanted) async throws -> ImportExisting {
        let logger = pool.logger
        return try await pool.run { client in try await client.withConnection { try await Self.lookUp(wanted, $0, logger: logger) } }
    }

    func importRows(_ wanted: ImportWanted, plan: @escaping @Sendable (ImportExisting) throws -> ImportPlan) async throws -> ImportPlan {
        let logger = pool.logger
        return try await pool.transaction { connection in
            try await connection.query("LOCK TABLE users, api_keys IN SHARE ROW EXCLUSIVE MODE", logger: logger)
            let decided = try plan(try await Self.lookUp(wanted, connection, logger: logger))
            for user in decided.users { try await connection.query(PostgresUserRepository.insert(user), logger: logger) }
            for key in decided.keys { try await connection.query(PostgresAPIKeyRepository.insert(key), logger: logger) }
            return decided
        }
    }

    /// Two queries: the users and the keys named.
    private static func lookUp(_ wanted: ImportWanted, _ connection: PostgresConnection, logger: Logger) async throws -> ImportExisting {
        var existing = ImportExisting()
        for try await (id, email) in try await connection.query(
            "SELECT id, lower(email) FROM users WHERE id = ANY(\(Array(wanted.userIds))) OR lower(email) = ANY(\(Array(wanted.emails)))",
            logger: logger
        ).decode((String, String).self) {
            existing.userIds.insert(id)
            existing.userIdByEmail[email] = id
        }
        for try await (id, hash) in try await connection.query(
            "SELECT id, key_hash FROM api_keys WHERE id = ANY(\(Array(wanted.keyIds))) OR key_hash = ANY(\(Array(wanted.keyHashes)))",
            logger: logger
        ).decode((String, String).self) {
            existing.keyIds.insert(id)
            existing.keyIdByHash[hash] = id
        }
        return existing
    }
}
