import Crypto
import Foundation
import Synchronization

/// The principals of recently accepted credentials, so that a token or key used again costs a hash and a lookup
/// here instead of a JWT verification and a database read.
///
/// Entries are keyed by the SHA-256 of the credential (the credential itself is not kept), end with their
/// token's `exp` or after `ttl` (`CREDENTIAL_CACHE_TTL`), whichever comes first, and belong to the `CredentialEpoch` they were filled under: when a lookup brings a newer epoch
/// (some process revoked something), the whole cache is emptied, so a revoked credential is refused on the very
/// next request. The `ttl` bounds the staleness of what no epoch announces: a user or key removed directly in the
/// database stops working within it. Bounded: at most `capacity` entries, in two generations (a full young generation becomes the old
/// one, and the old one is dropped), so recently used credentials stay.
final class CredentialCache: Sendable {
    /// What a hit gives back.
    struct Entry: Sendable {
        let principal: Principal
        /// When a session token stops counting; nil for API keys (only revocation ends them). Cached, the entry
        /// ends at the earlier of this and the cache's `ttl`.
        let expiresAt: Date?
    }

    private struct State {
        var epoch: Int64?
        var young: [SHA256Digest: Entry] = [:]
        var old: [SHA256Digest: Entry] = [:]
    }

    private let state = Mutex(State())
    /// The most entries kept, and the longest one is trusted.
    let capacity: Int
    let ttl: Duration

    init(capacity: Int, ttl: Duration) {
        self.capacity = max(2, capacity)
        self.ttl = ttl
    }

    /// The key `credential` is cached under: the SHA-256 of its UTF-8, read in place rather than copied into an array.
    static func key(_ credential: String) -> SHA256Digest {
        var credential = credential
        return credential.withUTF8 { SHA256.hash(data: UnsafeRawBufferPointer($0)) }
    }

    /// The cached principal of `key` under `epoch`, if it has not expired by `now`.
    func lookup(_ key: SHA256Digest, epoch: Int64, now: Date = .now) -> Principal? {
        state.withLock { state in
            if state.epoch != epoch {
                state = State(epoch: epoch)
                return nil
            }
            let entry: Entry
            if let young = state.young[key] {
                entry = young
            } else if let old = state.old.removeValue(forKey: key) {
                entry = old
                insert(key, entry, into: &state)
            } else {
                return nil
            }
            if let expiresAt = entry.expiresAt, expiresAt <= now {
                state.young[key] = nil
                return nil
            }
            return entry.principal
        }
    }

    /// Caches an accepted credential until its own end or `ttl` from `now`, unless the epoch has moved on since it
    /// was checked.
    func insert(_ key: SHA256Digest, _ entry: Entry, epoch: Int64, now: Date = .now) {
        let staleAt = now.addingTimeInterval(ttl.seconds)
        let bounded = Entry(principal: entry.principal, expiresAt: min(entry.expiresAt ?? staleAt, staleAt))
        state.withLock { state in
            guard state.epoch == epoch else { return }
            insert(key, bounded, into: &state)
        }
    }

    /// Entries held now (young and old generations together).
    var count: Int {
        state.withLock { $0.young.count + $0.old.count }
    }

    private func insert(_ key: SHA256Digest, _ entry: Entry, into state: inout State) {
        if state.young.count >= capacity / 2 {
            state.old = state.young
            state.young = [:]
        }
        state.young[key] = entry
    }
}
