import Foundation
import Hummingbird

/// Registration and login, served at the README's paths (`/register`, `/login`) and the original's (`/users/...`).
struct UserController {
    let users: any UserRepository
    let hasher: PasswordHasher
    let tokens: SessionTokenService
    let metrics: AppMetrics
    let throttle: LoginThrottle

    struct Credentials: Decodable {
        let email: String
        let password: String
    }

    struct RegisterResponse: ResponseEncodable {
        let message: String
        let token: String
    }

    struct LoginResponse: ResponseEncodable {
        let token: String
    }

    /// Adds the routes; `limit` is the per-address rate limit, when on.
    func addRoutes(to router: some RouterMethods<AppRequestContext>, limit: RateLimitMiddleware<AppRequestContext>?) {
        let group = router.group()
        if let limit { group.add(middleware: limit) }
        group.post("register", use: register)
        group.post("login", use: login)
        // The original worker's paths.
        group.post("users/register", use: register)
        group.post("users/login", use: login)
    }

    /// Creates an account and returns a session token.
    @Sendable func register(_ request: Request, context: AppRequestContext) async throws -> RegisterResponse {
        let input = try await request.decode(as: Credentials.self, context: context)
        let email = try CredentialRules.normalizedEmail(input.email)
        try CredentialRules.checkPassword(input.password)
        let hash = try await hasher.hash(input.password)
        do {
            let user = try await users.create(email: email, passwordHash: hash)
            context.logger.info("User registered", metadata: ["user_id": "\(user.id)"])
            return RegisterResponse(message: "User created", token: try await tokens.issue(userId: user.id))
        } catch UserRepositoryError.emailTaken {
            throw APIError.emailTaken
        }
    }

    /// Exchanges email and password for a session token; one answer for a wrong password and an unknown email.
    @Sendable func login(_ request: Request, context: AppRequestContext) async throws -> LoginResponse {
        let input = try await request.decode(as: Credentials.self, context: context)
        guard CredentialRules.canLogIn(email: input.email, password: input.password) else {
            metrics.loginFailed()
            throw APIError.invalidCredentials
        }
        let email = input.email.trimmingCharacters(in: .whitespacesAndNewlines).lowercased()
        let delayOnFailure: Duration
        switch try await throttle.reserve(email: email, address: context.clientAddress) {
        case .locked(let retryAfter):
            metrics.rateLimited(scope: "login")
            throw APIError(
                status: .tooManyRequests, code: "login_locked",
                message: "Too many failed logins for this email. Retry after \(retryAfter) seconds.",
                headers: [.retryAfter: String(retryAfter), .xRateLimitLimit: String(throttle.lockAfter), .xRateLimitRemaining: "0",
                          .xRateLimitReset: String(retryAfter)])
        case .allowed(let delay):
            delayOnFailure = delay
        }
        let user: User?
        let verification: PasswordHasher.Verification
        do {
            user = try await users.find(email: email)
            verification = try await hasher.verify(input.password, hash: user?.passwordHash)
        } catch {
            // The password was never checked (the hash gate was busy, or the database failed): not an attempt.
            try? await throttle.release(email: email, address: context.clientAddress)
            throw error
        }
        guard verification != .mismatch, let user else {
            context.logger.info("Login failed")
            metrics.loginFailed()
            try await Task.sleep(for: delayOnFailure)
            throw APIError.invalidCredentials
        }
        try await throttle.recordSuccess(email: email, address: context.clientAddress)
        if verification == .matchNeedsUpgrade {
            // An older kind of hash (an imported unsalted one, or plain bcrypt): replaced now, never needed again.
            try await users.replacePasswordHash(id: user.id, old: user.passwordHash, new: try await hasher.hash(input.password))
            context.logger.info("Upgraded a password hash", metadata: ["user_id": "\(user.id)"])
        }
        return LoginResponse(token: try await tokens.issue(userId: user.id, notBefore: user.sessionsValidAfter))
    }
}
