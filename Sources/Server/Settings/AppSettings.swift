import Configuration
import Foundation
import Logging

/// Every setting of the server, read once at start-up and validated.
///
/// Values come from a `ConfigReader` (command-line flags, environment variables, a `.env` file);
/// a value that cannot be parsed is an error that names the setting, never a silent fallback to the default.
struct AppSettings: Sendable {
    var host = "127.0.0.1"
    var port = 8787
    /// SQLite file, or `:memory:` for an ephemeral database.
    var databasePath = "data/ai-worker.sqlite"
    /// `postgres://…`: PostgreSQL instead of the SQLite file, for several instances on one database.
    var databaseURL: String?
    /// Seconds a PostgreSQL operation of a request may take before the request gets 503.
    var databaseTimeout = 5
    /// HS256 secret; `nil` means "load or create one next to the database".
    var jwtSecret: String?
    /// Lifetime of issued tokens in seconds.
    var jwtTTL = 86_400
    var bcryptCost = 12
    /// Passwords hashed or checked at once, how many more may wait, and for how long before 503.
    var passwordHashConcurrency = PasswordWorkGate.defaultConcurrency
    var passwordHashQueue = 32
    var passwordHashMaxWaitSeconds = 2
    /// The nice value hashing threads run at (0 to 19): above 0, request handling wins the CPU from a login storm.
    var passwordHashNice: Int32 = PasswordWorkGate.defaultNiceness
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
    var logFormat = LogFormat.text
    /// Bearer token that `/metrics` requires; nil leaves it open (bind to loopback or set one).
    var metricsToken: String?
    /// Files served at `/openapi.json` and `/docs`; nil serves the copies built into the binary.
    var docsSpecPath: String?
    var docsHTMLPath: String?

    /// The lowest bcrypt cost accepted: below it, offline guessing becomes cheap.
    static let minimumBcryptCost = 10

    init() {}

