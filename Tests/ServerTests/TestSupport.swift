import AsyncHTTPClient
import HTTPTypes
import Configuration
import Foundation
import Hummingbird
import HummingbirdTesting
import Logging
import PostgresNIO
import Testing

@testable import AIWorkerServer

/// A secret of 40 bytes: jwt-kit traps in debug builds on HMAC keys under 32 bytes.
let testSecret = "test-secret-that-is-long-enough-0123456789"

/// A fresh folder under the system's temporary directory.
func temporaryFolder() throws -> URL {
    let url = FileManager.default.temporaryDirectory.appendingPathComponent("ai-worker-tests-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    return url
}

/// The engine the tests run on. SQLite files by default; when `TEST_DATABASE_URL` names a PostgreSQL server
/// (`postgres://USER@HOST:PORT/DATABASE`), every test that does not ask for a SQLite file by its path gets a new,
/// empty PostgreSQL database of its own there instead. CI runs the suite both ways (`.ci/run`).
enum TestDatabase {
    static let serverURL = ProcessInfo.processInfo.environment["TEST_DATABASE_URL"].flatMap { $0.isEmpty ? nil : $0 }

    static var isPostgres: Bool { serverURL != nil }

    /// A new empty database on the test server; its URL.
    static func makePostgres() async throws -> String {
        let server = try PostgresURL(try #require(serverURL))
        let name = "test_" + UUID().uuidString.replacingOccurrences(of: "-", with: "").lowercased()
        var configuration = try server.connectionConfiguration()
        configuration.tls = .disable
        let connection = try await PostgresConnection.connect(configuration: configuration, id: 1, logger: Logger(label: "test-database"))
        try await connection.query(PostgresQuery(unsafeSQL: "CREATE DATABASE \(name)"), logger: Logger(label: "test-database"))
        try await connection.close()
        return "postgres://\(server.username)\(server.password.map { ":" + $0 } ?? "")@\(server.host):\(server.port)/\(name)?sslmode=disable"
    }

    /// The settings of a new database of the engine under test.
    static func fresh() async throws -> [String: String] {
        isPostgres
            ? ["database.url": try await makePostgres()]
            : ["database.path": try temporaryFolder().appendingPathComponent("test.sqlite").path]
    }
}

/// A reader with test defaults (port 0, a new database of the engine under test, a fixed secret, the cheapest
/// allowed bcrypt cost) and the given overrides; an empty override removes the default. An override of
/// `database.path` keeps the test on that SQLite file whatever the engine under test.
func testReader(_ overrides: [String: String] = [:]) async throws -> ConfigReader {
    let database = overrides["database.path"] != nil || overrides["database.url"] != nil ? [:] : try await TestDatabase.fresh()
    var values: [String: String] = [
        "http.port": "0",
        "jwt.secret": testSecret,
        "bcrypt.cost": "10",
        "log.level": "warning",
        // Suites hash passwords side by side on two cores, some fifty at once; the gate itself is tested in
        // PasswordWorkTests.
        "password.hashMaxWait": "60", "password.hashQueue": "10000",
        // At the usual priority: suites fill both cores, and a lowered hash would starve behind them.
        "password.hashNice": "0",
        // On PostgreSQL, two hundred suites at once on two cores can keep one query waiting longer than the
        // production bound; the bound itself is tested in ScaleOutTests.
        "database.timeout": "60",
        // A few connections per instance: a couple of hundred tests run at once against one PostgreSQL server.
        "database.maxConnections": "4",
        // The live test client keeps one connection, which a test on a busy machine can leave unused for longer than
        // the production idle timeout while it works on others (the server then closes it under the client); the
        // timeout itself is tested in LimitsTests, with values of its own.
        "http.idleTimeout": "600",
    ]
    values.merge(database) { $1 }
    values.merge(overrides) { $1 }
    values = values.filter { !$0.value.isEmpty }
    return ConfigReader(
        provider: InMemoryProvider(
            values: Dictionary(uniqueKeysWithValues: values.map { (AbsoluteConfigKey(stringLiteral: $0), ConfigValue(.string($1), isSecret: false)) })))
}

/// Runs `body` against the application built from `overrides`, through the router (no socket).
func withApp<Value>(
    _ overrides: [String: String] = [:], _ body: @Sendable (any TestClientProtocol) async throws -> Value
) async throws -> Value {
    let app = try await buildApplication(reader: testReader(overrides))
    return try await app.test(.router, body)
}

/// Runs `body` with two applications on one database (a SQLite file, or a PostgreSQL database), as two instances
/// of one deployment.
func withTwoInstances(
    _ overrides: [String: String] = [:], _ body: @Sendable (_ a: any TestClientProtocol, _ b: any TestClientProtocol) async throws -> Void
) async throws {
    let database = try await TestDatabase.fresh().merging(overrides) { $1 }
    let first = try await buildApplication(reader: testReader(database))
    let second = try await buildApplication(reader: testReader(database))
    try await first.test(.router) { a in
        try await second.test(.router) { b in try await body(a, b) }
    }
}

/// Runs `body` with the storage of `reader`'s settings, its services running.
func withStorage<Value: Sendable>(_ reader: ConfigReader, _ body: @Sendable (any AppStorage) async throws -> Value) async throws -> Value {
    try await withRunningStorage(AppSettings(reader: reader), logger: Logger(label: "test-storage"), body)
}

extension TestClientProtocol {
    /// Sends `json` (any `Encodable`, or a raw string) with `Content-Type: application/json`.
    func send(
        _ method: HTTPRequest.Method, _ uri: String, json: String? = nil, headers: HTTPFields = [:]
    ) async throws -> TestResponse {
        var headers = headers
        if json != nil, headers[.contentType] == nil {
            headers[.contentType] = "application/json"
        }
        return try await execute(uri: uri, method: method, headers: headers, body: json.map { ByteBuffer(string: $0) })
    }

    /// Registers a unique user and returns the email, password and token.
    func registerUser(email: String = "user-\(UUID().uuidString.prefix(8))@example.com", password: String = "correct horse")
        async throws -> (email: String, password: String, token: String)
    {
        let response = try await send(.post, "/register", json: #"{"email":"\#(email)","password":"\#(password)"}"#)
        #expect(response.status == .ok)
        return (email, password, try #require(try response.json()["token"] as? String))
    }

    /// Creates an API key with the session token and returns the key and its id.
    func createKey(token: String, name: String = "test key") async throws -> (key: String, id: String) {
        let response = try await send(.post, "/api-keys/create", json: #"{"name":"\#(name)"}"#, headers: bearer(token))
        #expect(response.status == .ok)
        let body = try response.json()
        return (body["key"] as! String, body["id"] as! String)
    }
}

func bearer(_ token: String) -> HTTPFields {
    [.authorization: "Bearer \(token)"]
}

func apiKeyHeader(_ key: String) -> HTTPFields {
    [HTTPField.Name("X-API-Key")!: key]
}

let helloChat = #"{"messages":[{"role":"system","content":"be nice"},{"role":"user","content":"Hello there"}]}"#

extension TestResponse {
    /// The body parsed as a JSON object.
    func json() throws -> [String: Any] {
        try #require(JSONSerialization.jsonObject(with: Data(body.readableBytesView)) as? [String: Any])
    }

    /// The body parsed as a JSON array of objects.
    func jsonArray() throws -> [[String: Any]] {
        try #require(JSONSerialization.jsonObject(with: Data(body.readableBytesView)) as? [[String: Any]])
    }

    var text: String { String(buffer: body) }

    /// Checks the API's error shape and returns the code.
    func errorCode() throws -> String {
        let body = try json()
        #expect(body["error"] is String)
        #expect(headers[.contentType]?.hasPrefix("application/json") == true)
        return try #require(body["code"] as? String)
    }
}

/// Tests that mount file systems run only as root on Linux; CI (which sets `CI_REQUIRE_ALL_TESTS`) runs them
/// whatever the check says, so there they fail rather than vanish.
let requiresRoot = ConditionTrait.enabled(
    if: ProcessInfo.processInfo.environment["CI_REQUIRE_ALL_TESTS"] != nil || isRootOnLinux,
    "mounts a tmpfs, which needs root on Linux")

#if os(Linux)
let isRootOnLinux = geteuid() == 0
#else
let isRootOnLinux = false
#endif

extension Sequence {
    /// `map` with an async transform, in order.
    func asyncMap<T>(_ transform: (Element) async throws -> T) async rethrows -> [T] {
        var results: [T] = []
        for element in self { try await results.append(transform(element)) }
        return results
    }
}

/// Runs blocking work (a socket, a child process's output and exit) on a thread of its own, never on the few
/// threads Swift concurrency shares with every test and server in this process: on a 2-core machine two blocked
/// ones stall them all, and tests beside them time out.
func onOwnThread<T: Sendable>(_ body: @escaping @Sendable () throws -> T) async throws -> T {
    try await withCheckedThrowingContinuation { continuation in
        Thread { continuation.resume(with: Result { try body() }) }.start()
    }
}

/// Runs `body` with an HTTP client of its own (to make connections beside the test client's one), shut down when
/// `body` ends, however it ends: a client dropped without a shutdown traps in a debug build, which ends the whole
/// test process, every other test with it.
func withHTTPClient<T>(_ configuration: HTTPClient.Configuration = .init(), _ body: (HTTPClient) async throws -> T) async throws -> T {
    let http = HTTPClient(eventLoopGroupProvider: .singleton, configuration: configuration)
    do {
        let result = try await body(http)
        try await http.shutdown()
        return result
    } catch {
        try? await http.shutdown()
        throw error
    }
}
