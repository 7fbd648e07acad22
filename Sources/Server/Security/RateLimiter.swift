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
    /// Past this many keys, buckets that have refilled completely are forgotten.
    private let maxKeys: Int

    init(maxKeys: Int = 100_000) {
        self.maxKeys = maxKeys
    }

    /// Takes one token for `key` if there is one.
    func take(_ key: String, policy: Policy) -> Decision {
        let now = clock.now
        var bucket = buckets[key] ?? Bucket(tokens: Double(policy.capacity), updated: now)
        bucket.tokens = min(Double(policy.capacity), bucket.tokens + (now - bucket.updated).seconds * policy.refillPerSecond)
        bucket.updated = now
        let allowed = bucket.tokens >= 1
        if allowed { bucket.tokens -= 1 }
        buckets[key] = bucket
        if buckets.count > maxKeys { forgetFullBuckets(now: now, policy: policy) }
        let missing = Double(policy.capacity) - bucket.tokens
        return Decision(
            allowed: allowed, limit: policy.capacity, remaining: Int(bucket.tokens.rounded(.down)),
            resetSeconds: Int((missing / policy.refillPerSecond).rounded(.up)),
            retryAfterSeconds: allowed ? 0 : max(1, Int(((1 - bucket.tokens) / policy.refillPerSecond).rounded(.up))))
    }

    private func forgetFullBuckets(now: ContinuousClock.Instant, policy: Policy) {
        buckets = buckets.filter { _, bucket in
            bucket.tokens + (now - bucket.updated).seconds * policy.refillPerSecond < Double(policy.capacity)
        }
    }
}

extension Duration {
    var seconds: Double {
        Double(components.seconds) + Double(components.attoseconds) / 1e18
    }
}
