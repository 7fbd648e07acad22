import Foundation
import GRDB

/// `UserRepository` on SQLite.
struct SQLiteUserRepository: UserRepository {
    let database: any DatabaseWriter

    func create(email: String, passwordHash: String) async throws -> User {
        let user = User(id: RandomID.make(), email: email, passwordHash: passwordHash, createdAt: Timestamp.now())
        do {
            try await database.write { db in try Self.insert(user, db) }
        } catch let error as DatabaseError where error.extendedResultCode == .SQLITE_CONSTRAINT_UNIQUE {
            throw UserRepositoryError.emailTaken
        }
        return user
    }

    /// Inserts the user's row (registration, and `server import-d1`).
    static func insert(_ user: User, _ db: Database) throws {
        try db.execute(
            sql: "INSERT INTO users (id, email, password_hash, created_at) VALUES (?, ?, ?, ?)",
            arguments: [user.id, user.email, user.passwordHash, user.createdAt])
    }

    func find(email: String) async throws -> User? {
        try await database.read { db in
            try Row.fetchOne(
                db, sql: "SELECT id, email, password_hash, created_at, sessions_valid_after FROM users WHERE email = ?", arguments: [email]
            ).map {
                User(
                    id: $0["id"], email: $0["email"], passwordHash: $0["password_hash"], createdAt: $0["created_at"],
                    sessionsValidAfter: $0["sessions_valid_after"])
            }
        }
    }

    func acceptsSession(userId: String, jti: String?, issuedAt: Int) async throws -> Bool {
        try await database.read { db in
            try Bool.fetchOne(
                db.cachedStatement(sql: """
                    SELECT EXISTS (SELECT 1 FROM users WHERE id = ? AND (sessions_valid_after IS NULL OR sessions_valid_after <= ?))
                       AND NOT EXISTS (SELECT 1 FROM revoked_sessions WHERE jti = ?)
                    """),
                arguments: [userId, issuedAt, jti ?? ""]) ?? false
        }
    }

    func revokeSession(jti: String, userId: String, expiresAt: Date) async throws {
        let now = Int(Date().timeIntervalSince1970)
        try await database.write { db in
            // Entries are needed only until their token expires by itself.
            try db.execute(sql: "DELETE FROM revoked_sessions WHERE expires_at < ?", arguments: [now])
            try db.execute(
                sql: "INSERT OR IGNORE INTO revoked_sessions (jti, user_id, expires_at) VALUES (?, ?, ?)",
                arguments: [jti, userId, Int(expiresAt.timeIntervalSince1970.rounded(.up))])
            try SQLiteCredentialEpoch.advance(db)
        }
    }

    func revokeAllSessions(userId: String, now: Date) async throws -> Int {
        // Every token issued in this second or before: iat is in whole seconds.
        let cutoff = Int(now.timeIntervalSince1970.rounded(.down)) + 1
        try await database.write { db in
            try db.execute(sql: "UPDATE users SET sessions_valid_after = ? WHERE id = ?", arguments: [cutoff, userId])
            try SQLiteCredentialEpoch.advance(db)
        }
        return cutoff
    }

    func replacePasswordHash(id: String, old: String, new: String) async throws {
        try await database.write { db in
            try db.execute(sql: "UPDATE users SET password_hash = ? WHERE id = ? AND password_hash = ?", arguments: [new, id, old])
        }
    }

    func delete(email: String) async throws -> Bool {
        try await database.write { db in
            // Keys and ended sessions go with the user (ON DELETE CASCADE).
            try db.execute(sql: "DELETE FROM users WHERE email = ?", arguments: [email])
            guard db.changesCount > 0 else { return false }
            try SQLiteCredentialEpoch.advance(db)
            return true
        }
    }
}
