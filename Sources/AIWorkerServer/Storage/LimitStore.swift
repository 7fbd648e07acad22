import Foundation

/// One counter of a limit (a token bucket's tokens, a count of failed logins) and when it was last changed, in
/// Unix seconds. Past `expires` it holds nothing a new record would not, and is forgotten.
struct LimitRecord: Sendable, Equatable {
    var value: Double
    var updated: Double
    var expires: Double
}

/// Where the rate limiter and the login throttle keep their counters. `update` is their one operation: an atomic
/// read-modify-write of a few records, so that concurrent requests cannot both spend the last token, whether they
/// reach one process (`MemoryLimitStore`) or several instances on one database (`PostgresLimitStore`).
protocol LimitStore: Sendable {
    /// Reads the records of `keys` (nil where there is none or it has expired), lets `body` change them (nil
    /// deletes), and writes them back, with no other update of these keys in between. `now` is the Unix time
    /// `body` decides at.
    func update<Result: Sendable>(
        _ keys: [String], _ body: @escaping @Sendable (_ records: inout [LimitRecord?], _ now: Double) -> Result
    ) async throws -> Result
}
