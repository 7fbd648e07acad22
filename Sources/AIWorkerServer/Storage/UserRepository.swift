import Foundation

// The UserRepository protocol with the User it stores and the errors it throws.

/// A registered user as stored.
struct User: Sendable {
    let id: String
    let email: String
    let passwordHash: String
    let createdAt: String
    /// Sessions issued (`iat`, whole seconds) before this are ended; nil until the user revokes them all.
    var sessionsValidAfter: Int? = nil
}

/// Where users live.
protocol UserRepository: Sendable {
    /// Creates a user; throws `UserRepositoryError.emailTaken` if the email is registered already.
    func create(email: String, passwordHash: String) async throws -> User
    /// The user with this (normalised) email, if any.
    func find(email: String) async throws -> User?
    /// Whether a verified session token still counts: its user exists, it was issued no earlier than the user's
    /// "sessions valid after", and its `jti` was not logged out. One read per token-authenticated request.
    func acceptsSession(userId: String, jti: String?, issuedAt: Int) async throws -> Bool
    /// Ends one session (`POST /logout`) until it expires by itself.
    func revokeSession(jti: String, userId: String, expiresAt: Date) async throws
    /// Ends every session of the user issued up to now (`POST /sessions/revoke-all`) and returns the instant,
    /// in whole seconds, from which tokens count again.
    func revokeAllSessions(userId: String, now: Date) async throws -> Int
    /// Replaces the password hash if it is still `old` (so two concurrent logins upgrade it once).
    func replacePasswordHash(id: String, old: String, new: String) async throws
    /// Deletes the user with this (normalised) email with its keys and sessions (`server users delete`), and
    /// advances the revocation epoch so every instance forgets them at once; `false` when there is no such user.
    func delete(email: String) async throws -> Bool
}

enum UserRepositoryError: Error {
    case emailTaken
}
