import Foundation
import Logging
import ServiceLifecycle
import Synchronization

/// When API keys were last used, kept in memory and written in batches, so that authenticating with a key is
/// never a database write. A service of the application: it writes what it holds every `interval` (so at most
/// once per interval per key), when it holds `capacity` keys, and once more on shutdown. Until written, the key
/// list of this process shows the recorded time all the same (`merge`); a process that is killed loses at most
/// one interval of `last_used_at`, which is advisory.
final class APIKeyUsageRecorder: Service, Sendable {
    private let repository: any APIKeyRepository
    private let interval: Duration
    private let capacity: Int
    private let logger: Logger
    /// Key id to Unix seconds of its latest use, not yet written.
    private let pending = Mutex<[String: Int]>([:])
    private let full: AsyncStream<Void>.Continuation
    private let fullSignals: AsyncStream<Void>

    init(repository: any APIKeyRepository, interval: Duration = .seconds(60), capacity: Int = 10_000, logger: Logger) {
        self.repository = repository
        self.interval = interval
        self.capacity = max(1, capacity)
        self.logger = logger
        (fullSignals, full) = AsyncStream.makeStream(bufferingPolicy: .bufferingNewest(1))
    }

    /// Notes that `keyId` was used now.
    func record(_ keyId: String, at seconds: Int = Int(Date().timeIntervalSince1970)) {
        let count = pending.withLock { pending in
            pending[keyId] = seconds
            return pending.count
        }
        if count >= capacity { full.yield() }
    }

    /// `keys` with the uses recorded here and not yet written.
    func merge(_ keys: [APIKey]) -> [APIKey] {
        let pending = pending.withLock { $0 }
        guard !pending.isEmpty else { return keys }
        return keys.map { key in
            guard let seconds = pending[key.id] else { return key }
            return key.lastUsed(at: Timestamp.string(from: Date(timeIntervalSince1970: TimeInterval(seconds))))
        }
    }

    /// Writes every recorded use; on failure they are kept for the next attempt (newer uses win).
    func flush() async {
        let batch = pending.withLock { pending in
            defer { pending = [:] }
            return pending
        }
        guard !batch.isEmpty else { return }
        do {
            try await repository.recordUse(batch.mapValues { Timestamp.string(from: Date(timeIntervalSince1970: TimeInterval($0))) })
        } catch {
            logger.warning("Cannot record API key use; will retry", metadata: ["keys": "\(batch.count)", "error": "\(error)"])
            pending.withLock { pending in pending.merge(batch) { newer, _ in newer } }
        }
    }

    func run() async throws {
        await withGracefulShutdownHandler {
            await withTaskGroup(of: Void.self) { group in
                group.addTask {
                    while (try? await Task.sleep(for: self.interval)) != nil { await self.flush() }
                }
                group.addTask {
                    for await _ in self.fullSignals { await self.flush() }
                }
                await group.next()
                group.cancelAll()
            }
        } onGracefulShutdown: {
            self.full.finish()
        }
        await flush()
    }
}

extension APIKey {
    func lastUsed(at timestamp: String) -> APIKey {
        APIKey(id: id, userId: userId, name: name, prefix: prefix, active: active, createdAt: createdAt, lastUsedAt: timestamp)
    }
}
