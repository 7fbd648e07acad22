import Foundation

/// Turns a session token or an API key into the principal it stands for, or refuses it (401). Credentials
/// accepted once are remembered in the `CredentialCache` until a revocation moves the `CredentialEpoch`, so the
/// common request costs no JWT verification and no database read; every API key use is recorded for
/// `last_used_at` by the `APIKeyUsageRecorder`, off the request path.
struct Authenticator: Sendable {
    let tokens: SessionTokenService
    let users: any UserRepository
    let apiKeys: any APIKeyRepository
    let epoch: any CredentialEpoch
    /// nil: every request is checked against the database.
    let cache: CredentialCache?
    let usage: APIKeyUsageRecorder

    func session(_ token: String) async throws -> Principal {
        try await cached(token) {
            guard let verified = await tokens.verify(token),
                try await users.acceptsSession(userId: verified.userId, jti: verified.jti, issuedAt: verified.issuedAt)
            else {
                throw CredentialRejected.sessionToken
            }
            let principal = Principal(userId: verified.userId, credential: .sessionToken(jti: verified.jti, expiresAt: verified.expiresAt))
            return .init(principal: principal, expiresAt: verified.expiresAt)
        }
    }

    func apiKey(_ key: String) async throws -> Principal {
        let principal = try await cached(key) {
            guard let found = try await apiKeys.authenticate(keyHash: APIKeySecret.hash(key)) else {
                throw CredentialRejected.apiKey
            }
            return .init(principal: Principal(userId: found.userId, credential: .apiKey(id: found.keyId)), expiresAt: nil)
        }
        if case .apiKey(let id) = principal.credential { usage.record(id) }
        return principal
    }

    /// The cached principal of `credential`, or the one `check` finds, cached for next time.
    private func cached(_ credential: String, check: () async throws -> CredentialCache.Entry) async throws -> Principal {
        guard let cache, let epoch = try epoch.current() else { return try await check().principal }
        let key = CredentialCache.key(credential)
        if let principal = cache.lookup(key, epoch: epoch) { return principal }
        let entry = try await check()
        cache.insert(key, entry, epoch: epoch)
        return entry.principal
    }
}
