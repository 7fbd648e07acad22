import Foundation
import Synchronization

/// `LimitStore` in this process's memory, behind a lock (a decision is a few arithmetic operations, cheaper than
/// an actor hop). Bounded: past `maxKeys` records, the expired ones are forgotten, then the least recently
/// updated; every `sweepInterval` updates the expired ones are forgotten too, so the table also shrinks by age.
final class MemoryLimitStore: LimitStore {
    private struct State {
        var records: [String: LimitRecord] = [:]
        var updates = 0
    }

    private let state = Mutex(State())
    private let maxKeys: Int
    static let sweepInterval = 4_096

    init(maxKeys: Int = 100_000) {
        self.maxKeys = max(2, maxKeys)
    }

    func update<Result: Sendable>(
        _ keys: [String], _ body: @escaping @Sendable (inout [LimitRecord?], Double) -> Result
    ) async throws -> Result {
        let now = Date().timeIntervalSince1970
        return state.withLock { state in
            var records = keys.map { key in state.records[key].flatMap { $0.expires > now ? $0 : nil } }
            let result = body(&records, now)
            for (key, record) in zip(keys, records) { state.records[key] = record }
            state.updates += 1
            if state.records.count > maxKeys || state.updates >= Self.sweepInterval {
                state.updates = 0
                Self.forgetExpired(&state.records, now: now, keep: maxKeys)
            }
            return result
        }
    }

    /// Forgets expired records; then, if still over nine tenths of `keep`, the least recently updated.
    private static func forgetExpired(_ records: inout [String: LimitRecord], now: Double, keep: Int) {
        records = records.filter { $0.value.expires > now }
        let target = keep * 9 / 10
        guard records.count > target else { return }
        let recent = records.sorted { $0.value.updated > $1.value.updated }.prefix(target)
        records = Dictionary(uniqueKeysWithValues: recent.map { ($0.key, $0.value) })
    }

    /// Records held now, for tests of the cap.
    var count: Int { state.withLock { $0.records.count } }
}
