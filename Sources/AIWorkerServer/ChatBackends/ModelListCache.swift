import Synchronization

/// A backend's model list, fetched at most once per `lifetime`: `GET /v1/models` is called by SDKs on start-up
/// and by UIs on every page, and the list rarely changes. A failed fetch is given again for `retryAfterFailure`
/// before the backend is asked again, so a broken upstream is not asked on every call.
final class ModelListCache: Sendable {
    static let lifetime: Duration = .seconds(60)
    static let retryAfterFailure: Duration = .seconds(10)

    private enum State {
        case listed([String], at: ContinuousClock.Instant)
        case failed(any Error, at: ContinuousClock.Instant)
    }

    private let stored = Mutex<State?>(nil)

    /// The cached list while it is fresh, or the last failure while it is recent; otherwise `fetch`'s answer, kept.
    func models(fetch: () async throws -> [String]) async throws -> [String] {
        switch stored.withLock({ $0 }) {
        case .listed(let models, let at) where ContinuousClock.now - at < Self.lifetime: return models
        case .failed(let error, let at) where ContinuousClock.now - at < Self.retryAfterFailure: throw error
        default: break
        }
        do {
            let models = try await fetch()
            stored.withLock { $0 = .listed(models, at: .now) }
            return models
        } catch {
            stored.withLock { $0 = .failed(error, at: .now) }
            throw error
        }
    }
}
