import ArgumentParser
import Configuration

/// The server's settings as command-line flags. Every flag has an environment variable of the same name in
/// upper case (`--http-port` / `HTTP_PORT`); flags win over the environment, which wins over a `.env` file.
struct SettingsOptions: ParsableArguments {
    @Option(name: .customLong("http-host"), help: "Address to listen on. (HTTP_HOST, default 127.0.0.1)")
    var httpHost: String?
    @Option(name: .customLong("http-port"), help: "Port to listen on; 0 picks a free one. (HTTP_PORT, default 8787)")
    var httpPort: String?
    @Option(name: .customLong("database-path"), help: "SQLite file, created if missing, or :memory:. (DATABASE_PATH, default data/ai-worker.sqlite)")
    var databasePath: String?
    @Option(name: .customLong("database-url"), help: "postgres://USER[:PASSWORD]@HOST[:PORT]/DATABASE[?sslmode=disable|prefer|require]: PostgreSQL instead of the SQLite file, for several instances; needs JWT_SECRET. (DATABASE_URL)")
    var databaseUrl: String?
    @Option(name: .customLong("database-timeout"), help: "Seconds a PostgreSQL operation may take before the request gets 503; the server also ends such a statement. (DATABASE_TIMEOUT, default 5)")
    var databaseTimeout: String?
    @Option(name: .customLong("jwt-secret"), help: "HS256 secret, at least 32 bytes; prefer the environment variable. Unset: generated once and kept beside the database. (JWT_SECRET)")
    var jwtSecret: String?
    @Option(name: .customLong("jwt-ttl"), help: "Token lifetime in seconds. (JWT_TTL, default 86400)")
    var jwtTTL: String?
    @Option(name: .customLong("bcrypt-cost"), help: "bcrypt cost for password hashes, 10 to 31. (BCRYPT_COST, default 12)")
    var bcryptCost: String?
    @Option(name: .customLong("password-hash-concurrency"), help: "Passwords hashed or checked at once. (PASSWORD_HASH_CONCURRENCY, default the cores but one)")
    var passwordHashConcurrency: String?
    @Option(name: .customLong("password-hash-queue"), help: "Logins and registrations that may wait for a hash slot; more get 503. (PASSWORD_HASH_QUEUE, default 32)")
    var passwordHashQueue: String?
    @Option(name: .customLong("password-hash-max-wait"), help: "Seconds one may wait for a hash slot before 503 with Retry-After. (PASSWORD_HASH_MAX_WAIT, default 2)")
    var passwordHashMaxWait: String?
    @Option(name: .customLong("password-hash-nice"), help: "Nice value of the hashing threads, 0 to 19; above 0 a login storm yields the CPU to requests. (PASSWORD_HASH_NICE, default 10)")
    var passwordHashNice: String?
    @Option(name: .customLong("model-allowlist"), help: "Comma-separated models a request may name besides MODEL_NAME; others get 400. (MODEL_ALLOWLIST, default any)")
    var modelAllowlist: String?
    @Option(name: .customLong("model-backend"), help: "Model backend: mock, openai or workers-ai. (MODEL_BACKEND, default mock)")
    var modelBackend: String?
    @Option(name: .customLong("model-fallback"), help: "Backend asked when the first cannot answer: mock, openai or workers-ai. (MODEL_FALLBACK, default none)")
    var modelFallback: String?
    @Option(name: .customLong("openai-base-url"), help: "OpenAI-compatible server, e.g. http://127.0.0.1:8080/v1. (OPENAI_BASE_URL)")
    var openaiBaseUrl: String?
    @Option(name: .customLong("openai-api-key"), help: "Bearer key for the OpenAI-compatible server; prefer the environment variable. (OPENAI_API_KEY)")
    var openaiApiKey: String?
    @Option(name: .customLong("workers-ai-base-url"), help: "Workers AI REST base. (WORKERS_AI_BASE_URL, default https://api.cloudflare.com/client/v4)")
    var workersAiBaseUrl: String?
    @Option(name: .customLong("workers-ai-account-id"), help: "Cloudflare account id for Workers AI. (WORKERS_AI_ACCOUNT_ID)")
    var workersAiAccountId: String?
    @Option(name: .customLong("workers-ai-api-token"), help: "Cloudflare API token for Workers AI; prefer the environment variable. (WORKERS_AI_API_TOKEN)")
    var workersAiApiToken: String?
    @Option(name: .customLong("upstream-connect-timeout"), help: "Seconds to connect to a model backend. (UPSTREAM_CONNECT_TIMEOUT, default 5)")
    var upstreamConnectTimeout: String?
    @Option(name: .customLong("upstream-timeout"), help: "Seconds a model backend may take for a whole answer. (UPSTREAM_TIMEOUT, default 60)")
    var upstreamTimeout: String?
    @Option(name: .customLong("upstream-idle-timeout"), help: "Seconds a backend's answer may stay silent between two pieces, then 504 (or an error event mid-stream). (UPSTREAM_IDLE_TIMEOUT, default: only --upstream-timeout)")
    var upstreamIdleTimeout: String?
    @Option(name: .customLong("model-name"), help: "Model used when a request names none. (MODEL_NAME, default @cf/meta/llama-3-8b-instruct)")
    var modelName: String?
    @Option(name: .customLong("mock-delay-ms"), help: "Delay of each mock answer in milliseconds. (MOCK_DELAY_MS, default 0)")
    var mockDelayMs: String?
    @Option(name: .customLong("cors-origins"), help: "Allowed browser origins: * or a comma-separated list. (CORS_ORIGINS, default *)")
    var corsOrigins: String?
    @Option(name: .customLong("chat-default-format"), help: "Chat answer when Accept prefers neither: json or text. (CHAT_DEFAULT_FORMAT, default json)")
    var chatDefaultFormat: String?
    @Option(name: .customLong("http-max-body-bytes"), help: "Largest request body in bytes. (HTTP_MAX_BODY_BYTES, default 1048576)")
    var httpMaxBodyBytes: String?
    @Option(name: .customLong("rate-limit-auth-per-minute"), help: "Register and login requests per client address per minute; 0 turns it off. (RATE_LIMIT_AUTH_PER_MINUTE, default 120)")
    var rateLimitAuthPerMinute: String?
    @Option(name: .customLong("rate-limit-chat-per-minute"), help: "Chat requests per user and per API key per minute; 0 turns it off. (RATE_LIMIT_CHAT_PER_MINUTE, default 120)")
    var rateLimitChatPerMinute: String?
    @Option(name: .customLong("api-keys-per-user"), help: "Active API keys one user may hold; more get 409. (API_KEYS_PER_USER, default 100)")
    var apiKeysPerUser: String?
    @Option(name: .customLong("credential-cache-size"), help: "Accepted tokens and API keys remembered in memory, so repeated use skips the database; 0 turns it off. (CREDENTIAL_CACHE_SIZE, default 10000)")
    var credentialCacheSize: String?
    @Option(name: .customLong("rate-limit-auth-failures-per-minute"), help: "Invalid tokens or API keys per client address per minute, then 429; 0 turns it off. (RATE_LIMIT_AUTH_FAILURES_PER_MINUTE, default 30)")
    var rateLimitAuthFailuresPerMinute: String?
    @Option(name: .customLong("trusted-proxies"), help: "Comma-separated peer addresses whose X-Forwarded-For names the client. (TRUSTED_PROXIES, default none)")
    var trustedProxies: String?
    @Option(name: .customLong("login-lockout-failures"), help: "Failed logins for one email before it is refused for a while. (LOGIN_LOCKOUT_FAILURES, default 10)")
    var loginLockoutFailures: String?
    @Option(name: .customLong("login-lockout-seconds"), help: "How long an email stays refused after too many failed logins. (LOGIN_LOCKOUT_SECONDS, default 900)")
    var loginLockoutSeconds: String?
    @Option(name: .customLong("http-idle-timeout"), help: "Seconds a connection may stay silent before it is closed. (HTTP_IDLE_TIMEOUT, default 30)")
    var httpIdleTimeout: String?
    @Option(name: .customLong("chat-max-messages"), help: "Most messages in one chat request. (CHAT_MAX_MESSAGES, default 256)")
    var chatMaxMessages: String?
    @Option(name: .customLong("chat-max-characters"), help: "Most characters across one chat request's messages. (CHAT_MAX_CHARACTERS, default 200000)")
    var chatMaxCharacters: String?
    @Option(name: .customLong("log-level"), help: "trace, debug, info, notice, warning, error or critical. (LOG_LEVEL, default info)")
    var logLevel: String?
    @Option(name: .customLong("log-format"), help: "Log lines as text, json or logfmt. (LOG_FORMAT, default text)")
    var logFormat: String?
    @Option(name: .customLong("metrics-token"), help: "Bearer token /metrics requires; prefer the environment variable. Unset: /metrics is open. (METRICS_TOKEN)")
    var metricsToken: String?
    @Option(name: .customLong("docs-spec-path"), help: "OpenAPI document served at /openapi.json. (DOCS_SPEC_PATH, default: the copy built into the binary)")
    var docsSpecPath: String?
    @Option(name: .customLong("docs-html-path"), help: "HTML reference served at /docs. (DOCS_HTML_PATH, default: the copy built into the binary)")
    var docsHTMLPath: String?

