import AsyncHTTPClient
import HTTPTypes
import Foundation
import Glibc
import Hummingbird
import HummingbirdTesting
import Testing

@testable import AIWorkerServer

@Suite("Abuse limits")
struct LimitsTests {
    @Test func registerAndLoginAreLimitedPerClientAddress() async throws {
        // Two a minute. The bucket is drained by requests refused before any password work (a body that is not
        // JSON still counts), so the three requests come within a few milliseconds: with registrations, a loaded
        // machine once took more than the 30 s the bucket needs to refill one request.
        try await withApp(["rateLimit.authPerMinute": "2"]) { client in
            for (index, path) in ["/register", "/users/login"].enumerated() {
                let response = try await client.send(.post, path, json: "{")
                #expect(response.status == .badRequest)
                #expect(response.headers[HTTPField.Name("X-RateLimit-Limit")!] == "2")
                #expect(response.headers[HTTPField.Name("X-RateLimit-Remaining")!] == String(1 - index))
            }
            let refused = try await client.send(.post, "/users/login", json: #"{"email":"r0@example.com","password":"secret123"}"#)
            #expect(refused.status == .tooManyRequests)
            #expect(try refused.errorCode() == "rate_limited")
            #expect(Int(refused.headers[.retryAfter] ?? "") ?? 0 >= 1)
            #expect(refused.headers[HTTPField.Name("X-RateLimit-Remaining")!] == "0")
            #expect(refused.headers[HTTPField.Name("X-RateLimit-Reset")!] != nil)
            #expect(try await client.send(.get, "/metrics").text.contains(#"rate_limit_rejections_total{scope="auth"} 1"#))
        }
    }

    @Test func chatIsLimitedPerKeyAndPerUser() async throws {
        try await withApp(["rateLimit.chatPerMinute": "2"]) { client in
            let alice = try await client.registerUser()
            let key = try await client.createKey(token: alice.token)
            #expect(try await client.send(.post, "/chat/completions", json: helloChat, headers: apiKeyHeader(key.key)).status == .ok)
            #expect(try await client.send(.post, "/v1/chat/completions", json: helloChat, headers: bearer(key.key)).status == .ok)
            let third = try await client.send(.post, "/chat/completions", json: helloChat, headers: bearer(alice.token))
            #expect(third.status == .tooManyRequests)
            #expect(third.headers[.retryAfter] != nil)
            let bob = try await client.registerUser()
            #expect(try await client.send(.post, "/chat/completions", json: helloChat, headers: bearer(bob.token)).status == .ok)
        }
    }

    @Test func repeatedFailedLoginsLockTheEmailButNotOthers() async throws {
        try await withApp(["login.lockoutFailures": "3", "login.lockoutSeconds": "60"]) { client in
            let user = try await client.registerUser()
            let other = try await client.registerUser()
            for _ in 0..<3 {
                let wrong = try await client.send(.post, "/login", json: #"{"email":"\#(user.email)","password":"wrong guess"}"#)
                #expect(wrong.status == .unauthorized)
            }
            let locked = try await client.send(.post, "/login", json: #"{"email":"\#(user.email)","password":"\#(user.password)"}"#)
            #expect(locked.status == .tooManyRequests)
            #expect(try locked.errorCode() == "login_locked")
            #expect(Int(locked.headers[.retryAfter] ?? "") ?? 0 > 50)
            let fine = try await client.send(.post, "/login", json: #"{"email":"\#(other.email)","password":"\#(other.password)"}"#)
            #expect(fine.status == .ok)
        }
    }

    @Test func throttleSlowsDownAfterAFewFailuresAndForgetsOnSuccess() async throws {
        try await withStorage(try await testReader()) { storage async throws in
        let throttle = LoginThrottle(slowAfter: 2, lockAfter: 5, lockout: .seconds(60), store: storage.limits)
        let delays = try await (0..<5).asyncMap { _ in try await throttle.reserve(email: "a", address: "1.1.1.1") }
        #expect(delays == [.zero, .zero, .milliseconds(250), .milliseconds(500), .milliseconds(750)].map { .allowed(delayOnFailure: $0) })
        guard case .locked(let retryAfter) = try await throttle.reserve(email: "A", address: "1.1.1.1") else {
            Issue.record("the sixth attempt, with the email in another case, must be refused")
            return
        }
        #expect(retryAfter > 50)
        try await throttle.recordSuccess(email: "a", address: "1.1.1.1")
        #expect(try await throttle.reserve(email: "a", address: "1.1.1.1") == .allowed(delayOnFailure: .zero))
        }
    }

    @Test func aStrangerElsewhereCannotLockTheEmailButManyAddressesMeetACeiling() async throws {
        try await withStorage(try await testReader()) { storage async throws in
        let throttle = LoginThrottle(lockAfter: 3, globalLockAfter: 6, lockout: .seconds(60), store: storage.limits)
        for _ in 0..<3 { _ = try await throttle.reserve(email: "victim@example.com", address: "attacker") }
        #expect(try await throttle.reserve(email: "victim@example.com", address: "attacker") != .allowed(delayOnFailure: .zero))
        #expect(try await throttle.reserve(email: "victim@example.com", address: "victim") == .allowed(delayOnFailure: .zero))
        for address in ["b", "c"] { _ = try await throttle.reserve(email: "victim@example.com", address: address) }
        guard case .locked = try await throttle.reserve(email: "victim@example.com", address: "d") else {
            Issue.record("six failures from all addresses lock the email everywhere")
            return
        }
        }
    }

    @Test func theThrottleHoldsAtMostItsCapWhateverTheEmails() async throws {
        let store = MemoryLimitStore(maxKeys: 100)
        let throttle = LoginThrottle(lockAfter: 5, lockout: .seconds(600), store: store)
        for index in 0..<1_000 {
            _ = try await throttle.reserve(email: String(repeating: "x", count: 200) + "\(index)@example.com", address: "10.0.0.\(index % 7)")
            #expect(store.count <= 100)
        }
        // The newest entries are the ones kept.
        _ = try await throttle.reserve(email: "last@example.com", address: "a")
        for _ in 0..<4 { _ = try await throttle.reserve(email: "last@example.com", address: "a") }
        guard case .locked = try await throttle.reserve(email: "last@example.com", address: "a") else {
            Issue.record("a fresh entry survives the cap")
            return
        }
    }

    @Test func concurrentWrongPasswordsCannotPassTheLimit() async throws {
        try await withApp(["login.lockoutFailures": "3", "login.lockoutSeconds": "60"]) { client in
            let user = try await client.registerUser()
            let statuses = try await withThrowingTaskGroup(of: HTTPResponse.Status.self) { group in
                for _ in 0..<12 {
                    group.addTask {
                        try await client.send(.post, "/login", json: #"{"email":"\#(user.email)","password":"wrong password"}"#).status
                    }
                }
                return try await group.reduce(into: []) { $0.append($1) }
            }
            #expect(statuses.filter { $0 == .unauthorized }.count == 3, "only as many guesses as the limit reach bcrypt: \(statuses)")
            #expect(statuses.filter { $0 == .tooManyRequests }.count == 9)
        }
    }

    @Test func aRefusedRequestCostsTheOtherBucketsNothing() async throws {
        try await withStorage(try await testReader()) { storage async throws in
        let limiter = RateLimiter(store: storage.limits)
        let policy = RateLimiter.Policy(capacity: 2, period: .seconds(60))
        #expect(try await limiter.take(["user"], policy: policy).allowed)
        #expect(try await limiter.take(["user"], policy: policy).allowed)
        // The user is throttled: requests with the user's key are refused, and must not drain the key's bucket.
        for _ in 0..<3 { #expect(!(try await limiter.take(["user", "key"], policy: policy).allowed)) }
        #expect(try await limiter.take(["key"], policy: policy).remaining == 1)
        #expect(try await limiter.take(["key"], policy: policy).allowed)
        }
    }

    @Test func theRateLimiterHoldsAtMostItsCapEvenWhenEveryBucketIsInUse() async throws {
        let store = MemoryLimitStore(maxKeys: 50)
        let limiter = RateLimiter(store: store)
        let policy = RateLimiter.Policy(capacity: 5, period: .seconds(3600))
        for index in 0..<500 {
            _ = try await limiter.take(["address:10.0.\(index / 256).\(index % 256)"], policy: policy)
            #expect(store.count <= 50)
        }
        // The most recent client keeps its (drained) bucket.
        for _ in 0..<5 { _ = try await limiter.take(["address:recent"], policy: policy) }
        #expect(!(try await limiter.take(["address:recent"], policy: policy).allowed))
    }

    @Test func bucketsThatRefilledAreForgottenBelowTheCapToo() async throws {
        let store = MemoryLimitStore(maxKeys: 100_000)
        let limiter = RateLimiter(store: store)
        let brief = RateLimiter.Policy(capacity: 2, period: .milliseconds(100))
        for index in 0..<100 { _ = try await limiter.take(["old:\(index)"], policy: brief) }
        let long = RateLimiter.Policy(capacity: 2, period: .seconds(3600))
        _ = try await limiter.take(["drained"], policy: long)
        #expect(store.count == 101)
        try await Task.sleep(for: .milliseconds(150))
        // A sweep comes every sweepInterval updates; a bucket expires when it would be full again.
        for _ in 0..<MemoryLimitStore.sweepInterval { _ = try await limiter.take(["busy"], policy: brief) }
        #expect(store.count <= 2, "the refilled buckets went; the drained one and the busy one may stay")
        #expect(try await limiter.take(["drained"], policy: long).remaining == 0, "a bucket still refilling is kept")
    }

    @Test func bucketsRefillOverTime() async throws {
        // In memory: the timing needs takes far quicker than the period (the shared store's takes are tested with
        // a long period in aRefusedRequestCostsTheOtherBucketsNothing).
        let limiter = RateLimiter(store: MemoryLimitStore())
        let policy = RateLimiter.Policy(capacity: 2, period: .milliseconds(400))
        #expect(try await limiter.take(["k"], policy: policy).allowed)
        #expect(try await limiter.take(["k"], policy: policy).allowed)
        let refused = try await limiter.take(["k"], policy: policy)
        #expect(!refused.allowed && refused.retryAfterSeconds >= 1)
        try await Task.sleep(for: .milliseconds(450))
        #expect(try await limiter.take(["k"], policy: policy).allowed)
    }

    @Test func messagesAreLimitedInCountAndCharacters() async throws {
        try await withApp(["chat.maxMessages": "2", "chat.maxCharacters": "10"]) { client in
            let user = try await client.registerUser()
            let many = #"{"messages":[{"role":"user","content":"a"},{"role":"user","content":"b"},{"role":"user","content":"c"}]}"#
            let tooMany = try await client.send(.post, "/chat/completions", json: many, headers: bearer(user.token))
            #expect(tooMany.status == .badRequest)
            #expect(try tooMany.errorCode() == "too_many_messages")
            #expect((try tooMany.json()["error"] as? String)?.contains("limit is 2") == true)
            let long = #"{"messages":[{"role":"user","content":"01234567890"}]}"#
            let tooLong = try await client.send(.post, "/chat/completions", json: long, headers: bearer(user.token))
            #expect(try tooLong.errorCode() == "messages_too_long")
            // One character (one grapheme) of 11 Unicode scalars: the limit counts scalars, as JSON Schema's
            // maxLength does, so a grapheme of many combining marks cannot slip past it.
            let grapheme = "e" + String(repeating: "\u{0301}", count: 10)
            let combining = try await client.send(.post, "/chat/completions", json: #"{"messages":[{"role":"user","content":"\#(grapheme)"}]}"#, headers: bearer(user.token))
            #expect(try combining.errorCode() == "messages_too_long")
            #expect((try combining.json()["error"] as? String)?.contains("11 characters") == true)
        }
    }

    /// The database and its WAL and shared-memory files are readable by the server's user only.
    @Test func theSQLiteFilesAreCreatedForTheOwnerOnly() async throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("perm-\(UUID().uuidString)")
        let path = folder.appendingPathComponent("data.sqlite").path
        try await withApp(["database.path": path]) { client in
            _ = try await client.registerUser()
        }
        for file in [path, path + "-wal", path + "-shm"] where FileManager.default.fileExists(atPath: file) {
            let mode = try #require(try FileManager.default.attributesOfItem(atPath: file)[.posixPermissions] as? Int)
            #expect(mode & 0o077 == 0, "\(file) is \(String(mode, radix: 8))")
        }
        #expect(FileManager.default.fileExists(atPath: path))
    }
}

@Suite("Concurrency")
struct ConcurrencyTests {
    @Test func fiftyConcurrentRegistrationsOfOneEmailCreateOneAccount() async throws {
        // Fifty hashes one at a time beside CI's CPU hogs took longer than the 60 s a registration may wait for one:
        // two at a time here, so every registration is judged on its email, never refused as busy.
        let app = try await buildApplication(reader: testReader(["rateLimit.authPerMinute": "0", "password.hashConcurrency": "2"]))
        try await app.test(.live) { (client: any TestClientProtocol) async throws in
            // Fifty bcrypt hashes queue on two cores (more so while other suites run): a generous timeout, since
            // this test is about correctness, not speed.
            let base = "http://127.0.0.1:\(try #require(client.port))"
            var configuration = HTTPClient.Configuration(timeout: .init(connect: .seconds(180)))
            configuration.connectionPool = .init(idleTimeout: .seconds(60), concurrentHTTP1ConnectionsPerHostSoftLimit: 50)
            let statuses = try await withHTTPClient(configuration) { http in
                try await withThrowingTaskGroup(of: Int.self) { group in
                    for _ in 0..<50 {
                        group.addTask {
                            try await FaultTests.Client(http: http, base: base, timeout: .seconds(400))
                                .post("/register", #"{"email":"race@example.com","password":"secret123"}"#).0
                        }
                    }
                    return try await group.reduce(into: [Int]()) { $0.append($1) }
                }
            }
            // One account; every other registration sees it (409), or, on a loaded machine, waited past the hash
            // queue's bound first (503 password_check_busy: refused before any write, so no account either).
            #expect(statuses.filter { $0 == 200 }.count == 1, "\(statuses)")
            #expect(statuses.allSatisfy { [200, 409, 503].contains($0) } && statuses.filter { $0 == 409 }.count >= 25, "\(statuses)")
        }
    }

    @Test func concurrentKeyCreationAndRevocationLoseNothing() async throws {
        let app = try await buildApplication(reader: testReader(["rateLimit.authPerMinute": "0"]))
        try await app.test(.live) { (client: any TestClientProtocol) async throws in
            let user = try await client.registerUser()
            // On connections of their own, each with a generous timeout: the live test client's one connection
            // answers them one after another, and a loaded machine took longer than its 20 s for the last of them.
            let base = "http://127.0.0.1:\(try #require(client.port))"
            var configuration = HTTPClient.Configuration(timeout: .init(connect: .seconds(180)))
            configuration.connectionPool = .init(idleTimeout: .seconds(60), concurrentHTTP1ConnectionsPerHostSoftLimit: 30)
            let authorization = [("Authorization", "Bearer \(user.token)")]
            try await withHTTPClient(configuration) { http in
                let api = FaultTests.Client(http: http, base: base, timeout: .seconds(180))
                let ids = try await withThrowingTaskGroup(of: String?.self) { group in
                    for index in 0..<30 {
                        group.addTask {
                            FaultTests.Client.field("id", in: try await api.post("/api-keys/create", #"{"name":"key \#(index)"}"#, headers: authorization).1)
                        }
                    }
                    return try await group.reduce(into: [String]()) { if let id = $1 { $0.append(id) } }
                }
                #expect(Set(ids).count == 30)
                let listed = try await client.send(.get, "/api-keys/list", headers: bearer(user.token)).jsonArray()
                #expect(Set(listed.compactMap { $0["id"] as? String }) == Set(ids))
                let revoked = try await withThrowingTaskGroup(of: Int.self) { group in
                    for id in ids + ids {
                        group.addTask { try await api.post("/api-keys/revoke/\(id)", "", headers: authorization).0 }
                    }
                    return try await group.reduce(into: [Int]()) { $0.append($1) }
                }
                #expect(revoked.allSatisfy { $0 == 200 }, "\(revoked)")
                let after = try await client.send(.get, "/api-keys/list", headers: bearer(user.token)).jsonArray()
                #expect(after.count == 30 && after.allSatisfy { $0["active"] as? Bool == false })
            }
        }
    }
}

@Suite("Connection limits")
struct ConnectionLimitTests {
    struct SocketError: Error {}

    /// Sends raw bytes to 127.0.0.1:`port`, then `trickle` a byte at a time `every` so often (until the server
    /// stops taking them), and returns what comes back before the server closes or `waitSeconds` pass (the blocking
    /// socket calls `onOwnThread`).
    static func exchange(
        port: Int, send bytes: [UInt8], trickle: [UInt8] = [], every: Duration = .zero, waitSeconds: Int
    ) async throws -> (answer: String, closed: Bool) {
        try await onOwnThread { try blockingExchange(port: port, send: bytes, trickle: trickle, every: every, waitSeconds: waitSeconds) }
    }

    /// `exchange` on the calling thread.
    static func blockingExchange(
        port: Int, send bytes: [UInt8], trickle: [UInt8] = [], every: Duration = .zero, waitSeconds: Int
    ) throws -> (answer: String, closed: Bool) {
        let socket = Glibc.socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(socket) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let connected = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(socket, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard connected == 0 else { throw SocketError() }
        var timeout = timeval(tv_sec: waitSeconds, tv_usec: 0)
        setsockopt(socket, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        _ = bytes.withUnsafeBytes { Glibc.send(socket, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
        for byte in trickle {
            usleep(useconds_t(every.components.seconds * 1_000_000 + every.components.attoseconds / 1_000_000_000_000))
            // Stop once something came back (the refusal) or the server closed.
            var pending: UInt8 = 0
            if recv(socket, &pending, 1, Int32(MSG_PEEK | MSG_DONTWAIT)) >= 0 { break }
            guard [byte].withUnsafeBytes({ Glibc.send(socket, $0.baseAddress, 1, Int32(MSG_NOSIGNAL)) }) == 1 else { break }
        }
        var answer = [UInt8]()
        var buffer = [UInt8](repeating: 0, count: 4096)
        while true {
            let count = recv(socket, &buffer, buffer.count, 0)
            if count == 0 { return (String(decoding: answer, as: UTF8.self), true) }
            // A reset is a close too: the server closed while bytes the client trickled were still unread.
            if count < 0 { return (String(decoding: answer, as: UTF8.self), errno == ECONNRESET) }
            answer += buffer[0..<count]
        }
    }

    @Test func aSilentConnectionIsClosedAfterTheIdleTimeout() async throws {
        let app = try await buildApplication(reader: testReader(["http.idleTimeout": "1"]))
        try await app.test(.live) { (client: any TestClientProtocol) async throws in
            let port = try #require(client.port)
            let start = ContinuousClock.now
            let result = try await Self.exchange(port: port, send: Array("GET /health HTTP/1.1\r\nHost: x\r\n".utf8), waitSeconds: 60)
            #expect(result.closed, "a half-sent request must not hold the connection")
            // Closed by the server (1 s idle timeout), well before the client's own 60 s wait: a CI machine busy with
            // other work once took 9 s to close it.
            #expect(ContinuousClock.now - start < .seconds(50))
        }
    }

    @Test func aSlowAnswerIsNotCutByTheIdleTimeout() async throws {
        let path = try temporaryFolder().appendingPathComponent("slow.sqlite").path
        let user = try await SQLiteUserRepository(database: AppDatabase.open(path: path)).create(email: "slow@example.com", passwordHash: "x")
        let token = try await SessionTokenService(secret: testSecret, lifetime: 3600).issue(userId: user.id)
        // The idle timeout counts from the connection's start until its request is read, so on a loaded machine it must
        // leave room for the server to read a request that is already waiting; the answer's own delay is twice as long.
        let app = try await buildApplication(reader: testReader(["database.path": path, "http.idleTimeout": "3", "mock.delayMs": "6000"]))
        try await app.test(.live) { (client: any TestClientProtocol) async throws in
            // One raw request on a fresh connection, so only the answer's own 6 s can exceed the 3 s idle timeout.
            let request = "POST /chat/completions HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer \(token)\r\nContent-Type: application/json\r\n"
                + "Content-Length: \(helloChat.utf8.count)\r\nConnection: close\r\n\r\n\(helloChat)"
            let start = ContinuousClock.now
            let result = try await Self.exchange(port: try #require(client.port), send: Array(request.utf8), waitSeconds: 60)
            let how = "after \(ContinuousClock.now - start), \(result.closed ? "closed by the server" : "the client's wait ran out")"
            #expect(result.answer.hasPrefix("HTTP/1.1 200"), "\(how)")
            #expect(result.answer.contains("You said: Hello there"), "\(how)")
        }
    }

    @Test func oversizedHeadersAreRefused() async throws {
        let app = try await buildApplication(reader: testReader())
        try await app.test(.live) { (client: any TestClientProtocol) async throws in
            let request = "GET /health HTTP/1.1\r\nHost: x\r\nX-Big: " + String(repeating: "a", count: 200_000) + "\r\n\r\n"
            // The refusal comes at once; the wait is for a CI machine busy with other work (10 s once ran out there).
            let result = try await Self.exchange(port: try #require(client.port), send: Array(request.utf8), waitSeconds: 60)
            #expect(result.answer.hasPrefix("HTTP/1.1 400"))
            #expect(result.closed)
        }
    }
}

@Suite("Failed authentications and client addresses")
struct FailedAuthenticationTests {
    @Test func invalidCredentialsFromOneAddressAreLimitedBeforeAnyLookup() async throws {
        try await withApp(["rateLimit.authFailuresPerMinute": "3"]) { client in
            let user = try await client.registerUser()
            let key = try await client.createKey(token: user.token)
            #expect(try await client.send(.post, "/chat/completions", json: helloChat).status == .unauthorized, "no credential is no failure")
            for index in 0..<3 {
                let garbage = index == 1 ? bearer("not.a.token") : apiKeyHeader("sk-garbage-\(index)")
                #expect(try await client.send(.post, "/chat/completions", json: helloChat, headers: garbage).status == .unauthorized)
            }
            let refused = try await client.send(.post, "/chat/completions", json: helloChat, headers: apiKeyHeader("sk-garbage-4"))
            #expect(refused.status == .tooManyRequests)
            #expect(try refused.errorCode() == "too_many_failed_authentications")
            #expect(Int(refused.headers[.retryAfter] ?? "") ?? 0 >= 1)
            let valid = try await client.send(.post, "/chat/completions", json: helloChat, headers: apiKeyHeader(key.key))
            #expect(valid.status == .tooManyRequests, "the address is refused whatever it sends until the bucket refills")
            #expect(try await client.send(.get, "/metrics").text.contains(#"rate_limit_rejections_total{scope="auth_failures"}"#))
        }
    }

    @Test func theClientIsTheRightmostForwardedAddressThatIsNotATrustedProxy() {
        let trusted: Set<String> = ["10.0.0.1", "10.0.0.2"]
        #expect(ClientAddressMiddleware.client(peer: "10.0.0.1", forwardedFor: ["203.0.113.7, 10.0.0.2"], trusted: trusted) == "203.0.113.7")
        #expect(ClientAddressMiddleware.client(peer: "10.0.0.1", forwardedFor: ["6.6.6.6", "203.0.113.7"], trusted: trusted) == "203.0.113.7",
                "what the client itself wrote in front does not count")
        #expect(ClientAddressMiddleware.client(peer: "198.51.100.9", forwardedFor: ["203.0.113.7"], trusted: trusted) == "198.51.100.9",
                "an untrusted peer cannot choose its address")
        #expect(ClientAddressMiddleware.client(peer: "10.0.0.1", forwardedFor: [], trusted: trusted) == "10.0.0.1")
    }

    /// Garbage API keys sent over a real socket from 127.0.0.1 with `X-Forwarded-For: forwarded`.
    static func garbage(_ client: any TestClientProtocol, forwarded: String) async throws -> HTTPResponse.Status {
        var headers = apiKeyHeader("sk-garbage")
        headers[.xForwardedFor] = forwarded
        return try await client.send(.post, "/chat/completions", json: helloChat, headers: headers).status
    }

    @Test func behindATrustedProxyEachForwardedClientHasItsOwnLimit() async throws {
        let app = try await buildApplication(reader: testReader(["rateLimit.authFailuresPerMinute": "2", "trusted.proxies": "127.0.0.1"]))
        try await app.test(.live) { (client: any TestClientProtocol) async throws in
            for _ in 0..<2 { #expect(try await Self.garbage(client, forwarded: "203.0.113.7") == .unauthorized) }
            #expect(try await Self.garbage(client, forwarded: "203.0.113.7") == .tooManyRequests)
            #expect(try await Self.garbage(client, forwarded: "203.0.113.8") == .unauthorized)
        }
        let untrusting = try await buildApplication(reader: testReader(["rateLimit.authFailuresPerMinute": "2"]))
        try await untrusting.test(.live) { (client: any TestClientProtocol) async throws in
            for _ in 0..<2 { #expect(try await Self.garbage(client, forwarded: "203.0.113.7") == .unauthorized) }
            #expect(try await Self.garbage(client, forwarded: "203.0.113.8") == .tooManyRequests, "without trust the header is ignored")
        }
    }
}
