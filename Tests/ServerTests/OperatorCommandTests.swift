import AsyncHTTPClient
import Foundation
import Testing

@testable import AIWorkerServer

/// `server users delete` and `server keys revoke` against a running server on the same database: the account or
/// key is refused on the very next request, cache or not.
@Suite("Operator commands")
struct OperatorCommandTests {
    /// Key ids are base64url, so one in 64 begins with `-`: it is still the id, not an option.
    @Test func aKeyIdThatBeginsWithADashIsTheId() throws {
        func id(_ given: String...) throws -> String? {
            (try ServerCommand.parseAsRoot(["keys", "revoke"] + given) as? KeysCommand.Revoke)?.id
        }
        #expect(try id("-AbC_dEf") == "-AbC_dEf")
        #expect(try id("--xY") == "--xY")
        #expect(throws: (any Error).self) { try id("one", "two") }
    }

    @Test func deletingAUserAndRevokingAKeyTakeEffectAtOnceOnARunningServer() async throws {
        // The engine under test (PostgreSQL in CI's second pass), as environment variables for both processes.
        let database = Dictionary(uniqueKeysWithValues: try await TestDatabase.fresh().map { (Setting.environmentName($0.key), $0.value) })
            .merging(["JWT_SECRET": testSecret]) { $1 }
        let server = try await ServerProcess(environment: database)
        let http = HTTPClient(eventLoopGroupProvider: .singleton)
        defer { Task { try? await http.shutdown() } }
        let client = FaultTests.Client(http: http, base: server.baseURL)
        func chat(_ key: String) async throws -> Int {
            try await client.post("/chat/completions", helloChat, headers: [("X-API-Key", key)]).0
        }
        func register(_ email: String) async throws -> (token: String, key: String, id: String) {
            let token = try #require(FaultTests.Client.field("token", in: try await client.post("/register", #"{"email":"\#(email)","password":"secret123"}"#).1))
            let created = try await client.post("/api-keys/create", #"{"name":"k"}"#, headers: [("Authorization", "Bearer \(token)")]).1
            return (token, try #require(FaultTests.Client.field("key", in: created)), try #require(FaultTests.Client.field("id", in: created)))
        }
        let alice = try await register("alice@example.com")
        let bob = try await register("bob@example.com")
        #expect(try await chat(alice.key) == 200, "her key works, and is cached")
        #expect(try await chat(bob.key) == 200)

        let revoked = try await ServerProcess.run(["keys", "revoke", bob.id], environment: database)
        #expect(revoked.status == 0 && revoked.output.contains("revoked the API key \(bob.id)"), "\(revoked.output)")
        #expect(try await chat(bob.key) == 401, "refused on the next request")
        #expect(try await chat(alice.key) == 200, "another user's key still works")

        let deleted = try await ServerProcess.run(["users", "delete", "ALICE@example.com"], environment: database)
        #expect(deleted.status == 0 && deleted.output.contains("deleted alice@example.com"), "\(deleted.output)")
        #expect(try await chat(alice.key) == 401)
        var list = HTTPClientRequest(url: server.baseURL + "/api-keys/list")
        list.headers.add(name: "Authorization", value: "Bearer \(alice.token)")
        #expect(try await http.execute(list, timeout: .seconds(20)).status.code == 401, "her session is gone too")

        let again = try await ServerProcess.run(["users", "delete", "alice@example.com"], environment: database)
        #expect(again.status == 1 && again.output.contains("no account"), "\(again.output)")
        let unknown = try await ServerProcess.run(["keys", "revoke", "no-such-key"], environment: database)
        #expect(unknown.status == 1 && unknown.output.contains("no API key"), "\(unknown.output)")
    }
}