    /// Reads and validates every setting; throws `SettingsError` naming the first bad one.
    init(reader: ConfigReader) throws {
        host = reader.string(forKey: "http.host", default: host)
        port = try Self.integer(reader, "http.port", default: port, in: 0...65_535)
        databasePath = reader.string(forKey: "database.path", default: databasePath)
        if let url = reader.string(forKey: "database.url", isSecret: true), !url.isEmpty {
            _ = try PostgresURL(url)
            databaseURL = url
        }
        databaseTimeout = try Self.integer(reader, "database.timeout", default: databaseTimeout, in: 1...300)
        jwtSecret = reader.string(forKey: "jwt.secret", isSecret: true)
        if databaseURL != nil, jwtSecret == nil {
            // Each instance would make a secret of its own, and refuse the tokens of every other.
            throw SettingsError(key: "jwt.secret", value: "", expected: "a secret of at least 32 bytes, the same on every instance, when DATABASE_URL is set")
        }
        jwtTTL = try Self.integer(reader, "jwt.ttl", default: jwtTTL, in: 60...31_536_000)
        bcryptCost = try Self.integer(reader, "bcrypt.cost", default: bcryptCost, in: Self.minimumBcryptCost...31)
        modelBackend = try Self.choice(reader, "model.backend", default: modelBackend)
        if reader.string(forKey: "model.fallback") != nil {
            modelFallback = try Self.choice(reader, "model.fallback", default: ModelBackendKind.mock)
        }
        openAIBaseURL = try Self.url(reader, "openai.baseUrl")
        openAIAPIKey = reader.string(forKey: "openai.apiKey", isSecret: true)
        workersAIBaseURL = try Self.url(reader, "workers.ai.baseUrl") ?? workersAIBaseURL
        workersAIAccountId = reader.string(forKey: "workers.ai.accountId")
        workersAIAPIToken = reader.string(forKey: "workers.ai.apiToken", isSecret: true)
        upstreamConnectTimeout = try Self.integer(reader, "upstream.connectTimeout", default: upstreamConnectTimeout, in: 1...300)
        upstreamTimeout = try Self.integer(reader, "upstream.timeout", default: upstreamTimeout, in: 1...3_600)
        if reader.string(forKey: "upstream.idleTimeout") != nil {
            upstreamIdleTimeout = try Self.integer(reader, "upstream.idleTimeout", default: 0, in: 1...3_600)
        }
        for kind in [modelBackend, modelFallback].compactMap({ $0 }) {
            if kind == .openai, openAIBaseURL == nil {
                throw SettingsError(key: "openai.baseUrl", value: "", expected: "the OpenAI-compatible server's URL (e.g. http://127.0.0.1:8080/v1) when the openai backend is used")
            }
            if kind == .workersAI, workersAIAccountId?.isEmpty ?? true {
                throw SettingsError(key: "workers.ai.accountId", value: "", expected: "your Cloudflare account id when the workers-ai backend is used")
            }
        }
        defaultModel = reader.string(forKey: "model.name", default: defaultModel)
        if let list = reader.string(forKey: "model.allowlist") {
            let names = list.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
            guard names.allSatisfy(ChatCompletionRequest.isModelName) else {
                throw SettingsError(key: "model.allowlist", value: list, expected: "a comma-separated list of model names")
            }
            modelAllowlist = names.isEmpty ? nil : Set(names)
        }
        mockDelayMilliseconds = try Self.integer(reader, "mock.delayMs", default: mockDelayMilliseconds, in: 0...60_000)
        if let origins = reader.string(forKey: "cors.origins") {
            corsOrigins = origins.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
            guard !corsOrigins.isEmpty else {
                throw SettingsError(key: "cors.origins", value: origins, expected: "'*' or a comma-separated list of origins")
            }
        }
        chatDefaultFormat = try Self.choice(reader, "chat.defaultFormat", default: chatDefaultFormat)
        maxBodyBytes = try Self.integer(reader, "http.maxBodyBytes", default: maxBodyBytes, in: 1_024...(64 << 20))
        logLevel = try Self.choice(reader, "log.level", default: logLevel)
        logFormat = try Self.choice(reader, "log.format", default: logFormat)
        authRequestsPerMinute = try Self.integer(reader, "rateLimit.authPerMinute", default: authRequestsPerMinute, in: 0...1_000_000)
        chatRequestsPerMinute = try Self.integer(reader, "rateLimit.chatPerMinute", default: chatRequestsPerMinute, in: 0...1_000_000)
        apiKeysPerUser = try Self.integer(reader, "apiKeys.perUser", default: apiKeysPerUser, in: 1...100_000)
        credentialCacheSize = try Self.integer(reader, "credentialCache.size", default: credentialCacheSize, in: 0...10_000_000)
        authFailuresPerMinute = try Self.integer(reader, "rateLimit.authFailuresPerMinute", default: authFailuresPerMinute, in: 0...1_000_000)
        if let proxies = reader.string(forKey: "trusted.proxies") {
            trustedProxies = proxies.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
        }
        passwordHashConcurrency = try Self.integer(reader, "password.hashConcurrency", default: passwordHashConcurrency, in: 1...256)
        passwordHashQueue = try Self.integer(reader, "password.hashQueue", default: passwordHashQueue, in: 0...100_000)
        passwordHashMaxWaitSeconds = try Self.integer(reader, "password.hashMaxWait", default: passwordHashMaxWaitSeconds, in: 1...60)
        passwordHashNice = Int32(try Self.integer(reader, "password.hashNice", default: Int(passwordHashNice), in: 0...19))
        loginLockoutFailures = try Self.integer(reader, "login.lockoutFailures", default: loginLockoutFailures, in: 1...1_000)
        loginLockoutSeconds = try Self.integer(reader, "login.lockoutSeconds", default: loginLockoutSeconds, in: 1...86_400)
        idleTimeoutSeconds = try Self.integer(reader, "http.idleTimeout", default: idleTimeoutSeconds, in: 1...3_600)
        chatMaxMessages = try Self.integer(reader, "chat.maxMessages", default: chatMaxMessages, in: 1...100_000)
        chatMaxCharacters = try Self.integer(reader, "chat.maxCharacters", default: chatMaxCharacters, in: 1...(64 << 20))
        metricsToken = reader.string(forKey: "metrics.token", isSecret: true).flatMap { $0.isEmpty ? nil : $0 }
        docsSpecPath = reader.string(forKey: "docs.specPath").flatMap { $0.isEmpty ? nil : $0 }
        docsHTMLPath = reader.string(forKey: "docs.htmlPath").flatMap { $0.isEmpty ? nil : $0 }
    }

