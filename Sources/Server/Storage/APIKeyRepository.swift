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

/// Where API keys live. Only a SHA-256 hash of each key is stored.
protocol APIKeyRepository: Sendable {
    func create(userId: String, name: String, keyHash: String, prefix: String) async throws -> APIKey
    /// The user's keys, oldest first.
    func list(userId: String) async throws -> [APIKey]
    /// Revokes the user's key; `false` when no key with this id belongs to the user. Revoking twice succeeds.
    func revoke(id: String, userId: String) async throws -> Bool
    /// The active key with this hash whose user still exists, recording its use; `nil` otherwise.
    func authenticate(keyHash: String) async throws -> (keyId: String, userId: String)?
}
