import Configuration
import Foundation
import GRDB
import Hummingbird
import Logging

/// Builds the application from configuration: settings, database, secret, backend, router.
func buildApplication(reader: ConfigReader) async throws -> some ApplicationProtocol {
    let settings = try AppSettings(reader: reader)
    var logger = Logger(label: "ai-worker")
    logger.logLevel = settings.logLevel
    let database = try Database.open(path: settings.databasePath)
    let secretFolder = settings.databasePath == ":memory:"
        ? nil : URL(fileURLWithPath: settings.databasePath).deletingLastPathComponent()
    let secret = try JWTSecret.resolve(configured: settings.jwtSecret, folder: secretFolder, logger: logger)
    let dependencies = AppDependencies(
        users: SQLiteUserRepository(database: database),
        apiKeys: SQLiteAPIKeyRepository(database: database),
        hasher: PasswordHasher(cost: settings.bcryptCost),
        tokens: await SessionTokenService(secret: secret, lifetime: TimeInterval(settings.jwtTTL)),
        backend: makeChatBackend(settings))
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
    let users: any UserRepository
    let apiKeys: any APIKeyRepository
    let hasher: PasswordHasher
    let tokens: SessionTokenService
    let backend: any ChatBackend
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
    router.add(middleware: LogRequestsMiddleware(.info))
    router.add(middleware: ResponseHeadersMiddleware())
    router.add(middleware: CORSMiddleware(origins: settings.corsOrigins))
    router.add(middleware: ErrorMiddleware(maxBodyBytes: settings.maxBodyBytes))

    func authentication(_ policy: AuthenticationMiddleware.Policy) -> AuthenticationMiddleware {
        AuthenticationMiddleware(policy: policy, tokens: dependencies.tokens, users: dependencies.users, apiKeys: dependencies.apiKeys)
    }
    UserController(
        users: dependencies.users, hasher: dependencies.hasher, tokens: dependencies.tokens, maxBodyBytes: settings.maxBodyBytes
    ).addRoutes(to: router)
    APIKeyController(
        apiKeys: dependencies.apiKeys, authentication: authentication(.sessionTokenOnly), maxBodyBytes: settings.maxBodyBytes
    ).addRoutes(to: router.group("api-keys"))
    ChatController(
        backend: dependencies.backend, authentication: authentication(.sessionTokenOrAPIKey),
        defaultModel: settings.defaultModel, defaultFormat: settings.chatDefaultFormat, maxBodyBytes: settings.maxBodyBytes
    ).addRoutes(to: router.group("chat"))
    return router
}
