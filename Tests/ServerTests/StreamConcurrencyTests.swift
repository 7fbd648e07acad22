import AsyncHTTPClient
import Foundation
import Glibc
import Hummingbird
import HummingbirdTesting
import NIOCore
import NIOHTTP1
import SharedTestSupport
import Testing

@testable import AIWorkerServer

/// Many long streams at once over real sockets: the stream caps, the upstream pool, a client that leaves while the
/// model is silent, and request bodies that trickle.
@Suite("Streams under concurrency")
struct StreamConcurrencyTests {
    static let streamed = #"{"stream":true,"messages":[{"role":"user","content":"one two three four five six"}]}"#

    /// A streamed chat request held open over a client of its own: its status and headers, what came first, and
    /// the rest of the body (read until the stream ends or the client is shut down). A stream a test drops (one
    /// that failed half-way) shuts its client down as it goes: a client dropped without one traps.
    final class HeldStream: Sendable {
        let http: HTTPClient
        let status: Int
        let headers: HTTPHeaders
        let first: String
        let rest: Task<String, any Error>

        init(http: HTTPClient, status: Int, headers: HTTPHeaders, first: String, rest: Task<String, any Error>) {
            (self.http, self.status, self.headers, self.first, self.rest) = (http, status, headers, first, rest)
        }

        deinit {
            rest.cancel()
            Task { [http] in try? await http.shutdown() }
        }

        static func open(port: Int, token: String, body: String = StreamConcurrencyTests.streamed) async throws -> HeldStream {
            let http = HTTPClient(eventLoopGroupProvider: .singleton)
            var request = HTTPClientRequest(url: "http://127.0.0.1:\(port)/chat/completions")
            request.method = .POST
            request.headers.add(name: "Authorization", value: "Bearer \(token)")
            request.headers.add(name: "Content-Type", value: "application/json")
            request.body = .bytes(ByteBuffer(string: body))
            let response: HTTPClientResponse
            let first: String
            var iterator: HTTPClientResponse.Body.AsyncIterator
            do {
                response = try await http.execute(request, timeout: .seconds(120))
                iterator = response.body.makeAsyncIterator()
                first = try await iterator.next().map { String(buffer: $0) } ?? ""
            } catch {
                try? await http.shutdown()
                throw error
            }
            let rest = Task { [iterator] in
                var iterator = iterator
                var text = ""
                while let piece = try await iterator.next() { text += String(buffer: piece) }
                return text
            }
            return HeldStream(http: http, status: Int(response.status.code), headers: response.headers, first: first, rest: rest)
        }

        /// A stream answered 200, opened as soon as a place is free (within 20 s); nil if none became free.
        static func openOnceFree(port: Int, token: String) async -> HeldStream? {
            let deadline = ContinuousClock.now + .seconds(20)
            while ContinuousClock.now < deadline {
                if let stream = try? await open(port: port, token: token) {
                    if stream.status == 200 { return stream }
                    _ = try? await stream.finish()
                }
                try? await Task.sleep(for: .milliseconds(50))
            }
            return nil
        }

        /// Reads the stream to its end; what came after the first piece.
        func finish() async throws -> String {
            defer { Task { try? await http.shutdown() } }
            return try await rest.value
        }

        /// Leaves: the connection is closed.
        func leave() async throws {
            rest.cancel()
            try await http.shutdown()
        }
    }

    /// Polls `condition` every 50 ms until it holds or `seconds` pass; whether it held.
    static func eventually(seconds: Int = 20, _ condition: () async throws -> Bool) async rethrows -> Bool {
        let deadline = ContinuousClock.now + .seconds(seconds)
        while ContinuousClock.now < deadline {
            if try await condition() { return true }
            try? await Task.sleep(for: .milliseconds(50))
        }
        return try await condition()
    }

