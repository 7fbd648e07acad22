import HummingbirdBcrypt
import NIOPosix

/// bcrypt hashing and checking, run on NIO's thread pool so a slow hash never blocks an event loop.
struct PasswordHasher: Sendable {
    let cost: Int

    /// A hash of a password nobody has, checked when an email is unknown so that a failed login
    /// takes as long whether or not the account exists.
    private let decoyHash: String

    init(cost: Int) {
        self.cost = cost
        decoyHash = Bcrypt.hash(RandomID.make(length: 32), cost: UInt8(cost))
    }

    func hash(_ password: String) async throws -> String {
        let cost = UInt8(self.cost)
        return try await NIOThreadPool.singleton.runIfActive { Bcrypt.hash(password, cost: cost) }
    }

    /// The outcome of checking a password.
    enum Verification: Equatable {
        case mismatch
        case match
        /// It matched an imported hash of the original worker's, which must now be replaced by bcrypt.
        case matchNeedsUpgrade
    }

    /// Checks `password` against a stored hash (bcrypt, or an imported legacy one), or against a decoy when
    /// there is none, so every failed login costs one bcrypt check whether or not the account exists.
    func verify(_ password: String, hash: String?) async throws -> Verification {
        let decoy = decoyHash
        return try await NIOThreadPool.singleton.runIfActive {
            if let hash, LegacyPassword.isLegacy(hash) {
                _ = Bcrypt.verify(password, hash: decoy)
                return LegacyPassword.verify(password, storedHash: hash) ? .matchNeedsUpgrade : .mismatch
            }
            let matches = Bcrypt.verify(password, hash: hash ?? decoy)
            return matches && hash != nil ? .match : .mismatch
        }
    }
}
