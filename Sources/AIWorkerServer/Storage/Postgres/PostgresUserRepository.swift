import Foundation
import PostgresNIO

/// `UserRepository` on PostgreSQL. The email is unique case-insensitively by an index on `lower(email)`, so
/// concurrent registrations of one email on any number of instances create one account.
struct PostgresUserRepository: UserRepository {
    let pool: PostgresPool
    let epoch: PostgresCredentialEpoch

    func create(email: String, passwordHash: String) async throws -> User {
        let user = User(id: RandomID.make(), email: email, passwordHash: passwordHash, createdAt: Timestamp.now())
        do {
            try await pool.run { client in _ = try await client.query(Self.insert(user)) }
        } catch where PostgresPool.isUniqueViolation(error) {
            throw UserRepositoryError.emailTaken
        }
        return user
    }

    /// The statement that inserts the user's row (registration, and `server import-d1`).
    static func insert(_ user: User) -> PostgresQuery {
        "INSERT INTO users (id, email, password_hash, created_at) VALUES (\(user.id), \(user.email), \(user.passwordHash), \(user.createdAt))"
    }

    func find(email: String) async throws -> User? {
        // PostgreSQL text cannot hold NUL, so no stored email has one (and the query would fail): no such user.
        guard !email.contains("\0") else { return nil }
        return try await pool.run { client in
            let rows = try await client.query(
                "SELECT id, email, password_hash, created_at, sessions_valid_after FROM users WHERE lower(email) = lower(\(email))")
            for try await (id, email, hash, created, validAfter) in rows.decode((String, String, String, String, Int?).self) {
                return User(id: id, email: email, passwordHash: hash, createdAt: created, sessionsValidAfter: validAfter)
            }
            return nil
        }
    }

    func acceptsSession(userId: String, jti: String?, issuedAt: Int) async throws -> Bool {
        try await pool.run { client in
            let rows = try await client.query(
                """
                SELECT EXISTS (SELECT 1 FROM users WHERE id = \(userId) AND (sessions_valid_after IS NULL OR sessions_valid_after <= \(issuedAt)))
                   AND NOT EXISTS (SELECT 1 FROM revoked_sessions WHERE jti = \(jti ?? ""))
                """)
            for try await accepted in rows.decode(Bool.self) { return accepted }
            return false
        }
    }

    func revokeSession(jti: String, userId: String, expiresAt: Date) async throws {
        let now = Int(Date().timeIntervalSince1970)
        let expires = Int(expiresAt.timeIntervalSince1970.rounded(.up))
        let logger = pool.logger
        let value = try await pool.transaction { connection in
            // Entries are needed only until their token expires by itself.
            try await connection.query("DELETE FROM revoked_sessions WHERE expires_at < \(now)", logger: logger)
            try await connection.query(
                "INSERT INTO revoked_sessions (jti, user_id, expires_at) VALUES (\(jti), \(userId), \(expires)) ON CONFLICT DO NOTHING",
                logger: logger)
            return try await PostgresCredentialEpoch.advance(connection, logger: logger)
        }
        await epoch.awaitAcknowledged(value)
    }

    func revokeAllSessions(userId: String, now: Date) async throws -> Int {
        // Every token issued in this second or before: iat is in whole seconds.
        let cutoff = Int(now.timeIntervalSince1970.rounded(.down)) + 1
        let logger = pool.logger
        let value = try await pool.transaction { connection in
            try await connection.query("UPDATE users SET sessions_valid_after = \(cutoff) WHERE id = \(userId)", logger: logger)
            return try await PostgresCredentialEpoch.advance(connection, logger: logger)
        }
        await epoch.awaitAcknowledged(value)
        return cutoff
    }

    func replacePasswordHash(id: String, old: String, new: String) async throws {
        try await pool.run { client in
            _ = try await client.query("UPDATE users SET password_hash = \(new) WHERE id = \(id) AND password_hash = \(old)")
        }
    }

    func delete(email: String) async throws -> Bool {
        guard !email.contains("\0") else { return false }
        // Keys and ended sessions go with the user (ON DELETE CASCADE).
        return try await epoch.revoke("DELETE FROM users WHERE lower(email) = lower(\(email)) RETURNING id")
    }
}
