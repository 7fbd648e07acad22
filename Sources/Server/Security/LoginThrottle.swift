import Crypto

/// Failed logins, counted per email and client address together, and per email from every address: after
/// `slowAfter` failures of a pair each further attempt is answered more slowly; after `lockAfter` failures the
/// pair is refused (429) until `lockout` has passed, and after `globalLockAfter` failures from all addresses the
/// email is refused from everywhere. A stranger elsewhere therefore cannot lock a victim out by guessing, while a
/// guesser spread over many addresses still meets a ceiling. An attempt is counted before its password is
/// checked, so concurrent guesses cannot pass the limit; a successful login clears the counts.
///
/// Entries are keyed by a SHA-256 of the normalised email (and address), so their size is fixed whatever the
/// client sends, and the table holds at most `maxEntries`: past it, expired entries are dropped, then the oldest.
actor LoginThrottle {
    let slowAfter: Int
    let lockAfter: Int
    let globalLockAfter: Int
    let lockout: Duration
    let maxEntries: Int
    private var failures: [SHA256Digest: (count: Int, last: ContinuousClock.Instant)] = [:]
    private let clock = ContinuousClock()

    init(slowAfter: Int = 3, lockAfter: Int, globalLockAfter: Int? = nil, lockout: Duration, maxEntries: Int = 100_000) {
        self.slowAfter = slowAfter
        self.lockAfter = lockAfter
        self.globalLockAfter = globalLockAfter ?? lockAfter * 10
        self.lockout = lockout
        self.maxEntries = max(2, maxEntries)
    }

    /// What a login attempt may do.
    enum Attempt: Equatable {
        /// Go ahead; on failure, hold the answer back this long.
        case allowed(delayOnFailure: Duration)
        /// Refused: retry after this many seconds.
        case locked(retryAfterSeconds: Int)
    }

    /// Counts an attempt of `email` from `address` before its password is checked, or refuses it.
    func reserve(email: String, address: String) -> Attempt {
        let pair = Self.key(email, address)
        let alone = Self.key(email, nil)
        let now = clock.now
        for (key, limit) in [(pair, lockAfter), (alone, globalLockAfter)] {
            guard let record = current(key, now: now), record.count >= limit else { continue }
            return .locked(retryAfterSeconds: max(1, Int((lockout - (now - record.last)).seconds.rounded(.up))))
        }
        let count = (current(pair, now: now)?.count ?? 0) + 1
        failures[pair] = (count, now)
        failures[alone] = ((current(alone, now: now)?.count ?? 0) + 1, now)
        if failures.count > maxEntries { shrink(now: now) }
        return .allowed(delayOnFailure: count > slowAfter ? .milliseconds(min(2_000, 250 * (count - slowAfter))) : .zero)
    }

    /// Takes back an attempt `reserve` counted whose password was never checked.
    func release(email: String, address: String) {
        for key in [Self.key(email, address), Self.key(email, nil)] {
            guard let record = failures[key] else { continue }
            failures[key] = record.count > 1 ? (record.count - 1, record.last) : nil
        }
    }

    /// The attempt succeeded: the email's counts are cleared.
    func recordSuccess(email: String, address: String) {
        failures[Self.key(email, address)] = nil
        failures[Self.key(email, nil)] = nil
    }

    /// Entries held now, for tests of the cap.
    var entryCount: Int { failures.count }

    /// The record of `key` if it is still within its lockout.
    private func current(_ key: SHA256Digest, now: ContinuousClock.Instant) -> (count: Int, last: ContinuousClock.Instant)? {
        guard let record = failures[key] else { return nil }
        guard now - record.last < lockout else {
            failures[key] = nil
            return nil
        }
        return record
    }

    /// Drops expired entries, then the oldest, down to nine tenths of the cap.
    private func shrink(now: ContinuousClock.Instant) {
        failures = failures.filter { now - $0.value.last < lockout }
        let target = maxEntries * 9 / 10
        guard failures.count > target else { return }
        let newest = failures.sorted { $0.value.last > $1.value.last }.prefix(target)
        failures = Dictionary(uniqueKeysWithValues: newest.map { ($0.key, $0.value) })
    }

    private static func key(_ email: String, _ address: String?) -> SHA256Digest {
        var text = email.lowercased()
        if let address { text += "\u{0}" + address }
        return SHA256.hash(data: Array(text.utf8))
    }
}
