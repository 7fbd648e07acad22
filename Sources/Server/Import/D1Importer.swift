import Foundation
import GRDB
import HummingbirdBcrypt

/// Imports the users and API keys of the original worker's D1 database from its SQL export, in one
/// transaction and idempotently: users keep their ids and old passwords (upgraded to bcrypt at their first
/// login), keys keep working (only their hash is stored) and revoked keys stay revoked.
struct D1Importer {
    /// The original's tables, in the column order of its schema (used when an INSERT names no columns).
    static let userColumns = ["id", "email", "password", "created_at"]
    static let keyColumns = ["id", "user_id", "key", "name", "active", "created_at"]

    /// What an import did.
    struct Summary: CustomStringConvertible, Sendable {
        var usersImported = 0
        var keysImported = 0
        /// `line N: users row K: reason`, for each row left out.
        var skipped: [String] = []

        var description: String {
            var lines = ["Imported \(usersImported) users and \(keysImported) API keys; skipped \(skipped.count) rows."]
            lines += skipped.map { "  skipped \($0)" }
            return lines.joined(separator: "\n")
        }
    }

    let database: any DatabaseWriter
    /// The bcrypt cost of the hashes the import stores (the server's `BCRYPT_COST`).
    let bcryptCost: Int

    /// Imports `sql`; throws `SQLDump.ParseError` (naming the line) and imports nothing if any statement is malformed.
    func importDump(_ sql: String) async throws -> Summary {
        var users: [(line: Int, row: [String: SQLDump.Value])] = []
        var keys: [(line: Int, row: [String: SQLDump.Value])] = []
        for statement in try SQLDump.statements(sql) {
            guard let insert = try SQLDump.insert(statement) else { continue }
            let table = insert.table.lowercased()
            guard table == "users" || table == "api_keys" else { continue }
            let columns = insert.columns.isEmpty ? (table == "users" ? Self.userColumns : Self.keyColumns) : insert.columns.map { $0.lowercased() }
            for row in insert.rows {
                guard row.count == columns.count else {
                    throw SQLDump.ParseError(line: statement.line, message: "a \(table) row has \(row.count) values for \(columns.count) columns")
                }
                let named = Dictionary(zip(columns, row), uniquingKeysWith: { $1 })
                if table == "users" { users.append((statement.line, named)) } else { keys.append((statement.line, named)) }
            }
        }
        let now = Timestamp.now()
        let (userRows, keyRows) = (users, keys)
        return try await database.write { db in
            var summary = Summary()
            for (line, row) in userRows {
                if let reason = try importUser(row, db: db, now: now) {
                    summary.skipped.append("line \(line): user \(row["id"].map(Self.text) ?? "?"): \(reason)")
                } else {
                    summary.usersImported += 1
                }
            }
            for (line, row) in keyRows {
                if let reason = try Self.importKey(row, db: db, now: now) {
                    summary.skipped.append("line \(line): API key \(row["id"].map(Self.text) ?? "?"): \(reason)")
                } else {
                    summary.keysImported += 1
                }
            }
            return summary
        }
    }

    /// The original's unsalted base64 SHA-256 under bcrypt: exactly the server's own `bcrypt-sha256:` format (bcrypt
    /// over the password's base64 SHA-256), so the old password works and no unsalted hash is ever stored.
    private func storedHash(ofLegacy legacy: String) throws -> String {
        PasswordHasher.marker + Bcrypt.hash(legacy, cost: UInt8(bcryptCost))
    }

    /// Inserts one user; the reason it was left out otherwise.
    private func importUser(_ row: [String: SQLDump.Value], db: GRDB.Database, now: String) throws -> String? {
        guard let id = row["id"].map(Self.text), !id.isEmpty else { return "no id" }
        guard case .text(let rawEmail) = row["email"] ?? .null else { return "no email" }
        let email = rawEmail.trimmingCharacters(in: .whitespacesAndNewlines).lowercased()
        guard CredentialRules.isEmailSyntax(email) else { return "'\(rawEmail)' is not an email address" }
        guard case .text(let password) = row["password"] ?? .null, LegacyPassword.isHash(password) else {
            return "the password is not the original's base64 SHA-256 hash"
        }
        if let existing = try Row.fetchOne(db, sql: "SELECT id, email FROM users WHERE id = ? OR email = ?", arguments: [id, email]) {
            return existing["id"] == id ? "already imported" : "the email \(email) is already registered here"
        }
        try db.execute(
            sql: "INSERT INTO users (id, email, password_hash, created_at) VALUES (?, ?, ?, ?)",
            arguments: [id, email, try storedHash(ofLegacy: password), Self.timestamp(row["created_at"]) ?? now])
        return nil
    }

    /// Inserts one key (its hash, never the key); the reason it was left out otherwise.
    private static func importKey(_ row: [String: SQLDump.Value], db: GRDB.Database, now: String) throws -> String? {
        guard let id = row["id"].map(text), !id.isEmpty else { return "no id" }
        guard let userId = row["user_id"].map(text), try Bool.fetchOne(db, sql: "SELECT EXISTS (SELECT 1 FROM users WHERE id = ?)", arguments: [userId]) == true else {
            return "its user is not in this database"
        }
        guard case .text(let key) = row["key"] ?? .null, Self.isOriginalKey(key) else {
            return "the key is not the original's 'sk-' and 32 characters of [A-Za-z0-9_-]"
        }
        let hash = APIKeyGenerator.hash(key)
        if let existing = try String.fetchOne(db, sql: "SELECT id FROM api_keys WHERE id = ? OR key_hash = ?", arguments: [id, hash]) {
            return existing == id ? "already imported" : "the same key is already here under id \(existing)"
        }
        // Only what plainly says active is: anything else ('false', 0.0, null, a missing column) fails closed.
        let active = switch row["active"] {
        case .integer(1)?, .real(1)?: true
        case .text(let text)? where ["1", "true"].contains(text.lowercased()): true
        default: false
        }
        let created = timestamp(row["created_at"]) ?? now
        try db.execute(
            sql: """
                INSERT INTO api_keys (id, user_id, key_hash, prefix, name, active, created_at, revoked_at)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?)
                """,
            arguments: [id, userId, hash, String(key.prefix(APIKeyGenerator.displayPrefixLength)), row["name"].map(text) ?? "imported key",
                        active, created, active ? nil : now])
        return nil
    }

    /// The original's key shape: `sk-` and a 32-character nanoid.
    static func isOriginalKey(_ key: String) -> Bool {
        key.count == 35 && key.hasPrefix("sk-")
            && key.dropFirst(3).unicodeScalars.allSatisfy { CharacterSet.alphanumerics.contains($0) && $0.isASCII || $0 == "_" || $0 == "-" }
    }

    static func text(_ value: SQLDump.Value) -> String {
        switch value {
        case .null: ""
        case .integer(let number): String(number)
        case .real(let number): String(number)
        case .text(let text): text
        }
    }

    /// D1's `YYYY-MM-DD HH:MM:SS` (UTC) as RFC 3339; nil when absent or unreadable.
    static func timestamp(_ value: SQLDump.Value?) -> String? {
        guard case .text(let text) = value ?? .null else { return nil }
        let candidate = text.replacingOccurrences(of: " ", with: "T") + (text.hasSuffix("Z") ? "" : "Z")
        return (try? Date(candidate, strategy: .iso8601)).map(Timestamp.string)
    }
}
