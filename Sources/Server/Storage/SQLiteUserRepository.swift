import GRDB

/// `UserRepository` on SQLite.
struct SQLiteUserRepository: UserRepository {
    let database: any DatabaseWriter

    func create(email: String, passwordHash: String) async throws -> User {
        let user = User(id: RandomID.make(), email: email, passwordHash: passwordHash, createdAt: Timestamp.now())
        do {
            try await database.write { db in
                try db.execute(
                    sql: "INSERT INTO users (id, email, password_hash, created_at) VALUES (?, ?, ?, ?)",
                    arguments: [user.id, user.email, user.passwordHash, user.createdAt])
            }
        } catch let error as DatabaseError where error.extendedResultCode == .SQLITE_CONSTRAINT_UNIQUE {
            throw UserRepositoryError.emailTaken
        }
        return user
    }

    func find(email: String) async throws -> User? {
        try await database.read { db in
            try Row.fetchOne(db, sql: "SELECT id, email, password_hash, created_at FROM users WHERE email = ?", arguments: [email])
                .map { User(id: $0["id"], email: $0["email"], passwordHash: $0["password_hash"], createdAt: $0["created_at"]) }
        }
    }

    func exists(id: String) async throws -> Bool {
        try await database.read { db in
            try Bool.fetchOne(db, sql: "SELECT EXISTS (SELECT 1 FROM users WHERE id = ?)", arguments: [id]) ?? false
        }
    }

    func replacePasswordHash(id: String, old: String, new: String) async throws {
        try await database.write { db in
            try db.execute(sql: "UPDATE users SET password_hash = ? WHERE id = ? AND password_hash = ?", arguments: [new, id, old])
        }
    }
}
