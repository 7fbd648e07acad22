import Configuration
import Foundation
import Logging

/// Every setting of the server with its default, read once at start-up and validated. How each is named, parsed
/// and documented is declared in `Setting.all`.
///
/// Values come from a `ConfigReader` (command-line flags, environment variables, a `.env` file);
/// a value that cannot be parsed is an error that names the setting, never a silent fallback to the default.
struct AppSettings: Sendable {
    var host = "127.0.0.1"
    var port = 8787
    /// SQLite file, or `:memory:` for an ephemeral database.
    var databasePath = "data/ai-worker.sqlite"
    /// `postgres://…`: PostgreSQL instead of the SQLite file, for several instances on one database.
    var databaseURL: PostgresURL?

    /// The database these settings name: PostgreSQL when `DATABASE_URL` is set, the SQLite file otherwise.
    var database: DatabaseLocation {
        databaseURL.map(DatabaseLocation.postgres) ?? .sqlite(path: databasePath)
    }
    /// Seconds a PostgreSQL operation of a request may take before the request gets 503.
    var databaseTimeout = 5
    /// PostgreSQL connections one instance opens at most.
    var databaseMaxConnections = 20
    /// HS256 secret; `nil` means "load or create one next to the database".
    var jwtSecret: String?
    /// Lifetime of issued tokens in seconds.
    var jwtTTL = 86_400
    var bcryptCost = 12
    /// Passwords hashed or checked at once, how many more may wait, and for how long before 503.
    var passwordHashConcurrency = PasswordWorkGate.defaultConcurrency
    var passwordHashQueue = 32
    // Long enough that a 2-core machine busy with other work, hashing at the default cost one at a time, answers
    // a few registrations at once (CI's first-hour run saw 503s at 2 s); a storm past the queue is still refused at once.
    var passwordHashMaxWaitSeconds = 10
    /// The nice value hashing threads run at (0 to 19): above 0, request handling wins the CPU from a login storm.
    var passwordHashNice = Int(PasswordWorkGate.defaultNiceness)
    var modelBackend = ModelBackendKind.mock
    /// Asked when the primary backend cannot answer.
    var modelFallback: ModelBackendKind?
    /// An OpenAI-compatible server, e.g. `http://127.0.0.1:8080/v1`.
    var openAIBaseURL: String?
    var openAIAPIKey: String?
    var workersAIBaseURL = "https://api.cloudflare.com/client/v4"
    var workersAIAccountId: String?
    var workersAIAPIToken: String?
    /// Seconds to connect to a model backend, and for its whole answer.
    var upstreamConnectTimeout = 5
    var upstreamTimeout = 60
    /// Seconds a backend's answer may stay silent between two pieces; nil: only `upstreamTimeout` bounds it.
    var upstreamIdleTimeout: Int? = nil
    /// Connections one instance opens to one backend at most, and the seconds a request waits for one of them.
    var upstreamMaxConnections = 1_024
    var upstreamPoolTimeout = 5
    /// The model used when a request names none.
    var defaultModel = "@cf/meta/llama-3-8b-instruct"
    /// The models a request may name besides the default; nil: any well-formed name.
    var modelAllowlist: Set<String>?
    /// Artificial latency of the mock backend, for benchmarks.
    var mockDelayMilliseconds = 0
    /// Allowed browser origins; `["*"]` allows any.
    var corsOrigins = ["*"]
    /// Chat answer format when the `Accept` header expresses no preference.
    var chatDefaultFormat = ChatFormat.json
    /// Largest accepted request body in bytes.
    var maxBodyBytes = 1 << 20
    var logLevel = Logger.Level.info
    /// Requests a client address may make to register and login per minute; 0 turns the limit off.
    var authRequestsPerMinute = 120
    /// Chat requests per minute for each user and each API key; 0 turns the limit off.
    var chatRequestsPerMinute = 120
    /// Active API keys one user may hold.
    var apiKeysPerUser = 100
    /// Accepted tokens and keys remembered in memory (`CredentialCache`); 0 turns the cache off.
    var credentialCacheSize = 10_000
    /// Seconds a cached credential is trusted without looking at the database again.
    var credentialCacheTTL = 30
    /// Invalid tokens or API keys a client address may send per minute; 0 turns the limit off.
    var authFailuresPerMinute = 30
    /// Peers whose `X-Forwarded-For` names the client (exact addresses); empty: the peer is the client.
    var trustedProxies: [String] = []
    /// Failed logins for one email before it is refused for `loginLockoutSeconds`.
    var loginLockoutFailures = 10
    var loginLockoutSeconds = 900
    /// Seconds a connection may stay silent before it is closed.
    var idleTimeoutSeconds = 30
    /// Limits on one chat request's messages.
    var chatMaxMessages = 256
    var chatMaxCharacters = 200_000
    /// Streamed answers open at once for one user, and for the whole instance.
    var chatMaxConcurrentStreamsPerPrincipal = 16
    var chatMaxConcurrentStreams = 2_048
    /// Bytes a second one user's streamed answers may write together (1 MiB); 0: no limit.
    var chatMaxStreamBytesPerSecondPerPrincipal = 1 << 20
    /// Seconds answers in flight may take to finish after SIGTERM before they are cut.
    var shutdownGraceSeconds = 10
    /// Seconds a whole request body may take to arrive, whether it trickles or stops.
    var httpBodyTimeout = 30
    var logFormat = LogFormat.text
    /// Bearer token that `/metrics` requires; nil leaves it open (bind to loopback or set one).
    var metricsToken: String?
    /// Files served at `/openapi.json` and `/docs`; nil serves the copies built into the binary.
    var docsSpecPath: String?
    var docsHTMLPath: String?
    var consoleEnabled = true

    /// The lowest bcrypt cost accepted: below it, offline guessing becomes cheap.
    static let minimumBcryptCost = 10

    init() {}

    /// Reads every setting of `Setting.all` that is given, then checks the ones that depend on each other; throws
    /// `SettingsError` naming the first bad one. An empty value is a value: refused where one is needed (a number,
    /// a choice, the CORS origins), unset only where the setting says so (URLs, the metrics token, the docs paths).
    init(reader: ConfigReader) throws {
        for setting in Setting.all {
            guard let text = reader.string(forKey: ConfigKey(setting.key), isSecret: setting.isSecret) else { continue }
            try setting.apply(text, &self)
        }
        try checkCombinations()
    }

    private func checkCombinations() throws {
        if databaseURL != nil, jwtSecret == nil {
            // Each instance would make a secret of its own, and refuse the tokens of every other.
            throw SettingsError(key: "jwt.secret", value: "", expected: "a secret of at least 32 bytes, the same on every instance, when DATABASE_URL is set")
        }
        for kind in [modelBackend, modelFallback].compactMap({ $0 }) {
            if kind == .openai, openAIBaseURL == nil {
                throw SettingsError(key: "openai.baseUrl", value: "", expected: "the OpenAI-compatible server's URL (e.g. http://127.0.0.1:8080/v1) when the openai backend is used")
            }
            if kind == .workersAI, workersAIAccountId?.isEmpty ?? true {
                throw SettingsError(key: "workers.ai.accountId", value: "", expected: "your Cloudflare account id when the workers-ai backend is used")
            }
        }
    }
}
