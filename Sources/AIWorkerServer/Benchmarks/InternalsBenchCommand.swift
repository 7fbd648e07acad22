import ArgumentParser
import Foundation
import NIOCore

/// `server-bench` (an executable of its own, not a command of `server`): times the pieces every chat request goes
/// through (build it with `-c release`), so that a regression in one of them shows as a number rather than as a
/// vague loss of requests/s. Each piece runs `--iterations` times per round; the median round is reported in ns per call.
public struct InternalsBenchCommand: AsyncParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "server-bench",
        abstract: "Time the hot pieces of a chat request (key lookup, JWT verification, body decoding, answer encoding) in ns per call.")

    @Option(help: "Calls of each piece per round.")
    var iterations = 20_000

    @Option(help: "Rounds; the median is reported.")
    var rounds = 5

    public init() {}

    public func validate() throws {
        guard (1...10_000_000).contains(iterations), (1...101).contains(rounds) else {
            throw ValidationError("--iterations 1...10000000 and --rounds 1...101")
        }
    }

    public func run() async throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("bench-internals-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: folder) }
        let path = folder.appendingPathComponent("bench.sqlite").path
        let database = try AppDatabase.open(path: path)
        let users = SQLiteUserRepository(database: database)
        let apiKeys = SQLiteAPIKeyRepository(database: database)
        let user = try await users.create(email: "bench@example.com", passwordHash: "unused")
        let made = APIKeySecret.make()
        _ = try await apiKeys.create(userId: user.id, name: "bench", keyHash: made.hash, prefix: made.prefix, maxActive: 10)
        let tokens = await SessionTokenService(secret: String(repeating: "s", count: 48), lifetime: 3_600)
        let token = try await tokens.issue(userId: user.id)
        let epoch = try SQLiteCredentialEpoch(path: path, database: database)
        let cache = CredentialCache(capacity: 10_000, ttl: .seconds(30))
        let cacheKey = CredentialCache.key(made.key)
        cache.insert(cacheKey, .init(principal: Principal(userId: user.id, credential: .apiKey(id: "k")), expiresAt: nil), epoch: try epoch.current() ?? 0)
        let body = ByteBuffer(string: #"{"messages":[{"role":"system","content":"be brief"},{"role":"user","content":"Hello there"}]}"#)
        let decoder = JSONDecoder()
        let encoder = JSONEncoder()
        encoder.outputFormatting = .withoutEscapingSlashes
        let answer = ChatController.ChatResponse(response: "[mock @cf/meta/llama-3-8b-instruct] You said: Hello there")

        print("ns per call, median of \(rounds) rounds of \(iterations) (a release build gives the meaningful figures)")
        try await measure("API key hash (SHA-256, hex)") { _ = APIKeySecret.hash(made.key) }
        try await measure("credential epoch read (SQLite, own connection)") { _ = try epoch.current() }
        try await measure("credential cache hit (epoch read, SHA-256 of the key, lookup)") { _ = cache.lookup(CredentialCache.key(made.key), epoch: try epoch.current() ?? 0) }
        try await measure("API key lookup in the database (pool read)") { _ = try await apiKeys.authenticate(keyHash: made.hash) }
        try await measure("JWT verification (jwt-kit, HS256)") { _ = await tokens.verify(token) }
        try await measure("chat body decode (JSONDecoder)") { _ = try decoder.decode(ChatCompletionRequest.self, from: body) }
        try await measure("chat body read by the plain reader (what chat uses)") { _ = ChatCompletionRequest(plain: body) }
        try await measure("chat answer encode (JSONEncoder)") { _ = try encoder.encode(["response": answer.response]) }
        try await measure("chat answer written by hand") { _ = answer.json }
        try await measure("mock answer with word counts") {
            _ = MockChatBackend.reply(ChatCompletionInput(model: "m", messages: [.init(role: .user, content: "Hello there")], maxTokens: nil, temperature: nil))
        }
        try await measure("structured log line (JSON)") { _ = StructuredLogHandler(label: "b", format: .json).render([("message", "Request"), ("hb.request.id", "0123456789abcdef"), ("hb.request.path", "/chat/completions")]) }
    }

    /// Prints the median ns per call of `body` over the rounds.
    private func measure(_ name: String, _ body: () async throws -> Void) async throws {
        var perCall: [Double] = []
        for _ in 0..<rounds {
            let start = ContinuousClock.now
            for _ in 0..<iterations { try await body() }
            perCall.append(Double((ContinuousClock.now - start).nanoseconds) / Double(iterations))
        }
        let median = perCall.sorted()[perCall.count / 2]
        print(String(format: "%10.0f  %@", median, name))
    }
}
