import Foundation
import Logging

extension Setting {
    /// Every setting, in the order `--help` and docs/configuration.md list them. A setting is added here and as a property
    /// of `AppSettings` (which holds its default), nowhere else.
    static let all: [Setting] = [
        .text("http.host", \.host, "address to listen on"),
        .integer("http.port", \.port, in: 0...65_535, "port; `0` picks a free one"),
        .text("database.path", \.databasePath, "SQLite file (created with its folder), or `:memory:`"),
        .integer("database.timeout", \.databaseTimeout, in: 1...300,
                 "seconds a PostgreSQL operation of a request may take before it gets 503 `storage_unavailable` with `Retry-After`; PostgreSQL ends such a statement too"),
        .integer("database.maxConnections", \.databaseMaxConnections, in: 1...1_000,
                 "PostgreSQL connections one instance opens at most (each instance's share of the server's `max_connections`)"),
        Setting(key: "database.url", meaning: """
            `postgres://USER[:PASSWORD]@HOST[:PORT]/DATABASE`, with `?sslmode=disable|prefer|require`: PostgreSQL instead of the \
            SQLite file, for several instances on one database (see [Scaling out](scaling-out.md)); needs \
            `JWT_SECRET`; a secret, never logged
            """, defaultText: unset, isSecret: true) { text, settings in
            guard !text.isEmpty else { return }
            settings.databaseURL = try PostgresURL(text)
        },
        .optionalText("jwt.secret", \.jwtSecret, secret: true, default: "generated into `data/jwt-secret`",
                      "HS256 secret, at least 32 bytes, never `your-secret-key`"),
        .integer("jwt.ttl", \.jwtTTL, in: 60...31_536_000, "token lifetime in seconds"),
        .integer("bcrypt.cost", \.bcryptCost, in: AppSettings.minimumBcryptCost...31, "bcrypt cost, 10 to 31"),
        .integer("password.hashConcurrency", \.passwordHashConcurrency, in: 1...256, default: "the cores but one",
                 "passwords hashed or checked at once"),
        .integer("password.hashQueue", \.passwordHashQueue, in: 0...100_000,
                 "registrations and logins that may wait for a hash; more get 503 at once"),
        .integer("password.hashMaxWait", \.passwordHashMaxWaitSeconds, in: 1...60,
                 "seconds one may wait for a hash before 503 with `Retry-After`"),
        .integer("password.hashNice", \.passwordHashNice, in: 0...19, """
            nice value (0 to 19) of the hashing threads: the higher, the more CPU chat keeps during a login storm and \
            the longer a login takes on a machine busy with other work (at 5, chat kept 80-85% of its throughput under \
            10 logins a second, and a login beside two CPU hogs took a second; at 10, 87% and 2.4 s; at 0, 70% and \
            0.5 s: see BENCHMARKS.md); `0` shares the CPU equally
            """),
        .choice("model.backend", \.modelBackend, "model backend: `mock`, `openai` or `workers-ai`"),
        .optionalChoice("model.fallback", \.modelFallback, "backend asked when the first cannot answer"),
        .url("openai.baseUrl", \.openAIBaseURL, "OpenAI-compatible server, e.g. `http://127.0.0.1:8080/v1`"),
        .optionalText("openai.apiKey", \.openAIAPIKey, secret: true, "its bearer key"),
        Setting(key: "workers.ai.baseUrl", meaning: "Workers AI REST base", defaultText: "`\(defaults.workersAIBaseURL)`", isSecret: false) { text, settings in
            if !text.isEmpty { settings.workersAIBaseURL = try url("workers.ai.baseUrl", text) }
        },
        .optionalText("workers.ai.accountId", \.workersAIAccountId, "Cloudflare account id"),
        .optionalText("workers.ai.apiToken", \.workersAIAPIToken, secret: true, "Cloudflare API token"),
        .integer("upstream.connectTimeout", \.upstreamConnectTimeout, in: 1...300, "seconds to connect to a backend"),
        .integer("upstream.timeout", \.upstreamTimeout, in: 1...3_600,
                 "seconds a backend may take for a whole answer, from the request to its last byte"),
        .optionalInteger("upstream.idleTimeout", \.upstreamIdleTimeout, in: 1...3_600, default: "none",
                         "seconds a backend's answer may stay silent between two pieces"),
        .integer("upstream.maxConnections", \.upstreamMaxConnections, in: 1...100_000,
                 "connections one instance opens to one backend at most (each stream holds one for its length)"),
        .integer("upstream.poolTimeout", \.upstreamPoolTimeout, in: 1...300,
                 "seconds a request waits for one of them before 503 `upstream_busy` with `Retry-After`"),
        .text("model.name", \.defaultModel, "model when a request names none"),
        .list("model.allowlist", default: "any",
              "comma-separated models a request may name besides `MODEL_NAME`; others get 400 `model_not_allowed`") { names, text, settings in
            guard names.allSatisfy(ChatCompletionRequest.isModelName) else {
                throw SettingsError(key: "model.allowlist", value: text, expected: "a comma-separated list of model names")
            }
            settings.modelAllowlist = names.isEmpty ? nil : Set(names)
        },
        .integer("mock.delayMs", \.mockDelayMilliseconds, in: 0...60_000, "latency of each mock answer, for benchmarks"),
        .list("cors.origins", default: "`*`", "allowed browser origins: `*` or a comma-separated list") { origins, text, settings in
            guard !origins.isEmpty else { throw SettingsError(key: "cors.origins", value: text, expected: "'*' or a comma-separated list of origins") }
            settings.corsOrigins = origins
        },
        .choice("chat.defaultFormat", \.chatDefaultFormat, "chat answer when `Accept` prefers neither: `json` or `text`"),
        .integer("http.maxBodyBytes", \.maxBodyBytes, in: 1_024...(64 << 20), "largest request body (413 above)"),
        .integer("rateLimit.authPerMinute", \.authRequestsPerMinute, in: 0...1_000_000,
                 "register and login requests per client address per minute; `0` off"),
        .integer("rateLimit.chatPerMinute", \.chatRequestsPerMinute, in: 0...1_000_000,
                 "chat requests per user and per API key per minute; `0` off"),
        .integer("rateLimit.authFailuresPerMinute", \.authFailuresPerMinute, in: 0...1_000_000,
                 "invalid tokens or API keys per client address per minute, then 429; `0` off"),
        .integer("apiKeys.perUser", \.apiKeysPerUser, in: 1...100_000, "active API keys one user may hold; one more is 409 `api_key_limit`"),
        .integer("credentialCache.size", \.credentialCacheSize, in: 0...10_000_000, """
            accepted tokens and API keys remembered in memory, so their next use skips the JWT check and the database; \
            any revocation empties it; `0` off
            """),
        .integer("credentialCache.ttl", \.credentialCacheTTL, in: 1...86_400,
                 "seconds a cached credential is trusted: a user or key removed directly in the database stops working within it"),
        .list("trusted.proxies", default: "none", "comma-separated peer addresses whose `X-Forwarded-For` names the client") { proxies, _, settings in
            settings.trustedProxies = proxies
        },
        .integer("login.lockoutFailures", \.loginLockoutFailures, in: 1...1_000, "failed logins for one email before it is refused"),
        .integer("login.lockoutSeconds", \.loginLockoutSeconds, in: 1...86_400, "how long it stays refused"),
        .integer("http.idleTimeout", \.idleTimeoutSeconds, in: 1...3_600, "seconds a silent connection stays open"),
        .integer("http.bodyTimeout", \.httpBodyTimeout, in: 1...3_600,
                 "seconds a whole request body may take to arrive, whether it trickles or stops (408 past it)"),
        .integer("chat.maxMessages", \.chatMaxMessages, in: 1...100_000, "most messages in one chat request"),
        .integer("chat.maxCharacters", \.chatMaxCharacters, in: 1...(64 << 20), "most characters across them"),
        .integer("chat.maxConcurrentStreamsPerPrincipal", \.chatMaxConcurrentStreamsPerPrincipal, in: 1...100_000,
                 "streamed answers one user (all their sessions and keys) may have open; one more is 429 `too_many_streams`"),
        .integer("chat.maxConcurrentStreams", \.chatMaxConcurrentStreams, in: 1...1_000_000,
                 "streamed answers open on the instance; one more is 503 `streams_busy`"),
        .integer("chat.maxStreamBytesPerSecondPerPrincipal", \.chatMaxStreamBytesPerSecondPerPrincipal, in: 0...(1 << 30), """
            bytes a second one user's streamed answers may write together (a second's worth at once): past it their \
            writes wait, so that one user's streams cannot take every core; `0` off
            """),
        .integer("shutdown.graceSeconds", \.shutdownGraceSeconds, in: 0...3_600,
                 "seconds answers in flight may take to finish after SIGTERM before they are cut and the process exits"),
        .choice("log.level", \.logLevel, "`trace` … `critical`"),
        .choice("log.format", \.logFormat, "`text`, `json` or `logfmt`, one line per event with the request id"),
        .optionalText("metrics.token", \.metricsToken, secret: true, emptyIsUnset: true, "Bearer token `/metrics` requires; unset leaves it open"),
        .optionalText("docs.specPath", \.docsSpecPath, emptyIsUnset: true, default: "the built-in copy", "document served at `/openapi.json`"),
        .optionalText("docs.htmlPath", \.docsHTMLPath, emptyIsUnset: true, default: "the built-in copy", "reference served at `/docs`"),
        .boolean("console.enabled", \.consoleEnabled, "the web console at `/console`; `false` for an API-only deployment"),
    ]

    /// The keys of the secret settings.
    static let secretKeys = Set(all.filter(\.isSecret).map(\.key))
}