    static let secretKeys: Set<String> = ["database.url", "jwt.secret", "metrics.token", "openai.apiKey", "workers.ai.apiToken"]

    /// The flags given, as configuration keys.
    var flagValues: [AbsoluteConfigKey: ConfigValue] {
        let pairs: [(String, String?)] = [
            ("http.host", httpHost), ("http.port", httpPort), ("database.path", databasePath), ("database.url", databaseUrl), ("database.timeout", databaseTimeout), ("jwt.secret", jwtSecret),
            ("jwt.ttl", jwtTTL), ("bcrypt.cost", bcryptCost),
            ("password.hashConcurrency", passwordHashConcurrency), ("password.hashQueue", passwordHashQueue), ("password.hashNice", passwordHashNice),
            ("password.hashMaxWait", passwordHashMaxWait), ("model.backend", modelBackend), ("model.fallback", modelFallback),
            ("openai.baseUrl", openaiBaseUrl), ("openai.apiKey", openaiApiKey), ("workers.ai.baseUrl", workersAiBaseUrl),
            ("workers.ai.accountId", workersAiAccountId), ("workers.ai.apiToken", workersAiApiToken),
            ("upstream.connectTimeout", upstreamConnectTimeout), ("upstream.timeout", upstreamTimeout), ("upstream.idleTimeout", upstreamIdleTimeout), ("model.name", modelName), ("model.allowlist", modelAllowlist),
            ("mock.delayMs", mockDelayMs), ("cors.origins", corsOrigins), ("chat.defaultFormat", chatDefaultFormat),
            ("http.maxBodyBytes", httpMaxBodyBytes), ("log.level", logLevel),
            ("rateLimit.authPerMinute", rateLimitAuthPerMinute), ("rateLimit.chatPerMinute", rateLimitChatPerMinute),
            ("rateLimit.authFailuresPerMinute", rateLimitAuthFailuresPerMinute), ("trusted.proxies", trustedProxies),
            ("apiKeys.perUser", apiKeysPerUser), ("credentialCache.size", credentialCacheSize),
            ("login.lockoutFailures", loginLockoutFailures), ("login.lockoutSeconds", loginLockoutSeconds),
            ("http.idleTimeout", httpIdleTimeout), ("chat.maxMessages", chatMaxMessages), ("chat.maxCharacters", chatMaxCharacters), ("log.format", logFormat),
            ("metrics.token", metricsToken), ("docs.specPath", docsSpecPath), ("docs.htmlPath", docsHTMLPath),
        ]
        return Dictionary(
            uniqueKeysWithValues: pairs.compactMap { key, value in
                value.map { (AbsoluteConfigKey(stringLiteral: key), ConfigValue(.string($0), isSecret: Self.secretKeys.contains(key))) }
            })
    }

    static let secretEnvironmentNames: Set<String> = ["DATABASE_URL", "JWT_SECRET", "METRICS_TOKEN", "OPENAI_API_KEY", "WORKERS_AI_API_TOKEN"]

    /// Flags, then environment variables, then `.env` in the working directory.
    func reader() async throws -> ConfigReader {
        ConfigReader(providers: [
            InMemoryProvider(name: "flags", values: flagValues),
            EnvironmentVariablesProvider(secretsSpecifier: .specific(Self.secretEnvironmentNames)),
            try await EnvironmentVariablesProvider(
                environmentFilePath: ".env", allowMissing: true, secretsSpecifier: .specific(Self.secretEnvironmentNames)),
        ])
    }
}
