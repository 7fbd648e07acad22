import Foundation
import GRDB
import Hummingbird
import HummingbirdTesting
import Logging
import ServiceLifecycle
import Testing

@testable import AIWorkerServer

/// The credential cache and the batched `last_used_at`: repeated credentials skip the database, yet a revocation
/// made by any instance on the database is honoured on the very next request.
@Suite("Credential cache")
struct CredentialCacheTests {
    private func entry(_ user: String, expiresAt: Date? = nil) -> CredentialCache.Entry {
        .init(principal: Principal(userId: user, credential: .apiKey(id: "key-\(user)")), expiresAt: expiresAt)
    }

    @Test func aHitNeedsTheSameEpochAndAnUnexpiredToken() {
        let cache = CredentialCache(capacity: 10, ttl: .seconds(30))
        let key = CredentialCache.key("sk-one")
        #expect(cache.lookup(key, epoch: 1) == nil)
        cache.insert(key, entry("u1"), epoch: 1)
        #expect(cache.lookup(key, epoch: 1)?.userId == "u1")
        #expect(cache.lookup(CredentialCache.key("sk-One"), epoch: 1) == nil)
        #expect(cache.lookup(key, epoch: 2) == nil, "a newer epoch empties the cache")
        #expect(cache.lookup(key, epoch: 1) == nil, "and the entry is gone, whatever epoch comes next")

        let token = CredentialCache.key("a.jwt.token")
        cache.insert(token, entry("u2", expiresAt: Date(timeIntervalSince1970: 1_000)), epoch: 1)
        #expect(cache.lookup(token, epoch: 1, now: Date(timeIntervalSince1970: 999))?.userId == "u2")
        #expect(cache.lookup(token, epoch: 1, now: Date(timeIntervalSince1970: 1_000)) == nil, "expired at its exp")
    }

    @Test func anEntryIsTrustedForTheTTLAtMost() {
        let cache = CredentialCache(capacity: 10, ttl: .seconds(30))
        let start = Date(timeIntervalSince1970: 10_000)
        let key = CredentialCache.key("sk-ttl")
        #expect(cache.lookup(key, epoch: 1, now: start) == nil)
        cache.insert(key, entry("u"), epoch: 1, now: start)
        #expect(cache.lookup(key, epoch: 1, now: start.addingTimeInterval(29))?.userId == "u")
        #expect(cache.lookup(key, epoch: 1, now: start.addingTimeInterval(30)) == nil, "an API key, with no end of its own, ends at the TTL")
        let token = CredentialCache.key("a.jwt.token")
        cache.insert(token, entry("t", expiresAt: start.addingTimeInterval(3_600)), epoch: 1, now: start)
        #expect(cache.lookup(token, epoch: 1, now: start.addingTimeInterval(31)) == nil, "a token too, long before its exp")
    }

