import Configuration
import Foundation
import GRDB
import Hummingbird
import Logging

/// Builds the application from configuration: settings, database, secret, backend, router.
func buildApplication(reader: ConfigReader) async throws -> some ApplicationProtocol {
    try await buildApplication(settings: AppSettings(reader: reader))
}

/// Builds the application from validated settings.
func buildApplication(settings: AppSettings) async throws -> some ApplicationProtocol {
    var logger = Logger(label: "ai-worker")
    logger.logLevel = settings.logLevel
    let database = try Database.open(path: settings.databasePath)
    let secretFolder = settings.databasePath == ":memory:"
        ? nil : URL(fileURLWithPath: settings.databasePath).deletingLastPathComponent()
    let secret = try JWTSecret.resolve(configured: settings.jwtSecret, folder: secretFolder, logger: logger)
    let dependencies = AppDependencies(
        database: database,
        users: SQLiteUserRepository(database: database),
        apiKeys: SQLiteAPIKeyRepository(database: database),
        hasher: PasswordHasher(cost: settings.bcryptCost),
        tokens: await SessionTokenService(secret: secret, lifetime: TimeInterval(settings.jwtTTL)),
        backend: makeChatBackend(settings),
        metrics: AppMetrics(),
        openAPIDocument: readOptionalFile(settings.docsSpecPath, logger: logger),
        htmlReference: readOptionalFile(settings.docsHTMLPath, logger: logger))
    let router = buildRouter(settings: settings, dependencies: dependencies)
    let host = settings.host
    let port = settings.port
    let startupLogger = logger
    return Application(
        router: router,
        configuration: .init(address: .hostname(host, port: port), serverName: "ai-worker"),
        onServerRunning: { channel in
            startupLogger.notice(
                "Listening",
                metadata: [
                    "address": "http://\(host):\(channel.localAddress?.port ?? port)",
                    "database": "\(settings.databasePath)",
                    "model_backend": "\(dependencies.backend.name)",
                    "model": "\(settings.defaultModel)",
                ])
        },
        logger: logger)
}

/// What the controllers need, built once.
struct AppDependencies: Sendable {
    let database: any DatabaseWriter
    let users: any UserRepository
    let apiKeys: any APIKeyRepository
    let hasher: PasswordHasher
    let tokens: SessionTokenService
    let backend: any ChatBackend
    let metrics: AppMetrics
    let openAPIDocument: ByteBuffer?
    let htmlReference: ByteBuffer?
}

/// The file's contents, or nil with a warning when it cannot be read (its route then answers 404).
func readOptionalFile(_ path: String, logger: Logger) -> ByteBuffer? {
    guard let data = FileManager.default.contents(atPath: path) else {
        logger.warning("Cannot read \(path); the route serving it will answer 404")
        return nil
    }
    return ByteBuffer(bytes: data)
}

/// The configured model backend.
func makeChatBackend(_ settings: AppSettings) -> any ChatBackend {
    switch settings.modelBackend {
    case .mock: MockChatBackend(delay: .milliseconds(settings.mockDelayMilliseconds))
    }
}

/// Every route and the middleware around them.
func buildRouter(settings: AppSettings, dependencies: AppDependencies) -> Router<AppRequestContext> {
    let router = Router(context: AppRequestContext.self)
    router.add(middleware: RequestMetricsMiddleware(metrics: dependencies.metrics))
    router.add(middleware: LogRequestsMiddleware(.info))
    router.add(middleware: ResponseHeadersMiddleware())
    router.add(middleware: CORSMiddleware(origins: settings.corsOrigins))
    router.add(middleware: ErrorMiddleware(maxBodyBytes: settings.maxBodyBytes))

    func authentication(_ policy: AuthenticationMiddleware.Policy) -> AuthenticationMiddleware {
        AuthenticationMiddleware(policy: policy, tokens: dependencies.tokens, users: dependencies.users, apiKeys: dependencies.apiKeys)
    }
    OperationsController(
        database: dependencies.database, backend: dependencies.backend, metrics: dependencies.metrics,
        metricsToken: settings.metricsToken, openAPIDocument: dependencies.openAPIDocument, htmlReference: dependencies.htmlReference
    ).addRoutes(to: router)
    UserController(
        users: dependencies.users, hasher: dependencies.hasher, tokens: dependencies.tokens, metrics: dependencies.metrics,
        maxBodyBytes: settings.maxBodyBytes
    ).addRoutes(to: router)
    APIKeyController(
        apiKeys: dependencies.apiKeys, authentication: authentication(.sessionTokenOnly), maxBodyBytes: settings.maxBodyBytes
    ).addRoutes(to: router.group("api-keys"))
    ChatController(
        backend: dependencies.backend, metrics: dependencies.metrics, authentication: authentication(.sessionTokenOrAPIKey),
        defaultModel: settings.defaultModel, defaultFormat: settings.chatDefaultFormat, maxBodyBytes: settings.maxBodyBytes
    ).addRoutes(to: router.group("chat"))
    return router
}
