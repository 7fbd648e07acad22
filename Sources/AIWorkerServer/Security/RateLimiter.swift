import Foundation

/// Token buckets by key, kept in a `LimitStore`: each key may spend `capacity` requests at once and gets them
/// back at `capacity` per `period`. A bucket is a record of its tokens; it expires when it would be full again.
struct RateLimiter: Sendable {
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

    let store: any LimitStore

    /// Takes one token from every bucket of `keys` if each has one, and none otherwise (a request refused by one
    /// bucket costs the others nothing); the decision of the tightest bucket.
    func take(_ keys: [String], policy: Policy) async throws -> Decision {
        try await store.update(keys.map { "rate:" + $0 }) { records, now in
            var tokens = records.map { Self.tokens($0, policy: policy, now: now) }
            let allowed = tokens.allSatisfy { $0 >= 1 }
            if allowed { tokens = tokens.map { $0 - 1 } }
            records = tokens.map { Self.record(tokens: $0, policy: policy, now: now) }
            return Self.decision(tokens, allowed: allowed, policy: policy)
        }
    }

    /// What `take` would decide for `key`, without taking anything.
    func peek(_ key: String, policy: Policy) async throws -> Decision {
        try await store.update(["rate:" + key]) { records, now in
            let tokens = Self.tokens(records[0], policy: policy, now: now)
            return Self.decision([tokens], allowed: tokens >= 1, policy: policy)
        }
    }

    /// The tokens of a bucket refilled up to `now`; a bucket never seen (or expired) is full.
    private static func tokens(_ record: LimitRecord?, policy: Policy, now: Double) -> Double {
        guard let record else { return Double(policy.capacity) }
        return min(Double(policy.capacity), record.value + max(0, now - record.updated) * policy.refillPerSecond)
    }

    private static func record(tokens: Double, policy: Policy, now: Double) -> LimitRecord {
        LimitRecord(value: tokens, updated: now, expires: now + (Double(policy.capacity) - tokens) / policy.refillPerSecond)
    }

    private static func decision(_ tokens: [Double], allowed: Bool, policy: Policy) -> Decision {
        let tightest = tokens.min() ?? Double(policy.capacity)
        let missing = Double(policy.capacity) - tightest
        return Decision(
            allowed: allowed, limit: policy.capacity, remaining: Int(tightest.rounded(.down)),
            resetSeconds: Int((missing / policy.refillPerSecond).rounded(.up)),
            retryAfterSeconds: allowed ? 0 : max(1, Int(((1 - tightest) / policy.refillPerSecond).rounded(.up))))
    }
}