    /// A key removed in the database by hand (no revocation, so no epoch moves) stops working within the TTL.
    @Test func aKeyDeletedDirectlyInTheDatabaseStopsWorkingWithinTheTTL() async throws {
        let path = try temporaryFolder().appendingPathComponent("ttl.sqlite").path
        try await withApp(["database.path": path, "credentialCache.ttl": "1"]) { client in
            let user = try await client.registerUser()
            let key = try await client.createKey(token: user.token)
            #expect(try await client.send(.post, "/chat/completions", json: helloChat, headers: apiKeyHeader(key.key)).status == .ok)
            try await DatabaseQueue(path: path).write { try $0.execute(sql: "DELETE FROM api_keys WHERE id = ?", arguments: [key.id]) }
            #expect(await StreamConcurrencyTests.eventually(seconds: 10) {
                (try? await client.send(.post, "/chat/completions", json: helloChat, headers: apiKeyHeader(key.key)).status) == .unauthorized
            })
        }
    }

    @Test func anInsertCheckedUnderAnOlderEpochIsDropped() {
        let cache = CredentialCache(capacity: 10, ttl: .seconds(30))
        let key = CredentialCache.key("sk-two")
        _ = cache.lookup(key, epoch: 5)
        _ = cache.lookup(key, epoch: 6)
        cache.insert(key, entry("u"), epoch: 5)
        #expect(cache.lookup(key, epoch: 6) == nil)
        #expect(cache.count == 0)
    }

    @Test func theCacheHoldsAtMostItsCapacityAndKeepsWhatIsInUse() {
        let cache = CredentialCache(capacity: 100, ttl: .seconds(30))
        _ = cache.lookup(CredentialCache.key("x"), epoch: 0)
        let hot = CredentialCache.key("hot")
        cache.insert(hot, entry("hot"), epoch: 0)
        for index in 0..<10_000 {
            cache.insert(CredentialCache.key("sk-\(index)"), entry("u\(index)"), epoch: 0)
            #expect(cache.lookup(hot, epoch: 0)?.userId == "hot")
            #expect(cache.count <= 100)
        }
        #expect(cache.count >= 50)
        #expect(cache.lookup(CredentialCache.key("sk-9999"), epoch: 0)?.userId == "u9999")
        #expect(cache.lookup(CredentialCache.key("sk-0"), epoch: 0) == nil)
    }

    @Test func aKeyRevokedOnOneInstanceIsRefusedByAnotherOnItsNextRequest() async throws {
        try await withTwoInstances { a, b in
            let user = try await a.registerUser()
            for _ in 0..<25 {
                let key = try await a.createKey(token: user.token)
                for _ in 0..<3 {
                    #expect(try await b.send(.post, "/chat/completions", json: helloChat, headers: apiKeyHeader(key.key)).status == .ok)
                }
                #expect(try await a.send(.post, "/api-keys/revoke/\(key.id)", headers: bearer(user.token)).status == .ok)
                let refused = try await b.send(.post, "/chat/completions", json: helloChat, headers: apiKeyHeader(key.key))
                #expect(refused.status == .unauthorized)
                #expect(try refused.errorCode() == "invalid_api_key")
            }
        }
    }

    @Test func withTheCacheOffEveryRequestIsChecked() async throws {
        try await withApp(["credentialCache.size": "0"]) { client in
            let user = try await client.registerUser()
            let key = try await client.createKey(token: user.token)
            #expect(try await client.send(.post, "/chat/completions", json: helloChat, headers: apiKeyHeader(key.key)).status == .ok)
            #expect(try await client.send(.post, "/api-keys/revoke/\(key.id)", headers: bearer(user.token)).status == .ok)
            #expect(try await client.send(.post, "/chat/completions", json: helloChat, headers: apiKeyHeader(key.key)).status == .unauthorized)
        }
    }

    @Test func keyUseIsWrittenInOneBatchAndOnShutdown() async throws {
        try await withStorage(try await testReader()) { storage async throws in
        let repository = storage.apiKeys
        let user = try await storage.users.create(email: "usage@example.com", passwordHash: "x")
        let keys = try await (0..<3).asyncMap { index in
            try await repository.create(userId: user.id, name: "k\(index)", keyHash: "hash\(index)", prefix: "sk-", maxActive: 10)
        }
        @Sendable func lastUsed() async throws -> [String?] {
            try await repository.list(userId: user.id, after: nil, limit: nil).map(\.lastUsedAt)
        }
        let recorder = APIKeyUsageRecorder(repository: repository, interval: .seconds(3_600), logger: Logger(label: "test"))
        recorder.record(keys[0].id, at: 1_800_000_000)
        recorder.record(keys[0].id, at: 1_800_000_060)
        #expect(try await lastUsed() == [nil, nil, nil], "nothing is written on the request path")
        #expect(recorder.merge(keys).map(\.lastUsedAt) == ["2027-01-15T08:01:00Z", nil, nil], "but the list shows it at once")
        await recorder.flush()
        #expect(try await lastUsed() == ["2027-01-15T08:01:00Z", nil, nil])

        recorder.record(keys[1].id, at: 1_800_000_120)
        let group = ServiceGroup(services: [recorder], logger: Logger(label: "test"))
        try await withThrowingTaskGroup(of: Void.self) { tasks in
            tasks.addTask { try await group.run() }
            try await Task.sleep(for: .milliseconds(100))
            await group.triggerGracefulShutdown()
            try await tasks.waitForAll()
        }
        #expect(try await lastUsed() == ["2027-01-15T08:01:00Z", "2027-01-15T08:02:00Z", nil], "written on shutdown")
        }
    }

    @Test func aFullRecorderWritesWithoutWaitingForItsInterval() async throws {
        try await withStorage(try await testReader()) { storage async throws in
        let repository = storage.apiKeys
        let user = try await storage.users.create(email: "full@example.com", passwordHash: "x")
        let key = try await repository.create(userId: user.id, name: "k", keyHash: "h", prefix: "sk-", maxActive: 10)
        let recorder = APIKeyUsageRecorder(repository: repository, interval: .seconds(3_600), capacity: 1, logger: Logger(label: "test"))
        let group = ServiceGroup(services: [recorder], logger: Logger(label: "test"))
        try await withThrowingTaskGroup(of: Void.self) { tasks in
            tasks.addTask { try await group.run() }
            recorder.record(key.id, at: 1_800_000_000)
            var written: String?
            for _ in 0..<100 where written == nil {
                try await Task.sleep(for: .milliseconds(20))
                written = try await repository.list(userId: user.id, after: nil, limit: nil).first?.lastUsedAt
            }
            #expect(written == "2027-01-15T08:00:00Z")
            await group.triggerGracefulShutdown()
            try await tasks.waitForAll()
        }
        }
    }
}

/// `server-bench` runs every piece it names and prints a figure for each; `server` itself no longer has it.
@Suite("Internals benchmark harness")
struct InternalsBenchTests {
    @Test func everyPieceIsTimed() async throws {
        let (status, text) = try await ServerProcess.run(["--iterations", "3", "--rounds", "1"], product: "server-bench")
        #expect(status == 0, "\(text)")
        let rows = text.split(separator: "\n").dropFirst()
        #expect(rows.count == 11, "\(text)")
        #expect(rows.allSatisfy { $0.trimmingCharacters(in: .whitespaces).first?.isNumber == true }, "\(text)")
        #expect(text.contains("credential cache hit") && text.contains("JWT verification") && text.contains("chat answer written by hand") && text.contains("plain reader"))
        #expect(try await ServerProcess.run(["bench-internals"]).status == 2, "not a command of the production server")
    }
}
