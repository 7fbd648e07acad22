import Foundation
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

    /// The database imported into.
    let target: any ImportTarget
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
        let wanted = ImportWanted(
            userIds: Set((users.map { $0.row["id"] } + keys.map { $0.row["user_id"] }).compactMap { $0.map(Self.text) }),
            emails: Set(users.compactMap { Self.email($0.row) }),
            keyIds: Set(keys.compactMap { $0.row["id"].map(Self.text) }),
            keyHashes: Set(keys.compactMap { row in Self.key(row.row).map(APIKeySecret.hash) }))
        // bcrypt is slow: the new users' hashes are made before the transaction, which then only checks and inserts.
        let before = try await target.existing(wanted)
        var hashes: [String: String] = [:]
        for (_, row) in users {
            guard case .text(let legacy) = row["password"] ?? .null, LegacyPassword.isHash(legacy),
                let id = row["id"].map(Self.text), !before.userIds.contains(id), hashes[id] == nil
            else { continue }
            // By user, not by password: two users with one password get two salts.
            hashes[id] = Self.storedHash(ofLegacy: legacy, cost: bcryptCost)
        }
        let (userRows, keyRows, cost, now, made) = (users, keys, bcryptCost, Timestamp.now(), hashes)
        return try await target.importRows(wanted) { existing in
            Self.plan(users: userRows, keys: keyRows, existing: existing, now: now) { id, legacy in
                made[id] ?? Self.storedHash(ofLegacy: legacy, cost: cost)
            }
        }.summary
    }

    /// The original's unsalted base64 SHA-256 under bcrypt: exactly the server's own `bcrypt-sha256:` format (bcrypt
    /// over the password's base64 SHA-256), so the old password works and no unsalted hash is ever stored.
    static func storedHash(ofLegacy legacy: String, cost: Int) -> String {
        PasswordHasher.marker + Bcrypt.hash(legacy, cost: UInt8(cost))
    }

    /// What to insert, given what the database holds: every row checked in order, each insert counted as held for
    /// the rows after it (so a dump that repeats a row imports it once).
    static func plan(
        users: [(line: Int, row: [String: SQLDump.Value])], keys: [(line: Int, row: [String: SQLDump.Value])],
        existing: ImportExisting, now: String, hash: (_ userId: String, _ legacy: String) -> String
    ) -> ImportPlan {
        var plan = ImportPlan()
        var existing = existing
        for (line, row) in users {
            switch user(row, existing: existing, now: now, hash: hash) {
            case .success(let user):
                plan.users.append(user)
                existing.userIds.insert(user.id)
                existing.userIdByEmail[user.email] = user.id
                plan.summary.usersImported += 1
            case .failure(let reason):
                plan.summary.skipped.append("line \(line): user \(row["id"].map(Self.text) ?? "?"): \(reason.text)")
            }
        }
        for (line, row) in keys {
            switch key(row, existing: existing, now: now) {
            case .success(let key):
                plan.keys.append(key)
                existing.keyIds.insert(key.id)
                existing.keyIdByHash[key.keyHash] = key.id
                plan.summary.keysImported += 1
            case .failure(let reason):
                plan.summary.skipped.append("line \(line): API key \(row["id"].map(Self.text) ?? "?"): \(reason.text)")
            }
        }
        return plan
    }

    /// Why a row is left out.
    struct Skip: Error {
        let text: String
    }

    /// The user to insert, or why not.
    private static func user(
        _ row: [String: SQLDump.Value], existing: ImportExisting, now: String, hash: (_ userId: String, _ legacy: String) -> String
    ) -> Result<User, Skip> {
        guard let id = row["id"].map(Self.text), !id.isEmpty else { return .failure(Skip(text: "no id")) }
        guard case .text(let rawEmail) = row["email"] ?? .null, let email = Self.email(row) else { return .failure(Skip(text: "no email")) }
        guard CredentialRules.isEmailSyntax(email) else { return .failure(Skip(text: "'\(rawEmail)' is not an email address")) }
        guard case .text(let password) = row["password"] ?? .null, LegacyPassword.isHash(password) else {
            return .failure(Skip(text: "the password is not the original's base64 SHA-256 hash"))
        }
        if existing.userIds.contains(id) { return .failure(Skip(text: "already imported")) }
        if existing.userIdByEmail[email] != nil { return .failure(Skip(text: "the email \(email) is already registered here")) }
        return .success(User(id: id, email: email, passwordHash: hash(id, password), createdAt: Self.timestamp(row["created_at"]) ?? now))
    }

    /// The key to insert (its hash, never the key), or why not.
    private static func key(_ row: [String: SQLDump.Value], existing: ImportExisting, now: String) -> Result<StoredAPIKey, Skip> {
        guard let id = row["id"].map(text), !id.isEmpty else { return .failure(Skip(text: "no id")) }
        guard let userId = row["user_id"].map(text), existing.userIds.contains(userId) else {
            return .failure(Skip(text: "its user is not in this database"))
        }
        guard let key = Self.key(row) else {
            return .failure(Skip(text: "the key is not the original's 'sk-' and 32 characters of [A-Za-z0-9_-]"))
        }
        let hash = APIKeySecret.hash(key)
        if existing.keyIds.contains(id) { return .failure(Skip(text: "already imported")) }
        if let other = existing.keyIdByHash[hash] { return .failure(Skip(text: "the same key is already here under id \(other)")) }
        // Only what plainly says active is: anything else ('false', 0.0, null, a missing column) fails closed.
        let active = switch row["active"] {
        case .integer(1)?, .real(1)?: true
        case .text(let text)? where ["1", "true"].contains(text.lowercased()): true
        default: false
        }
        return .success(StoredAPIKey(
            id: id, userId: userId, keyHash: hash, prefix: String(key.prefix(APIKeySecret.displayPrefixLength)),
            name: row["name"].map(text) ?? "imported key", active: active, createdAt: timestamp(row["created_at"]) ?? now,
            revokedAt: active ? nil : now))
    }

    /// The row's email, trimmed and in lower case, if it has one.
    private static func email(_ row: [String: SQLDump.Value]) -> String? {
        guard case .text(let raw) = row["email"] ?? .null else { return nil }
        return raw.trimmingCharacters(in: .whitespacesAndNewlines).lowercased()
    }

    /// The row's key if it has the original's shape.
    private static func key(_ row: [String: SQLDump.Value]) -> String? {
        guard case .text(let key) = row["key"] ?? .null, isOriginalKey(key) else { return nil }
        return key
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
