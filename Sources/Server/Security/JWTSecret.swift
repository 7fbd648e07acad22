import Foundation
import Logging

/// Chooses the HS256 secret: the configured one, or one generated once and kept beside the database.
enum JWTSecret {
    /// The original worker's hard-coded secret: anyone can forge tokens signed with it.
    static let originalHardCoded = "your-secret-key"
    static let minimumBytes = 32
    static let fileName = "jwt-secret"

    static let advice = "Make one with: openssl rand -base64 48"

    /// The secret to sign with. A configured secret must be at least 32 bytes and not the original's;
    /// without one, 32 random bytes are generated on first start and stored (mode 0600) in `folder`,
    /// or kept in memory only when there is no folder (`:memory:` databases).
    static func resolve(configured: String?, folder: URL?, logger: Logger) throws -> String {
        if let configured {
            try validate(configured, source: "JWT_SECRET")
            return configured
        }
        guard let folder else {
            logger.warning("JWT_SECRET is not set and the database is in memory: tokens will not survive a restart.")
            return generate()
        }
        let file = folder.appendingPathComponent(fileName)
        if let stored = try? String(contentsOf: file, encoding: .utf8) {
            let secret = stored.trimmingCharacters(in: .whitespacesAndNewlines)
            try validate(secret, source: file.path)
            return secret
        }
        let secret = generate()
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        guard FileManager.default.createFile(atPath: file.path, contents: Data(secret.utf8), attributes: [.posixPermissions: 0o600]) else {
            throw JWTSecretError(message: "Cannot write the generated JWT secret to \(file.path). Set JWT_SECRET instead. \(advice)")
        }
        logger.notice("Generated a JWT secret and stored it", metadata: ["file": "\(file.path)"])
        return secret
    }

    static func validate(_ secret: String, source: String) throws {
        if secret == originalHardCoded {
            throw JWTSecretError(message: "\(source) is the original worker's public 'your-secret-key': anyone could forge tokens. \(advice)")
        }
        if secret.utf8.count < minimumBytes {
            throw JWTSecretError(message: "\(source) is \(secret.utf8.count) bytes; it must be at least \(minimumBytes). \(advice)")
        }
    }

    /// 32 random bytes, base64-encoded (44 characters).
    private static func generate() -> String {
        Data(RandomID.bytes(32)).base64EncodedString()
    }
}

/// A JWT secret that must not be used.
struct JWTSecretError: StartupError {
    let message: String
    var description: String { message }
}
