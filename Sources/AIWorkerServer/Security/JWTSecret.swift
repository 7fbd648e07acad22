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
    /// without one, 32 random bytes are generated on first start and stored (created exclusively, mode 0600) in
    /// `folder`, or kept in memory only when there is no folder (`:memory:` databases). Only a missing file is
    /// created: one that cannot be read stops start-up.
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
        if let stored = try read(file) {
            try validate(stored, source: file.path)
            return stored
        }
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        let secret = generate()
        // Created exclusively: if another process made one meanwhile, that one is used.
        let descriptor = open(file.path, O_WRONLY | O_CREAT | O_EXCL, 0o600)
        guard descriptor >= 0 else {
            if errno == EEXIST, let stored = try read(file) {
                try validate(stored, source: file.path)
                return stored
            }
            throw JWTSecretError(message: "Cannot write the generated JWT secret to \(file.path): \(String(cString: strerror(errno))). Set JWT_SECRET instead. \(advice)")
        }
        let bytes = Array(secret.utf8)
        let written = bytes.withUnsafeBytes { write(descriptor, $0.baseAddress, $0.count) }
        close(descriptor)
        guard written == bytes.count else {
            throw JWTSecretError(message: "Cannot write the generated JWT secret to \(file.path). Set JWT_SECRET instead. \(advice)")
        }
        logger.notice("Generated a JWT secret and stored it", metadata: ["file": "\(file.path)"])
        return secret
    }

    /// The stored secret, or nil when there is no file. A file that cannot be read, or is not text, stops start-up:
    /// replacing it would silently log everyone out.
    private static func read(_ file: URL) throws -> String? {
        guard FileManager.default.fileExists(atPath: file.path) else { return nil }
        let data: Data
        do {
            data = try Data(contentsOf: file)
        } catch {
            throw JWTSecretError(message: "Cannot read the JWT secret in \(file.path) (\(error.localizedDescription)). Fix the file or its permissions, or set JWT_SECRET; it is not replaced, since a new secret would end every session.")
        }
        guard let text = String(data: data, encoding: .utf8) else {
            throw JWTSecretError(message: "The JWT secret in \(file.path) is not text. Restore it, or delete it to generate a new one (every session ends), or set JWT_SECRET.")
        }
        return text.trimmingCharacters(in: .whitespacesAndNewlines)
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
