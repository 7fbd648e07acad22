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

    /// Checks `password` against `hash`, or against a decoy when there is no hash, in about the same time.
    func verify(_ password: String, hash: String?) async throws -> Bool {
        let decoy = decoyHash
        return try await NIOThreadPool.singleton.runIfActive {
            let matches = Bcrypt.verify(password, hash: hash ?? decoy)
            return matches && hash != nil
        }
    }
}
