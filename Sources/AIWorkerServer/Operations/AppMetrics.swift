import Metrics
import Prometheus
import Synchronization

/// The server's metrics through swift-metrics, kept in a Prometheus registry of this application's own
/// (not the process-wide `MetricsSystem`), so every application and every test counts separately. A class: the
/// middleware and services that hold it share one, and passing it on is a retain, not a copy of the factory's
/// settings (a copy of it a request showed in a profile).
final class AppMetrics: Sendable {
    let registry: PrometheusCollectorRegistry
    private let factory: PrometheusMetricsFactory
    private let handles = MetricHandles()
    /// Requests and streams being answered now (for the shutdown log).
    let inFlight = InFlight()

    init() {
        registry = PrometheusCollectorRegistry()
        var factory = PrometheusMetricsFactory(registry: registry)
        factory.defaultDurationHistogramBuckets = [
            .milliseconds(1), .milliseconds(5), .milliseconds(10), .milliseconds(25), .milliseconds(50), .milliseconds(100),
            .milliseconds(250), .milliseconds(500), .seconds(1), .seconds(2.5), .seconds(5), .seconds(10), .seconds(30),
        ]
        self.factory = factory
    }

    /// One answered request, by route template (never the raw path, to keep label sets bounded).
    func requestFinished(route: String, method: String, status: Int, duration: Duration) {
        let (counter, timer) = handles.pair(for: .request(route: route, method: method, status: status)) {
            (Counter(label: "http_requests_total", dimensions: [("route", route), ("method", method), ("status", String(status))], factory: factory),
             Timer(label: "http_request_duration_seconds", dimensions: [("route", route), ("method", method)], factory: factory))
        }
        counter.increment()
        timer.recordNanoseconds(duration.nanoseconds)
    }

    /// One call of the model backend.
    func chatBackendCall(backend: String, duration: Duration, failed: Bool) {
        let (errors, timer) = handles.pair(for: .backend(backend)) {
            (Counter(label: "chat_backend_errors_total", dimensions: [("backend", backend)], factory: factory),
             Timer(label: "chat_backend_duration_seconds", dimensions: [("backend", backend)], factory: factory))
        }
        timer.recordNanoseconds(duration.nanoseconds)
        if failed { errors.increment() }
    }

    func loginFailed() {
        Counter(label: "logins_failed_total", factory: factory).increment()
    }

    /// A request refused by the rate limit of `scope` (`auth`, `chat`, `login`).
    func rateLimited(scope: String) {
        Counter(label: "rate_limit_rejections_total", dimensions: [("scope", scope)], factory: factory).increment()
    }

    /// The database's notification channel was lost (`PostgresCredentialEpoch`): until it is back, credentials
    /// are checked against the database on every request.
    func notificationChannelLost() {
        Counter(label: "credential_notifications_lost_total", factory: factory).increment()
    }

    /// Whether the notification channel is up now (1) or down (0).
    var notificationChannelUp: Metrics.Gauge {
        Metrics.Gauge(label: "credential_notifications_up", factory: factory)
    }

    /// Whether `/v1/models` lists a fallback (1) because the backend's own list cannot be read, or the backend's (0).
    func modelListStale(backend: String) -> Metrics.Gauge {
        Metrics.Gauge(label: "chat_model_list_stale", dimensions: [("backend", backend)], factory: factory)
    }

    /// Streams open now.
    var activeStreams: Meter {
        Meter(label: "chat_active_streams", factory: factory)
    }

    /// A stream ended because its client went away (seen on the inbound side, even while the model was silent).
    func streamAbandoned() {
        Counter(label: "chat_streams_abandoned_total", factory: factory).increment()
    }

    /// A stream refused by a cap: `user` (`CHAT_MAX_CONCURRENT_STREAMS_PER_PRINCIPAL`) or `server`.
    func streamRefused(cap: String) {
        Counter(label: "chat_streams_refused_total", dimensions: [("cap", cap)], factory: factory).increment()
    }

    /// Connections to `backend` in use now, of `UPSTREAM_MAX_CONNECTIONS`.
    func upstreamConnectionsInUse(backend: String) -> Metrics.Gauge {
        Metrics.Gauge(label: "upstream_connections_in_use", dimensions: [("backend", backend)], factory: factory)
    }

    /// How long a request to `backend` waited for a connection; `busy` when it waited past `UPSTREAM_POOL_TIMEOUT`
    /// (or found the queue full) and got 503 `upstream_busy`.
    func upstreamConnectionWait(backend: String, duration: Duration, busy: Bool) {
        Timer(label: "upstream_connection_wait_seconds", dimensions: [("backend", backend)], factory: factory)
            .recordNanoseconds(duration.nanoseconds)
        if busy { Counter(label: "upstream_busy_total", dimensions: [("backend", backend)], factory: factory).increment() }
    }

    /// The Prometheus text exposition of everything recorded.
    func exposition() -> String {
        registry.emitToString()
    }
}

/// A counter and a timer for each label set, made once: making them on every request took the registry's lock
/// and built its label strings each time. Keyed by the labels' values as they come (the status as a number), so
/// that finding a pair builds no string and no array.
private final class MetricHandles: Sendable {
    enum Key: Hashable {
        case request(route: String, method: String, status: Int)
        case backend(String)
    }

    private let table = Mutex<[Key: (Metrics.Counter, Metrics.Timer)]>([:])

    func pair(for labels: Key, make: () -> (Metrics.Counter, Metrics.Timer)) -> (Metrics.Counter, Metrics.Timer) {
        table.withLock { table in
            if let pair = table[labels] { return pair }
            let pair = make()
            table[labels] = pair
            return pair
        }
    }
}

extension Duration {
    var nanoseconds: Int64 {
        components.seconds * 1_000_000_000 + components.attoseconds / 1_000_000_000
    }
}
