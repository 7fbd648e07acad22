import Foundation

/// Token buckets by key, in this process's memory: each key may spend `capacity` requests at once and gets
/// them back at `capacity` per `period`.
actor RateLimiter {
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
    }

    private var buckets: [String: Bucket] = [:]
    private let clock = ContinuousClock()
    /// The most buckets kept: past it, buckets that have refilled completely are forgotten (they hold nothing a
    /// new bucket would not), then the least recently used, so the table stays bounded whatever the keys.
    private let maxKeys: Int

    init(maxKeys: Int = 100_000) {
        self.maxKeys = max(2, maxKeys)
    }

    /// Takes one token from every bucket of `keys` if each has one, and none otherwise (a request refused by one
    /// bucket costs the others nothing); the decision of the tightest bucket.
    func take(_ keys: [String], policy: Policy) -> Decision {
        let now = clock.now
        var refilled = keys.map { refill($0, policy: policy, now: now) }
        let allowed = refilled.allSatisfy { $0.tokens >= 1 }
        if allowed {
            for index in refilled.indices { refilled[index].tokens -= 1 }
        }
        for (key, bucket) in zip(keys, refilled) { buckets[key] = bucket }
        if buckets.count > maxKeys { forgetFullBuckets(now: now, policy: policy) }
        return decision(refilled, allowed: allowed, policy: policy, now: now)
    }

    /// What `take` would decide for `key`, without taking anything.
    func peek(_ key: String, policy: Policy) -> Decision {
        let now = clock.now
        let bucket = refill(key, policy: policy, now: now)
        return decision([bucket], allowed: bucket.tokens >= 1, policy: policy, now: now)
    }

    private func refill(_ key: String, policy: Policy, now: ContinuousClock.Instant) -> Bucket {
        var bucket = buckets[key] ?? Bucket(tokens: Double(policy.capacity), updated: now)
        bucket.tokens = min(Double(policy.capacity), bucket.tokens + (now - bucket.updated).seconds * policy.refillPerSecond)
        bucket.updated = now
        return bucket
    }

    private func decision(_ refilled: [Bucket], allowed: Bool, policy: Policy, now: ContinuousClock.Instant) -> Decision {
        let tightest = refilled.min { $0.tokens < $1.tokens } ?? Bucket(tokens: Double(policy.capacity), updated: now)
        let missing = Double(policy.capacity) - tightest.tokens
        return Decision(
            allowed: allowed, limit: policy.capacity, remaining: Int(tightest.tokens.rounded(.down)),
            resetSeconds: Int((missing / policy.refillPerSecond).rounded(.up)),
            retryAfterSeconds: allowed ? 0 : max(1, Int(((1 - tightest.tokens) / policy.refillPerSecond).rounded(.up))))
    }

    private func forgetFullBuckets(now: ContinuousClock.Instant, policy: Policy) {
        buckets = buckets.filter { _, bucket in
            bucket.tokens + (now - bucket.updated).seconds * policy.refillPerSecond < Double(policy.capacity)
        }
        let target = maxKeys * 9 / 10
        guard buckets.count > target else { return }
        let recent = buckets.sorted { $0.value.updated > $1.value.updated }.prefix(target)
        buckets = Dictionary(uniqueKeysWithValues: recent.map { ($0.key, $0.value) })
    }

    /// Buckets held now, for tests of the cap.
    var bucketCount: Int { buckets.count }
}

extension Duration {
    var seconds: Double {
        Double(components.seconds) + Double(components.attoseconds) / 1e18
    }
}
