import Synchronization

/// A backend's model list, fetched at most once per `lifetime`: `GET /v1/models` is called by SDKs on start-up
/// and by UIs on every page, and the list rarely changes.
final class ModelListCache: Sendable {
    static let lifetime: Duration = .seconds(60)
    private let stored = Mutex<(models: [String], fetched: ContinuousClock.Instant)?>(nil)

    /// The cached list while it is fresh; otherwise `fetch`'s, kept. A failed fetch is not kept.
    func models(fetch: () async throws -> [String]) async throws -> [String] {
        if let stored = stored.withLock({ $0 }), ContinuousClock.now - stored.fetched < Self.lifetime { return stored.models }
        let models = try await fetch()
        stored.withLock { $0 = (models, .now) }
        return models
    }
}
