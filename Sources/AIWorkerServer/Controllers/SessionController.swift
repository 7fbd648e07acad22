import Foundation
import Hummingbird

/// Ending sessions: `POST /logout` ends the session of the token presented, `POST /sessions/revoke-all` every
/// session of the user issued until now. Only with a session token; the effect is in the database, so every
/// instance refuses the token on its next request.
struct SessionController {
    let users: any UserRepository
    let authentication: AuthenticationMiddleware

    struct LogoutResponse: ResponseEncodable {
        let message: String
    }

    struct RevokeAllResponse: ResponseEncodable {
        let message: String
        /// Tokens issued before this instant (ISO 8601) are refused.
        let revoked_before: String
    }

    func addRoutes(to router: some RouterMethods<AppRequestContext>) {
        let authenticated = router.group().add(middleware: authentication).group(context: AuthenticatedContext.self)
        authenticated.post("logout", use: logout)
        authenticated.post("sessions/revoke-all", use: revokeAll)
    }

    /// Ends the presented session; a token issued before sessions had ids can only be ended with all the others.
    @Sendable func logout(_ request: Request, context: AuthenticatedContext) async throws -> LogoutResponse {
        let principal = context.principal
        guard case .sessionToken(let jti, let expiresAt) = principal.credential else { throw APIError.apiKeyNotAllowed }
        guard let jti else {
            _ = try await users.revokeAllSessions(userId: principal.userId, now: .now)
            context.logger.info("Sessions revoked (logout of a token without an id)", metadata: ["user_id": "\(principal.userId)"])
            return LogoutResponse(message: "Logged out. This token predates single logout, so every session of yours issued until now ended.")
        }
        try await users.revokeSession(jti: jti, userId: principal.userId, expiresAt: expiresAt)
        context.logger.info("Logged out", metadata: ["user_id": "\(principal.userId)"])
        return LogoutResponse(message: "Logged out")
    }

    /// Ends every session of the user issued until now, the one presented included.
    @Sendable func revokeAll(_ request: Request, context: AuthenticatedContext) async throws -> RevokeAllResponse {
        let principal = context.principal
        let cutoff = try await users.revokeAllSessions(userId: principal.userId, now: .now)
        context.logger.info("Sessions revoked", metadata: ["user_id": "\(principal.userId)"])
        return RevokeAllResponse(
            message: "Every session issued until now has ended. Log in again for a new token.",
            revoked_before: Date(timeIntervalSince1970: TimeInterval(cutoff)).formatted(.iso8601))
    }
}
