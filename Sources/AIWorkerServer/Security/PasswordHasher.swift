import Crypto
import Foundation
import HummingbirdBcrypt

/// Password hashing and checking, run on NIO's thread pool (admitted by a `PasswordWorkGate`, so a login storm
/// takes a bounded share of it) so a slow hash never blocks an event loop.
///
/// Hashes are bcrypt over the base64 SHA-256 of the password, marked `bcrypt-sha256:`: bcrypt alone reads only
/// the first 72 bytes and stops at a NUL, so every character of a long password counts only this way. Plain
/// bcrypt hashes (made before) and the original's imported SHA-256 ones still verify, and are replaced on the
/// first successful login.
struct PasswordHasher: Sendable {
    static let marker = "bcrypt-sha256:"
    let cost: Int
    let gate: PasswordWorkGate

    /// A hash of a password nobody has, checked when an email is unknown so that a failed login
    /// takes as long whether or not the account exists.
    private let decoyHash: String

    init(cost: Int, gate: PasswordWorkGate) {
        self.cost = cost
        self.gate = gate
        decoyHash = Self.marker + Bcrypt.hash(RandomID.make(length: 32), cost: UInt8(cost))
    }

    func hash(_ password: String) async throws -> String {
        let cost = UInt8(self.cost)
        return try await gate.run { Self.marker + Bcrypt.hash(Self.prehash(password), cost: cost) }
    }

    /// The cost of a bcrypt hash (`$2b$12$…` is 12), or nil when it is not one.
    static func cost(of bcrypt: String) -> Int? {
        let parts = bcrypt.split(separator: "$")
        return parts.count >= 3 ? Int(parts[1]) : nil
    }

    /// What bcrypt is given: 44 characters whatever the password's length or content.
    static func prehash(_ password: String) -> String {
        Data(SHA256.hash(data: Data(password.utf8))).base64EncodedString()
    }

    /// The outcome of checking a password.
    enum Verification: Equatable {
        case mismatch
        case match
        /// It matched a hash of an older kind (plain bcrypt, the original worker's imported SHA-256, or another
        /// bcrypt cost than the configured one), which must now be replaced by a current one.
        case matchNeedsUpgrade
    }

    /// Checks `password` against a stored hash (bcrypt, or an imported legacy one), or against a decoy when
    /// there is none, so every failed login costs one bcrypt check whether or not the account exists.
    func verify(_ password: String, hash: String?) async throws -> Verification {
        let decoy = decoyHash
        let cost = self.cost
        return try await gate.run {
            let prehashed = Self.prehash(password)
            switch hash {
            case let hash? where hash.hasPrefix(Self.marker):
                let bcrypt = String(hash.dropFirst(Self.marker.count))
                guard Bcrypt.verify(prehashed, hash: bcrypt) else { return .mismatch }
                // A hash of another cost answers at another speed than the decoy: rehashed at the current cost.
                return Self.cost(of: bcrypt) == cost ? .match : .matchNeedsUpgrade
            case let hash? where LegacyPassword.isLegacy(hash):
                _ = Bcrypt.verify(prehashed, hash: String(decoy.dropFirst(Self.marker.count)))
                return LegacyPassword.verify(password, storedHash: hash) ? .matchNeedsUpgrade : .mismatch
            case let hash?:
                // Plain bcrypt would accept anything sharing the first 72 bytes, or the part before a NUL.
                let readable = password.utf8.count <= 72 && !password.unicodeScalars.contains("\u{0}")
                return Bcrypt.verify(password, hash: hash) && readable ? .matchNeedsUpgrade : .mismatch
            case nil:
                _ = Bcrypt.verify(prehashed, hash: String(decoy.dropFirst(Self.marker.count)))
                return .mismatch
            }
        }
    }
}
