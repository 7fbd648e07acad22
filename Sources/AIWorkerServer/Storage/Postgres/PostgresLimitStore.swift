import Foundation
import PostgresNIO
import Synchronization

/// `LimitStore` shared by every instance on one PostgreSQL database: an update takes a transaction-scoped
/// advisory lock per key (in sorted order, so two updates never wait on each other in a cycle), reads the
/// records, and writes back those that changed. Expired records are deleted every `sweepInterval` updates.
final class PostgresLimitStore: LimitStore {
    private let pool: PostgresPool
    private let updates = Atomic<Int>(0)
    static let sweepInterval = 4_096

    init(pool: PostgresPool) {
        self.pool = pool
    }

    func update<Result: Sendable>(
        _ keys: [String], _ body: @escaping @Sendable (inout [LimitRecord?], Double) -> Result
    ) async throws -> Result {
        let logger = pool.logger
        let sweep = updates.add(1, ordering: .relaxed).newValue % Self.sweepInterval == 0
        return try await pool.transaction { connection in
            for key in Set(keys).sorted() {
                try await connection.query("SELECT pg_advisory_xact_lock(hashtextextended(\(key), 0))", logger: logger)
            }
            let now = Date().timeIntervalSince1970
            var stored: [String: LimitRecord] = [:]
            for try await (key, value, updated, expires) in try await connection.query(
                "SELECT key, value, updated, expires FROM limit_records WHERE key = ANY(\(keys)) AND expires > \(now)", logger: logger
            ).decode((String, Double, Double, Double).self) {
                stored[key] = LimitRecord(value: value, updated: updated, expires: expires)
            }
            let before = keys.map { stored[$0] }
            var records = before
            let result = body(&records, now)
            for (key, (old, new)) in zip(keys, zip(before, records)) where old != new {
                if let new {
                    try await connection.query(
                        """
                        INSERT INTO limit_records (key, value, updated, expires) VALUES (\(key), \(new.value), \(new.updated), \(new.expires))
                        ON CONFLICT (key) DO UPDATE SET value = EXCLUDED.value, updated = EXCLUDED.updated, expires = EXCLUDED.expires
                        """, logger: logger)
                } else {
                    try await connection.query("DELETE FROM limit_records WHERE key = \(key)", logger: logger)
                }
            }
            if sweep { try await connection.query("DELETE FROM limit_records WHERE expires <= \(now)", logger: logger) }
            return result
        }
    }
}
