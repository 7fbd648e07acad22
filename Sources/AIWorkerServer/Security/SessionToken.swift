import Foundation
import JWTKit

/// The claims of a session token: `sub` and the original's `userId` name the user; `exp` is required; `jti`
/// names the session so that `POST /logout` can end it alone (tokens issued before it existed have none).
struct SessionClaims: JWTPayload {
    let sub: SubjectClaim
    let userId: String
    let iat: IssuedAtClaim
    let exp: ExpirationClaim
    let jti: IDClaim?
    /// Honoured when a token carries it; this server does not issue it.
    let nbf: NotBeforeClaim?

    /// Clocks may disagree by this much.
    static let leeway: TimeInterval = 60

    func verify(using algorithm: some JWTAlgorithm) async throws {
        try exp.verifyNotExpired()
        try nbf?.verifyNotBefore(currentDate: .now + Self.leeway)
        guard iat.value <= .now + Self.leeway else {
            throw JWTError.claimVerificationFailure(failedClaim: iat, reason: "issued in the future")
        }
        guard sub.value == userId else { throw JWTError.claimVerificationFailure(failedClaim: sub, reason: "sub and userId differ") }
    }
}

/// Issues and checks HS256 session tokens.
struct SessionTokenService: Sendable {
    private let keys: JWTKeyCollection
    private let lifetime: TimeInterval

    init(secret: String, lifetime: TimeInterval) async {
        keys = JWTKeyCollection()
        await keys.add(hmac: HMACKey(from: secret), digestAlgorithm: .sha256)
        self.lifetime = lifetime
    }

    /// A token for the user, valid for the configured lifetime. `notBefore` (the user's "sessions valid after",
    /// in whole seconds) lifts `iat` to it, so a login right after "revoke all" in the same second still works.
    func issue(userId: String, notBefore: Int? = nil, now: Date = .now) async throws -> String {
        // NumericDate in whole seconds, as most JWT libraries write it.
        let issued = Date(timeIntervalSince1970: max(now.timeIntervalSince1970.rounded(.down), Double(notBefore ?? 0)))
        let claims = SessionClaims(
            sub: .init(value: userId), userId: userId, iat: .init(value: issued), exp: .init(value: issued + lifetime),
            jti: .init(value: RandomID.make(length: 22)), nbf: nil)
        return try await keys.sign(claims)
    }

    /// What a verified token says.
    struct Verified: Sendable {
        let userId: String
        let jti: String?
        /// `iat` in whole seconds.
        let issuedAt: Int
        let expiresAt: Date
    }

    /// The claims of a valid token; `nil` for any token that is malformed, not HS256, badly signed, without
    /// `exp`, or expired. Whether its session was ended is the user repository's to say.
    func verify(_ token: String) async -> Verified? {
        guard Self.algorithm(of: token) == "HS256", let claims = try? await keys.verify(token, as: SessionClaims.self) else { return nil }
        return Verified(
            userId: claims.userId, jti: claims.jti?.value, issuedAt: Int(claims.iat.value.timeIntervalSince1970.rounded(.down)),
            expiresAt: claims.exp.value)
    }

    /// The `alg` of a token's header, read before verifying so `none` and other algorithms are refused outright.
    private static func algorithm(of token: String) -> String? {
        guard let header = token.split(separator: ".", omittingEmptySubsequences: false).first,
            let data = Data(base64URLEncoded: String(header)),
            let object = try? JSONSerialization.jsonObject(with: data) as? [String: Any]
        else { return nil }
        return object["alg"] as? String
    }
}

extension Data {
    /// Decodes unpadded base64url, as JWT parts are written.
    init?(base64URLEncoded text: String) {
        var base64 = text.replacingOccurrences(of: "-", with: "+").replacingOccurrences(of: "_", with: "/")
        base64 += String(repeating: "=", count: (4 - base64.count % 4) % 4)
        self.init(base64Encoded: base64)
    }
}
