import Crypto
import Foundation

/// Failed logins, counted per email and client address together, and per email from every address: after
/// `slowAfter` failures of a pair each further attempt is answered more slowly; after `lockAfter` failures the
/// pair is refused (429) until `lockout` has passed since its last failure, and after `globalLockAfter` failures
/// from all addresses the email is refused from everywhere. A stranger elsewhere therefore cannot lock a victim
/// out by guessing, while a guesser spread over many addresses still meets a ceiling. An attempt is counted
/// before its password is checked, so concurrent guesses cannot pass the limit; a successful login clears the
/// counts.
///
/// The counts are records of a `LimitStore` (shared by every instance on PostgreSQL), keyed by a SHA-256 of the
/// normalised email (and address), so their size is fixed whatever the client sends.
struct LoginThrottle: Sendable {
    let slowAfter: Int
    let lockAfter: Int
    let globalLockAfter: Int
    let lockout: Duration
    let store: any LimitStore

    init(slowAfter: Int = 3, lockAfter: Int, globalLockAfter: Int? = nil, lockout: Duration, store: any LimitStore) {
        self.slowAfter = slowAfter
        self.lockAfter = lockAfter
        self.globalLockAfter = globalLockAfter ?? lockAfter * 10
        self.lockout = lockout
        self.store = store
    }

    /// What a login attempt may do.
    enum Attempt: Equatable, Sendable {
        /// Go ahead; on failure, hold the answer back this long.
        case allowed(delayOnFailure: Duration)
        /// Refused: retry after this many seconds.
        case locked(retryAfterSeconds: Int)
    }

    /// Counts an attempt of `email` from `address` before its password is checked, or refuses it.
    func reserve(email: String, address: String) async throws -> Attempt {
        let (slowAfter, limits, lockout) = (slowAfter, [lockAfter, globalLockAfter], lockout.seconds)
        return try await store.update(Self.keys(email, address)) { records, now in
            for (record, limit) in zip(records, limits) {
                guard let record, record.value >= Double(limit) else { continue }
                return .locked(retryAfterSeconds: max(1, Int((record.expires - now).rounded(.up))))
            }
            records = records.map { LimitRecord(value: ($0?.value ?? 0) + 1, updated: now, expires: now + lockout) }
            let count = Int(records[0]!.value)
            return .allowed(delayOnFailure: count > slowAfter ? .milliseconds(min(2_000, 250 * (count - slowAfter))) : .zero)
        }
    }

    /// Takes back an attempt `reserve` counted whose password was never checked.
    func release(email: String, address: String) async throws {
        try await store.update(Self.keys(email, address)) { records, _ in
            records = records.map { record in
                guard var record, record.value > 1 else { return nil }
                record.value -= 1
                return record
            }
        }
    }

    /// The attempt succeeded: the email's counts are cleared.
    func recordSuccess(email: String, address: String) async throws {
        try await store.update(Self.keys(email, address)) { records, _ in records = [nil, nil] }
    }

    /// The pair's key, then the email's alone.
    private static func keys(_ email: String, _ address: String) -> [String] {
        let email = email.lowercased()
        return ["login:" + SHA256.hex(email + "\u{0}" + address), "login:" + SHA256.hex(email)]
    }
}
