import HTTPTypes
import Configuration
import Foundation
import Hummingbird
import HummingbirdTesting
import Testing

@testable import Server

/// A secret of 40 bytes: jwt-kit traps in debug builds on HMAC keys under 32 bytes.
let testSecret = "test-secret-that-is-long-enough-0123456789"

/// A fresh folder under the system's temporary directory.
func temporaryFolder() throws -> URL {
    let url = FileManager.default.temporaryDirectory.appendingPathComponent("ai-worker-tests-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    return url
}

/// A reader with test defaults (port 0, a new SQLite file, a fixed secret, the cheapest allowed bcrypt cost)
/// and the given overrides; an empty override removes the default.
func testReader(_ overrides: [String: String] = [:]) throws -> ConfigReader {
    var values: [String: String] = [
        "http.port": "0",
        "database.path": try temporaryFolder().appendingPathComponent("test.sqlite").path,
        "jwt.secret": testSecret,
        "bcrypt.cost": "10",
        "log.level": "warning",
        // Suites hash passwords side by side on two cores, some fifty at once; the gate itself is tested in
        // PasswordWorkTests.
        "password.hashMaxWait": "60", "password.hashQueue": "10000",
        // At the usual priority: suites fill both cores, and a lowered hash would starve behind them.
        "password.hashNice": "0",
    ]
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

/// Runs `body` with two applications on one SQLite file, as two instances of one deployment.
func withTwoInstances(
    _ body: @Sendable (_ a: any TestClientProtocol, _ b: any TestClientProtocol) async throws -> Void
) async throws {
    let database = try temporaryFolder().appendingPathComponent("shared.sqlite").path
    let first = try await buildApplication(reader: testReader(["database.path": database]))
    let second = try await buildApplication(reader: testReader(["database.path": database]))
    try await first.test(.router) { a in
        try await second.test(.router) { b in try await body(a, b) }
    }
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
        return (email, password, try response.json()["token"] as! String)
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
