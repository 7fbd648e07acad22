/// A counter in the database that every revocation (of an API key, a session, all of a user's sessions)
/// advances in the transaction that revokes. Caches of accepted credentials remember the epoch they were filled
/// under and empty themselves when it moves, so a revocation made by any process on the database is seen on the
/// next request.
protocol CredentialEpoch: Sendable {
    /// The epoch now, or nil when it cannot be known (the instance would not hear of other instances'
    /// revocations): then no credential is taken from or put in a cache. Called on every authenticated request:
    /// it must be cheap.
    func current() throws -> Int64?
}