    @Test func oneUserHoldsAtMostItsStreamsAndTheServerAtMostItsOwn() async throws {
        let settings = ["chat.maxConcurrentStreamsPerPrincipal": "2", "chat.maxConcurrentStreams": "3", "mock.delayMs": "30000"]
        let app = try await buildApplication(reader: testReader(settings))
        try await app.test(.live) { client in
            let port = try #require(client.port)
            let alice = try await client.registerUser()
            let bob = try await client.registerUser()
            let carol = try await client.registerUser()
            let aliceKey = try await client.createKey(token: alice.token)
            let held = [try await HeldStream.open(port: port, token: alice.token), try await HeldStream.open(port: port, token: aliceKey.key)]
            #expect(held.map(\.status) == [200, 200])
            // A key of hers counts with her sessions: a third stream is hers too.
            let third = try await HeldStream.open(port: port, token: alice.token)
            #expect(third.status == 429)
            #expect(third.headers.first(name: "Retry-After").flatMap(Int.init) ?? 0 >= 1)
            #expect(try await (third.first + third.finish()).contains(#""code":"too_many_streams""#))
            let bobs = try await HeldStream.open(port: port, token: bob.token)
            #expect(bobs.status == 200, "another user still has room")
            let carols = try await HeldStream.open(port: port, token: carol.token)
            #expect(carols.status == 503, "the server holds three in all")
            #expect(carols.headers.first(name: "Retry-After") != nil)
            #expect(try await (carols.first + carols.finish()).contains(#""code":"streams_busy""#))
            let metrics = try await client.execute(uri: "/metrics", method: .get).body
            #expect(String(buffer: metrics).contains(#"chat_streams_refused_total{cap="user"} 1"#))
            #expect(String(buffer: metrics).contains(#"chat_streams_refused_total{cap="server"} 1"#))
            // Her streams end when she leaves: her places come back.
            for stream in held { try await stream.leave() }
            try await bobs.leave()
            try await #require(await HeldStream.openOnceFree(port: port, token: alice.token)).leave()
        }
    }

    /// One user's streams write, together, at most CHAT_MAX_STREAM_BYTES_PER_SECOND_PER_PRINCIPAL once the first
    /// second's worth is spent (a lower bound on their time, which a busy machine only lengthens).
    @Test func aUsersStreamsShareItsBandwidth() async throws {
        let rate = 50_000
        let app = try await buildApplication(reader: testReader(["chat.maxStreamBytesPerSecondPerPrincipal": String(rate)]))
        try await app.test(.live) { client in
            let port = try #require(client.port)
            let alice = try await client.registerUser()
            // 3,000 words, an event each: some 90 KB a stream, which the mock makes at once.
            let words = (0..<3_000).map { "w\($0)" }.joined(separator: " ")
            let body = #"{"stream":true,"messages":[{"role":"user","content":"\#(words)"}]}"#
            let start = ContinuousClock.now
            let hers = [try await HeldStream.open(port: port, token: alice.token, body: body), try await HeldStream.open(port: port, token: alice.token, body: body)]
            var bytes = 0
            for stream in hers {
                #expect(stream.status == 200)
                bytes += try await (stream.first + stream.finish()).utf8.count
            }
            let took = ContinuousClock.now - start
            #expect(bytes > 3 * rate, "\(bytes) bytes: too few to measure the rate")
            // Her bucket starts full (one second's worth): the rest cannot have been written faster than the rate.
            #expect(took.seconds >= Double(bytes - rate) / Double(rate) * 0.95, "\(bytes) bytes in \(took)")
        }
    }

    /// Each user has a bucket of their own: one user's debt does not make another's stream wait, and a user's
    /// bucket refills at the rate.
    @Test func eachUserDrawsOnABucketOfTheirOwn() throws {
        let slots = ChatStreamSlots(perPrincipal: 4, total: 8, bytesPerSecond: 1_000)
        let hers = try slots.take(userId: "alice")
        let his = try slots.take(userId: "bob")
        let start = ContinuousClock.now
        #expect(slots.debit(userId: "alice", bytes: 3_000, now: start) == .seconds(2), "a second's worth at once, then the rate")
        #expect(slots.debit(userId: "bob", bytes: 500, now: start) == nil, "his bucket is still full")
        #expect(slots.debit(userId: "alice", bytes: 0, now: start + .seconds(1)) == .seconds(1), "a second repays a second's worth")
        hers.permit.free()
        his.permit.free()
        #expect(slots.debit(userId: "alice", bytes: 1, now: start) == nil, "no streams left: no bucket kept")
    }

