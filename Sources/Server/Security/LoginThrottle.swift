/// Failed logins per email: after `slowAfter` failures each further attempt is answered more slowly, and after
/// `lockAfter` failures the email is refused (429) until `lockout` has passed, so passwords cannot be guessed
/// online. A successful login clears the count.
actor LoginThrottle {
    let slowAfter: Int
    let lockAfter: Int
    let lockout: Duration
    private var failures: [String: (count: Int, last: ContinuousClock.Instant)] = [:]
    private let clock = ContinuousClock()

    init(slowAfter: Int = 3, lockAfter: Int, lockout: Duration) {
        self.slowAfter = slowAfter
        self.lockAfter = lockAfter
        self.lockout = lockout
    }

    /// Seconds the email must wait before trying again, or nil when it may try now.
    func retryAfter(email: String) -> Int? {
        guard let record = failures[email] else { return nil }
        let elapsed = clock.now - record.last
        if elapsed >= lockout {
            failures[email] = nil
            return nil
        }
        return record.count >= lockAfter ? max(1, Int((lockout - elapsed).seconds.rounded(.up))) : nil
    }

    /// Records a failure and returns how long to hold the answer back (growing with each failure past `slowAfter`).
    func recordFailure(email: String) -> Duration {
        let count = (failures[email]?.count ?? 0) + 1
        failures[email] = (count, clock.now)
        if failures.count > 100_000 { failures = failures.filter { clock.now - $0.value.last < lockout } }
        return count > slowAfter ? .milliseconds(min(2_000, 250 * (count - slowAfter))) : .zero
    }

    func recordSuccess(email: String) {
        failures[email] = nil
    }
}
