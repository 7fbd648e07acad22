import AsyncHTTPClient
import Configuration
import Foundation
import Hummingbird
import Logging
import ProjectFiles

/// Builds the application from configuration: settings, database, secret, backend, router.
func buildApplication(reader: ConfigReader) async throws -> some ApplicationProtocol {
    try await buildApplication(settings: AppSettings(reader: reader))
}

/// Builds the application from validated settings, counting into `metrics`.
func buildApplication(settings: AppSettings, metrics: AppMetrics = AppMetrics()) async throws -> some ApplicationProtocol {
    try await buildApplication(settings: settings, metrics: metrics) { $0 }
}

/// Builds the application from validated settings, its router's responder passed through `responder` (tests wrap
/// it to inject faults at the HTTP boundary).
func buildApplication<Responder: HTTPResponder>(
    settings: AppSettings, metrics: AppMetrics = AppMetrics(), responder: (RouterResponder<AppRequestContext>) -> Responder
) async throws -> some ApplicationProtocol where Responder.Context == AppRequestContext {
    var logger = Logger(label: "ai-worker")
    logger.logLevel = settings.logLevel
    let storage = try await settings.database.open(settings, metrics: metrics, logger: logger)
    let secret = try JWTSecret.resolve(configured: settings.jwtSecret, folder: settings.database.secretFolder, logger: logger)
    // Made last: once it exists, only the application's service shuts it down.
    let upstreamClient = makeUpstreamClient(settings)
    let tokens = await SessionTokenService(secret: secret, lifetime: TimeInterval(settings.jwtTTL))
    let keyUsage = APIKeyUsageRecorder(repository: storage.apiKeys, logger: logger)
    let dependencies = AppDependencies(
        storage: storage,
        authenticator: Authenticator(
            tokens: tokens, users: storage.users, apiKeys: storage.apiKeys, epoch: storage.epoch,
            cache: settings.credentialCacheSize > 0
                ? CredentialCache(capacity: settings.credentialCacheSize, ttl: .seconds(settings.credentialCacheTTL)) : nil, usage: keyUsage),
        hasher: PasswordHasher(
            cost: settings.bcryptCost,
            gate: PasswordWorkGate(
                concurrency: settings.passwordHashConcurrency, queueLimit: settings.passwordHashQueue,
                maxWait: .seconds(settings.passwordHashMaxWaitSeconds), niceness: Int32(settings.passwordHashNice))),
        tokens: tokens,
        backend: makeChatBackend(settings, client: upstreamClient, metrics: metrics, logger: logger),
        metrics: metrics,
        openAPIDocument: servedFile(settings.docsSpecPath, builtIn: "spec/openapi.json", logger: logger),
        htmlReference: servedFile(settings.docsHTMLPath, builtIn: "docs/index.html", logger: logger))
    let router = buildRouter(settings: settings, dependencies: dependencies)
    let host = settings.host
    let port = settings.port
    let startupLogger = logger
    return Application(
        responder: responder(router.buildResponder()),
        server: .http1(configuration: .init(idleTimeout: .seconds(Int64(settings.idleTimeoutSeconds)))),
        // A gateway's clients open streams in bursts: Hummingbird's default queue of 256 connections not yet accepted
        // overflowed at 5,000 streams opened at 2,000 a second, and the kernel dropped connections (the kernel still
        // caps it at net.core.somaxconn).
        configuration: .init(address: .hostname(host, port: port), serverName: "ai-worker", backlog: 4096),
        // The storage's services first: they start before, and stop after, the ones that use them.
        services: storage.services + [keyUsage] + (upstreamClient.map { [HTTPClientService(client: $0)] } ?? []),
        onServerRunning: { channel in
            let address = "http://\(host):\(channel.localAddress?.port ?? port)"
            startupLogger.notice(
                "Listening",
                metadata: [
                    "address": "\(address)",
                    "docs": "\(address)/docs",
                    "database": "\(dependencies.storage.displayName)",
                    "model_backend": "\(dependencies.backend.name)",
                    "model": "\(settings.defaultModel)",
                ])
        },
        logger: logger)
}