    @Test func aClientThatLeavesWhileTheModelIsSilentCancelsTheUpstreamAtOnce() async throws {
        // One piece, then 30 s of silence: without watching the inbound side, nothing would notice for 30 s.
        let upstream = TestUpstream(.stream(events: 2, pause: .seconds(30), cut: false))
        try await upstream.run { upstreamPort in
            let app = try await buildApplication(reader: testReader(ModelBackendTests.workersAI(port: upstreamPort, ["upstream.timeout": "120"])))
            try await app.test(.live) { client in
                let user = try await client.registerUser()
                let stream = try await HeldStream.open(port: try #require(client.port), token: user.token)
                #expect(stream.status == 200 && stream.first.contains("piece0"))
                let left = ContinuousClock.now
                try await stream.leave()
                #expect(await Self.eventually(seconds: 10) { upstream.streamAbandoned.withLock { $0 } })
                let noticed = ContinuousClock.now - left
                // Within a second on an idle machine; the bound leaves room for a loaded one, far below the 30 s pause.
                #expect(noticed < .seconds(10), "the upstream saw the client leave after \(noticed)")
                let metrics = String(buffer: try await client.execute(uri: "/metrics", method: .get).body)
                #expect(metrics.contains("chat_streams_abandoned_total 1"))
                #expect(metrics.contains("chat_active_streams 0"))
            }
        }
    }

    @Test func requestsPastTheUpstreamPoolWaitThenGet503UpstreamBusy() async throws {
        let upstream = TestUpstream(.stream(events: 2, pause: .seconds(30), cut: false))
        try await upstream.run { upstreamPort in
            let settings = ModelBackendTests.workersAI(port: upstreamPort, ["upstream.timeout": "120", "upstream.maxConnections": "2", "upstream.poolTimeout": "1"])
            let app = try await buildApplication(reader: testReader(settings))
            try await app.test(.live) { client in
                let port = try #require(client.port)
                let user = try await client.registerUser()
                let held = [try await HeldStream.open(port: port, token: user.token), try await HeldStream.open(port: port, token: user.token)]
                #expect(held.map(\.status) == [200, 200])
                let third = try await HeldStream.open(port: port, token: user.token)
                #expect(third.status == 503)
                #expect(third.headers.first(name: "Retry-After") == "1")
                #expect(try await (third.first + third.finish()).contains(#""code":"upstream_busy""#))
                let metrics = String(buffer: try await client.execute(uri: "/metrics", method: .get).body)
                #expect(metrics.contains(#"upstream_busy_total{backend="workers-ai"} 1"#))
                #expect(metrics.contains(#"upstream_connections_in_use{backend="workers-ai"} 2"#))
                #expect(metrics.contains("upstream_connection_wait_seconds"))
                // A connection comes back when a stream ends, and the next request gets it.
                try await held[0].leave()
                try await #require(await HeldStream.openOnceFree(port: port, token: user.token)).leave()
                try await held[1].leave()
            }
        }
    }

    /// The HTTP client's own default pool held 8 connections per host, and the ninth request failed as
    /// "unreachable" after the connect timeout: with default settings, twelve long streams all complete.
    @Test func moreStreamsThanTheOldPoolOfEightAllComplete() async throws {
        let upstream = TestUpstream(.stream(events: 4, pause: .milliseconds(500), cut: false))
        try await upstream.run { upstreamPort in
            let app = try await buildApplication(reader: testReader(ModelBackendTests.workersAI(port: upstreamPort, ["upstream.connectTimeout": "1"])))
            try await app.test(.live) { client in
                let port = try #require(client.port)
                let users = try await (0..<3).asyncMap { _ in try await client.registerUser() }
                let bodies = try await withThrowingTaskGroup(of: (Int, String).self) { group in
                    for index in 0..<12 {
                        group.addTask {
                            let stream = try await HeldStream.open(port: port, token: users[index % 3].token)
                            return (stream.status, stream.first + (try await stream.finish()))
                        }
                    }
                    return try await group.reduce(into: []) { $0.append($1) }
                }
                #expect(bodies.count == 12)
                #expect(bodies.allSatisfy { $0.0 == 200 && $0.1.contains("piece3") && $0.1.hasSuffix("data: [DONE]\n\n") })
            }
        }
    }

    /// The gateway's everyday load: a thousand long streams at once through one instance with default settings
    /// (64 users with an API key each, each user under the per-user cap), every one answered 200 and read to its end. Each stream holds four
    /// descriptors in this process (client, server, upstream client, upstream server).
    @Test func aThousandConcurrentStreamsAllComplete() async throws {
        try Self.allowOpenFiles(8_192)
        let upstream = TestUpstream(.stream(events: 3, pause: .seconds(2), cut: false))
        // The 64 users and their API keys are written into the database directly: registering them would cost 64
        // bcrypt hashes, which a busy machine running the other suites takes longer over than a client waits.
        let database = try await TestDatabase.fresh()
        let keys = try await withStorage(try await testReader(database)) { storage in
            try await (0..<64).asyncMap { index in
                let user = try await storage.users.create(email: "streamer-\(index)@example.com", passwordHash: "not a login")
                let secret = APIKeySecret.make()
                _ = try await storage.apiKeys.create(userId: user.id, name: "streams", keyHash: secret.hash, prefix: secret.prefix, maxActive: 1)
                return secret.key
            }
        }
        // Thousands of files open at once: no child process may start meanwhile (see ChildProcesses).
        try await ChildProcesses.holdingManyFiles { try await upstream.run { upstreamPort in
            let app = try await buildApplication(reader: testReader(database.merging(ModelBackendTests.workersAI(port: upstreamPort, ["upstream.timeout": "300"])) { $1 }))
            try await app.test(.live) { client in
                let port = try #require(client.port)
                var configuration = HTTPClient.Configuration(timeout: .init(connect: .seconds(60)))
                configuration.connectionPool = .init(idleTimeout: .seconds(60), concurrentHTTP1ConnectionsPerHostSoftLimit: 1_100)
                let http = HTTPClient(eventLoopGroupProvider: .singleton, configuration: configuration)
                defer { Task { try? await http.shutdown() } }
                let answers = try await withThrowingTaskGroup(of: (Int, Bool, String).self) { group in
                    for index in 0..<1_000 {
                        group.addTask {
                            var request = HTTPClientRequest(url: "http://127.0.0.1:\(port)/chat/completions")
                            request.method = .POST
                            request.headers.add(name: "X-API-Key", value: keys[index % keys.count])
                            request.headers.add(name: "Content-Type", value: "application/json")
                            request.body = .bytes(ByteBuffer(string: Self.streamed))
                            let response = try await http.execute(request, timeout: .seconds(240))
                            let text = String(buffer: try await response.body.collect(upTo: 1 << 20))
                            return (Int(response.status.code), text.contains("piece2") && text.hasSuffix("data: [DONE]\n\n"), text)
                        }
                    }
                    return try await group.reduce(into: []) { $0.append($1) }
                }
                let refused = answers.filter { $0.0 != 200 }
                #expect(refused.isEmpty, "\(refused.count) answers not 200, the first: \(refused.first.map { "\($0.0) \($0.2)" } ?? "")")
                #expect(answers.filter(\.1).count == 1_000, "every stream read to its [DONE]")
                let metrics = String(buffer: try await client.execute(uri: "/metrics", method: .get).body)
                #expect(metrics.contains("chat_active_streams 0"))
            }
        } }
    }

    /// Raises this process's soft limit of open files to `count` (within the hard limit).
    static func allowOpenFiles(_ count: UInt) throws {
        var limit = rlimit()
        getrlimit(Int32(RLIMIT_NOFILE.rawValue), &limit)
        guard limit.rlim_cur < count else { return }
        try #require(limit.rlim_max >= count, "this test needs \(count) open files; the hard limit is \(limit.rlim_max)")
        limit.rlim_cur = rlim_t(count)
        setrlimit(Int32(RLIMIT_NOFILE.rawValue), &limit)
    }

    @Test func aBodyThatTricklesPastTheBodyTimeoutIs408() async throws {
        let app = try await buildApplication(reader: testReader(["http.bodyTimeout": "1", "http.idleTimeout": "30"]))
        try await app.test(.live) { client in
            let head = "POST /register HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 60\r\n\r\n"
            let start = ContinuousClock.now
            // A byte every 300 ms: each well inside the idle timeout, the whole far past the body timeout.
            let result = try await ConnectionLimitTests.exchange(
                port: try #require(client.port), send: Array(head.utf8), trickle: Array(#"{"email":"slow@example.com","password":"slow"}"#.utf8),
                every: .milliseconds(300), waitSeconds: 20)
            #expect(result.answer.hasPrefix("HTTP/1.1 408"), "\(result.answer)")
            #expect(result.answer.contains(#""code":"body_timeout""#))
            #expect(result.closed, "the connection is closed: the client cannot hold it by trickling on")
            #expect(ContinuousClock.now - start < .seconds(15))
        }
    }

    @Test func aBodyThatStopsIsCutAtTheBodyTimeout() async throws {
        // The idle timeout is far away: only the body timeout can end this before the client's own wait.
        let app = try await buildApplication(reader: testReader(["http.bodyTimeout": "1", "http.idleTimeout": "600"]))
        try await app.test(.live) { client in
            let request = "POST /register HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 60\r\n\r\n{\"email\""
            let start = ContinuousClock.now
            let result = try await ConnectionLimitTests.exchange(port: try #require(client.port), send: Array(request.utf8), waitSeconds: 120)
            #expect(result.answer.hasPrefix("HTTP/1.1 408"), "after \(ContinuousClock.now - start): \(result.answer)")
            #expect(result.answer.contains(#""code":"body_timeout""#))
            #expect(result.closed, "the connection is closed")
        }
    }

    @Test func malformedChunkedFramingIs400WithAJSONBody() async throws {
        let app = try await buildApplication(reader: testReader())
        try await app.test(.live) { client in
            let request = "POST /register HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\nZZ\r\n{}\r\n0\r\n\r\n"
            let result = try await ConnectionLimitTests.exchange(port: try #require(client.port), send: Array(request.utf8), waitSeconds: 10)
            #expect(result.answer.hasPrefix("HTTP/1.1 400"), "\(result.answer)")
            #expect(result.answer.contains(#""code":"malformed_body""#))
            #expect(result.answer.components(separatedBy: "HTTP/1.1").count == 2, "one answer, then the connection is closed")
        }
    }
}
