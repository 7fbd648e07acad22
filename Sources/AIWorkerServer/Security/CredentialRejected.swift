/// A credential the server does not accept: a session token that is invalid, expired or ended, or an API key that
/// is unknown or revoked. Thrown by the `Authenticator`; the authentication middleware counts it against the
/// client's address, and the error middleware answers it as 401 (`apiError`).
enum CredentialRejected: Error, Sendable {
    case sessionToken
    case apiKey

    var apiError: APIError {
        switch self {
        case .sessionToken: APIError.unauthorized("The token is invalid or expired. Log in again to get a new one.", code: "invalid_token")
        case .apiKey: APIError.unauthorized("The API key is invalid or revoked.", code: "invalid_api_key")
        }
    }
}
