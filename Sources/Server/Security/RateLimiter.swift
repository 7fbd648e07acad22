import Foundation
import Synchronization

/// Token buckets by key, in this process's memory: each key may spend `capacity` requests at once and gets
/// them back at `capacity` per `period`.
final class RateLimiter: Sendable {
    struct Policy: Sendable {
        let capacity: Int
        let period: Duration

        var refillPerSecond: Double { Double(capacity) / max(period.seconds, 0.001) }
    }

    /// What a request may do, with what the `X-RateLimit-*` headers say.
    struct Decision: Sendable {
        let allowed: Bool
        let limit: Int
        let remaining: Int
        /// Seconds until the bucket is full again.
        let resetSeconds: Int
        /// Seconds until one request is allowed (0 when allowed now).
        let retryAfterSeconds: Int
    }

    private struct Bucket {
        var tokens: Double
        var updated: ContinuousClock.Instant
        /// The policy it was filled under, so a sweep can tell when it is full again.
        let capacity: Double
        let refillPerSecond: Double

        func isFull(at now: ContinuousClock.Instant) -> Bool {
            tokens + (now - updated).seconds * refillPerSecond >= capacity
        }
    }

    private struct State {
        var buckets: [String: Bucket] = [:]
        /// Takes since the last sweep.
        var takes = 0
    }

    /// Behind a lock rather than an actor: a decision is a few arithmetic operations, cheaper than a hop.
    private let state = Mutex(State())
    private let clock = ContinuousClock()
    /// The most buckets kept: past it, buckets that have refilled completely are forgotten (they hold nothing a
    /// new bucket would not), then the least recently used, so the table stays bounded whatever the keys.
    private let maxKeys: Int
    /// Every this many takes, buckets that have refilled completely are forgotten, so that the table also
    /// shrinks by age when it is far below its cap.
    static let sweepInterval = 4_096

    init(maxKeys: Int = 100_000) {
        self.maxKeys = max(2, maxKeys)
    }

    /// Takes one token from every bucket of `keys` if each has one, and none otherwise (a request refused by one
    /// bucket costs the others nothing); the decision of the tightest bucket.
    func take(_ keys: [String], policy: Policy) -> Decision {
        let now = clock.now
        return state.withLock { state in
            var refilled = keys.map { Self.refill(state.buckets[$0], policy: policy, now: now) }
            let allowed = refilled.allSatisfy { $0.tokens >= 1 }
            if allowed {
                for index in refilled.indices { refilled[index].tokens -= 1 }
            }
            for (key, bucket) in zip(keys, refilled) { state.buckets[key] = bucket }
            state.takes += 1
            if state.buckets.count > maxKeys || state.takes >= Self.sweepInterval {
                state.takes = 0
                Self.forgetFullBuckets(&state.buckets, now: now, keep: maxKeys)
            }
            return Self.decision(refilled, allowed: allowed, policy: policy, now: now)
        }
    }

    /// What `take` would decide for `key`, without taking anything.
    func peek(_ key: String, policy: Policy) -> Decision {
        let now = clock.now
        let bucket = state.withLock { Self.refill($0.buckets[key], policy: policy, now: now) }
        return Self.decision([bucket], allowed: bucket.tokens >= 1, policy: policy, now: now)
    }

    private static func refill(_ stored: Bucket?, policy: Policy, now: ContinuousClock.Instant) -> Bucket {
        var bucket = stored ?? Bucket(tokens: Double(policy.capacity), updated: now, capacity: Double(policy.capacity), refillPerSecond: policy.refillPerSecond)
        bucket.tokens = min(Double(policy.capacity), bucket.tokens + (now - bucket.updated).seconds * policy.refillPerSecond)
        bucket.updated = now
        return bucket
    }

    private static func decision(_ refilled: [Bucket], allowed: Bool, policy: Policy, now: ContinuousClock.Instant) -> Decision {
        let tightest = refilled.min { $0.tokens < $1.tokens }?.tokens ?? Double(policy.capacity)
        let missing = Double(policy.capacity) - tightest
        return Decision(
            allowed: allowed, limit: policy.capacity, remaining: Int(tightest.rounded(.down)),
            resetSeconds: Int((missing / policy.refillPerSecond).rounded(.up)),
            retryAfterSeconds: allowed ? 0 : max(1, Int(((1 - tightest) / policy.refillPerSecond).rounded(.up))))
    }

    /// Forgets full buckets; then, if still over nine tenths of `keep`, the least recently used.
    private static func forgetFullBuckets(_ buckets: inout [String: Bucket], now: ContinuousClock.Instant, keep: Int) {
        buckets = buckets.filter { !$0.value.isFull(at: now) }
        let target = keep * 9 / 10
        guard buckets.count > target else { return }
        let recent = buckets.sorted { $0.value.updated > $1.value.updated }.prefix(target)
        buckets = Dictionary(uniqueKeysWithValues: recent.map { ($0.key, $0.value) })
    }

    /// Buckets held now, for tests of the cap.
    var bucketCount: Int { state.withLock { $0.buckets.count } }
}

extension Duration {
    var seconds: Double {
        Double(components.seconds) + Double(components.attoseconds) / 1e18
    }
}