/// What the controllers need, built once.
struct AppDependencies: Sendable {
    let storage: any AppStorage
    let authenticator: Authenticator
    let hasher: PasswordHasher
    let tokens: SessionTokenService
    let backend: any ChatBackend
    let metrics: AppMetrics
    let openAPIDocument: ByteBuffer?
    let htmlReference: ByteBuffer?
}

/// The file at `path`, or the copy built into the binary when no path is set; nil with a warning when the file
/// cannot be read (its route then answers 404).
func servedFile(_ path: String?, builtIn: String, logger: Logger) -> ByteBuffer? {
    guard let path else { return ProjectFiles.file(builtIn).map { ByteBuffer(string: $0) } }
    guard let data = FileManager.default.contents(atPath: path) else {
        logger.warning("Cannot read \(path); the route serving it will answer 404")
        return nil
    }
    return ByteBuffer(bytes: data)
}

/// The configured model backend, with its fallback if one is set; `client` serves the HTTP backends, each through
/// `UPSTREAM_MAX_CONNECTIONS` connections of its own.
func makeChatBackend(_ settings: AppSettings, client: HTTPClient?, metrics: AppMetrics, logger: Logger) -> any ChatBackend {
    func backend(_ kind: ModelBackendKind) -> any ChatBackend {
        let http = { (name: String) in
            UpstreamHTTP(
                client: client!, backend: name,
                // Waiters are bounded by time (the pool timeout), not by count.
                connections: AdmissionGate(limit: settings.upstreamMaxConnections, queueLimit: .max, maxWait: .seconds(settings.upstreamPoolTimeout)),
                metrics: metrics, timeout: .seconds(settings.upstreamTimeout),
                idleTimeout: settings.upstreamIdleTimeout.map { .seconds($0) }, logger: logger)
        }
        switch kind {
        case .mock:
            return MockChatBackend(delay: .milliseconds(settings.mockDelayMilliseconds))
        case .openai:
            return OpenAICompatibleBackend(http: http("openai"), baseURL: settings.openAIBaseURL!, apiKey: settings.openAIAPIKey)
        case .workersAI:
            return WorkersAIBackend(
                http: http("workers-ai"), baseURL: settings.workersAIBaseURL, accountId: settings.workersAIAccountId!,
                apiToken: settings.workersAIAPIToken)
        }
    }
    let primary = backend(settings.modelBackend)
    guard let fallback = settings.modelFallback else { return primary }
    return FallbackChatBackend(primary: primary, fallback: backend(fallback), logger: logger)
}

/// The HTTP client of the upstream backends, when one is configured: no redirects followed, the configured
/// connect timeout, HTTP/2 where a TLS upstream offers it, and a pool of `UPSTREAM_MAX_CONNECTIONS` connections per
/// host (the client's default of 8 queued every request past the eighth). `HTTPClientService` shuts it down with
/// the application.
func makeUpstreamClient(_ settings: AppSettings) -> HTTPClient? {
    let kinds = [settings.modelBackend] + (settings.modelFallback.map { [$0] } ?? [])
    guard kinds.contains(where: { $0 != .mock }) else { return nil }
    var configuration = HTTPClient.Configuration(
        redirectConfiguration: .disallow, timeout: .init(connect: .seconds(Int64(settings.upstreamConnectTimeout))))
    configuration.httpVersion = .automatic
    configuration.connectionPool = .init(idleTimeout: .seconds(60), concurrentHTTP1ConnectionsPerHostSoftLimit: settings.upstreamMaxConnections)
    return HTTPClient(eventLoopGroupProvider: .singleton, configuration: configuration)
}

