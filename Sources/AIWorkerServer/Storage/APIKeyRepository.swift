// The APIKeyRepository protocol with the key it lists, the row it stores and the errors it throws.

/// An API key as listed: never the key itself nor its hash.
struct APIKey: Sendable {
    let id: String
    let userId: String
    let name: String
    let prefix: String
    let active: Bool
    let createdAt: String
    let lastUsedAt: String?
}

/// An API key's row as stored (by the repositories and by `server import-d1`): its hash, never the key.
struct StoredAPIKey: Sendable {
    let id: String
    let userId: String
    let keyHash: String
    let prefix: String
    let name: String
    let active: Bool
    let createdAt: String
    let revokedAt: String?
}

/// Where API keys live. Only a SHA-256 hash of each key is stored.
protocol APIKeyRepository: Sendable {
    /// Creates a key, in one transaction with the check that the user has fewer than `maxActive` active keys
    /// (`APIKeyRepositoryError.limitReached` otherwise).
    func create(userId: String, name: String, keyHash: String, prefix: String, maxActive: Int) async throws -> APIKey
    /// The user's keys, oldest first: all of them, or at most `limit` after the key `after` (a page).
    /// `APIKeyRepositoryError.unknownCursor` when `after` is not one of the user's keys.
    func list(userId: String, after: String?, limit: Int?) async throws -> [APIKey]
    /// Revokes the user's key (any user's with `userId` nil: the operator's `server keys revoke`); `false` when no
    /// key with this id belongs to the user. Revoking twice succeeds.
    func revoke(id: String, userId: String?) async throws -> Bool
    /// The active key with this hash whose user still exists; `nil` otherwise.
    func authenticate(keyHash: String) async throws -> (keyId: String, userId: String)?
    /// Records when keys were last used (key id to timestamp), in one transaction (`APIKeyUsageRecorder`).
    func recordUse(_ lastUsed: [String: String]) async throws
}

enum APIKeyRepositoryError: Error {
    case limitReached
    case unknownCursor
}
