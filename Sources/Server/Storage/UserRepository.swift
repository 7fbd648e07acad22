/// A registered user as stored.
struct User: Sendable {
    let id: String
    let email: String
    let passwordHash: String
    let createdAt: String
}

/// Where users live.
protocol UserRepository: Sendable {
    /// Creates a user; throws `UserRepositoryError.emailTaken` if the email is registered already.
    func create(email: String, passwordHash: String) async throws -> User
    /// The user with this (normalised) email, if any.
    func find(email: String) async throws -> User?
    /// Whether a user with this id exists (tokens of deleted users are refused).
    func exists(id: String) async throws -> Bool
    /// Replaces the password hash if it is still `old` (so two concurrent logins upgrade it once).
    func replacePasswordHash(id: String, old: String, new: String) async throws
}

enum UserRepositoryError: Error {
    case emailTaken
}