/// Every route and the middleware around them.
func buildRouter(settings: AppSettings, dependencies: AppDependencies) -> Router<AppRequestContext> {
    let router = Router(context: AppRequestContext.self, options: .autoGenerateHeadEndpoints)
    router.add(middleware: BodyLimitMiddleware(maxBytes: settings.maxBodyBytes, timeout: .seconds(settings.httpBodyTimeout)))
    if !settings.trustedProxies.isEmpty { router.add(middleware: ClientAddressMiddleware(trustedProxies: Set(settings.trustedProxies))) }
    router.add(middleware: RequestTelemetryMiddleware(metrics: dependencies.metrics, level: .info))
    router.add(middleware: ResponseHeadersMiddleware(cors: CORSAllowList(origins: settings.corsOrigins)))
    router.add(middleware: ErrorMiddleware())

    let limiter = RateLimiter(store: dependencies.storage.limits)
    let failureLimit = settings.authFailuresPerMinute > 0
        ? AuthenticationMiddleware.FailureLimit(
            limiter: limiter, policy: .init(capacity: settings.authFailuresPerMinute, period: .seconds(60)), metrics: dependencies.metrics)
        : nil
    func authentication(_ policy: AuthenticationMiddleware.Policy) -> AuthenticationMiddleware {
        AuthenticationMiddleware(
            policy: policy, authenticator: dependencies.authenticator, failureLimit: failureLimit)
    }
    OperationsController(
        storage: dependencies.storage, backend: dependencies.backend, metrics: dependencies.metrics,
        metricsToken: settings.metricsToken, openAPIDocument: dependencies.openAPIDocument, htmlReference: dependencies.htmlReference,
        frontDoor: .current(console: settings.consoleEnabled)
    ).addRoutes(to: router)
    if settings.consoleEnabled { ConsoleController().addRoutes(to: router.group("console")) }
    func limit<Context>(_ scope: String, perMinute: Int) -> RateLimitMiddleware<Context>? {
        guard perMinute > 0 else { return nil }
        return RateLimitMiddleware(
            scope: scope, policy: .init(capacity: perMinute, period: .seconds(60)), limiter: limiter, metrics: dependencies.metrics)
    }
    let chatLimit: RateLimitMiddleware<AuthenticatedContext>? = limit("chat", perMinute: settings.chatRequestsPerMinute)
    UserController(
        users: dependencies.storage.users, hasher: dependencies.hasher, tokens: dependencies.tokens, metrics: dependencies.metrics,
        throttle: LoginThrottle(
            lockAfter: settings.loginLockoutFailures, lockout: .seconds(settings.loginLockoutSeconds), store: dependencies.storage.limits)
    ).addRoutes(to: router, limit: limit("auth", perMinute: settings.authRequestsPerMinute))
    APIKeyController(
        apiKeys: dependencies.storage.apiKeys, usage: dependencies.authenticator.usage, authentication: authentication(.sessionTokenOnly),
        maxActiveKeys: settings.apiKeysPerUser
    ).addRoutes(to: router.group("api-keys"))
    SessionController(users: dependencies.storage.users, authentication: authentication(.sessionTokenOnly)).addRoutes(to: router)
    let chat = ChatService(
        backend: dependencies.backend, metrics: dependencies.metrics, defaultModel: settings.defaultModel,
        maxMessages: settings.chatMaxMessages, maxCharacters: settings.chatMaxCharacters,
        streams: ChatStreamSlots(
            perPrincipal: settings.chatMaxConcurrentStreamsPerPrincipal, total: settings.chatMaxConcurrentStreams,
            bytesPerSecond: settings.chatMaxStreamBytesPerSecondPerPrincipal > 0 ? settings.chatMaxStreamBytesPerSecondPerPrincipal : nil),
        allowedModels: settings.modelAllowlist)
    ChatController(
        chat: chat, authentication: authentication(.sessionTokenOrAPIKey), limit: chatLimit, defaultFormat: settings.chatDefaultFormat
    ).addRoutes(to: router.group("chat"))
    OpenAIController(chat: chat, authentication: authentication(.sessionTokenOrAPIKey), limit: chatLimit)
        .addRoutes(to: router.group("v1"))
    // Last: it reads the finished route table, and wraps the path of requests no route took.
    router.add(middleware: MethodNotAllowedMiddleware(routes: router.routes))
    return router
}