    private static func integer(_ reader: ConfigReader, _ key: String, default value: Int, in range: ClosedRange<Int>) throws -> Int {
        guard let text = reader.string(forKey: ConfigKey(key)) else { return value }
        guard let number = Int(text.trimmingCharacters(in: .whitespaces)), range.contains(number) else {
            throw SettingsError(key: key, value: text, expected: "a whole number from \(range.lowerBound) to \(range.upperBound)")
        }
        return number
    }

    /// An http(s) URL without a trailing slash, or nil when unset.
    private static func url(_ reader: ConfigReader, _ key: String) throws -> String? {
        guard let text = reader.string(forKey: ConfigKey(key)), !text.isEmpty else { return nil }
        guard let url = URL(string: text), ["http", "https"].contains(url.scheme ?? ""), url.host != nil else {
            throw SettingsError(key: key, value: text, expected: "an http or https URL")
        }
        return text.hasSuffix("/") ? String(text.dropLast()) : text
    }

    private static func choice<T: RawRepresentable & CaseIterable>(_ reader: ConfigReader, _ key: String, default value: T) throws -> T
    where T.RawValue == String {
        guard let text = reader.string(forKey: ConfigKey(key)) else { return value }
        guard let choice = T(rawValue: text.lowercased()) else {
            let allowed = T.allCases.map(\.rawValue).joined(separator: ", ")
            throw SettingsError(key: key, value: text, expected: "one of \(allowed)")
        }
        return choice
    }
}

/// Which model backend answers chat requests.
enum ModelBackendKind: String, CaseIterable, Sendable {
    /// Deterministic answers, no network.
    case mock
    /// Any OpenAI-compatible `/chat/completions` server.
    case openai
    /// Cloudflare Workers AI's REST API.
    case workersAI = "workers-ai"
}

/// How a chat answer is written.
enum ChatFormat: String, CaseIterable, Sendable {
    /// `{"response": "..."}` as the README documents.
    case json
    /// The bare text as `text/plain`, as the original worker sends it.
    case text
}

/// A setting whose value cannot be used.
struct SettingsError: Error, CustomStringConvertible {
    let key: String
    let value: String
    let expected: String

    var description: String {
        "Invalid setting \(Self.environmentName(key)) (--\(Self.flagName(key))) = '\(value)': expected \(expected)."
    }

    /// `http.maxBodyBytes` -> `HTTP_MAX_BODY_BYTES`, the way swift-configuration maps keys to environment variables.
    static func environmentName(_ key: String) -> String {
        words(key).joined(separator: "_").uppercased()
    }

    /// `http.maxBodyBytes` -> `http-max-body-bytes`.
    static func flagName(_ key: String) -> String {
        words(key).joined(separator: "-").lowercased()
    }

    private static func words(_ key: String) -> [String] {
        var words: [String] = []
        for component in key.split(separator: ".") {
            var word = ""
            for character in component {
                if character.isUppercase, !word.isEmpty {
                    words.append(word)
                    word = ""
                }
                word.append(character)
            }
            words.append(word)
        }
        return words
    }
}

/// A configuration problem that stops the server at start-up with a message saying what to fix.
protocol StartupError: Error, CustomStringConvertible {}

extension SettingsError: StartupError {}
