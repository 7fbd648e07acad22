import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Logging
import PostgresNIO
import Testing

@testable import AIWorkerServer

/// Several instances on one database, on the engine under test (`TestDatabase`): what one instance does, the
/// others see at once, and what must be unique stays unique.
@Suite("Several instances on one database")
struct ScaleOutTests {
    @Test func fiftyConcurrentRegistrationsOfOneEmailAcrossTwoInstancesCreateOneAccount() async throws {
        try await withTwoInstances { a, b in
            let statuses = try await withThrowingTaskGroup(of: HTTPResponse.Status.self) { group in
                for index in 0..<50 {
                    let client = index.isMultiple(of: 2) ? a : b
                    // The case differs: the email is one account however it is written.
                    let email = index.isMultiple(of: 3) ? "Same@Example.COM" : "same@example.com"
                    group.addTask {
                        try await client.send(.post, "/register", json: #"{"email":"\#(email)","password":"correct horse"}"#).status
                    }
                }
                return try await group.reduce(into: []) { $0.append($1) }
            }
            // One account; every other registration sees it (409), or, on a loaded machine, waited past the hash
            // queue's bound first (503 password_check_busy: refused before any write, so no account either).
            #expect(statuses.filter { $0 == .ok }.count == 1, "\(statuses)")
            #expect(statuses.allSatisfy { [.ok, .conflict, .serviceUnavailable].contains($0) } && statuses.filter { $0 == .conflict }.count >= 25, "\(statuses)")
            for client in [a, b] {
                let login = try await client.send(.post, "/login", json: #"{"email":"SAME@example.com","password":"correct horse"}"#)
                #expect(login.status == .ok)
            }
        }
    }

    @Test func aKeyCreatedOnOneInstanceWorksOnTheOtherAtOnce() async throws {
        try await withTwoInstances { a, b in
            let user = try await a.registerUser()
            for _ in 0..<10 {
                let key = try await a.createKey(token: user.token)
                #expect(try await b.send(.post, "/chat/completions", json: helloChat, headers: apiKeyHeader(key.key)).status == .ok)
            }
            let listed = try await b.send(.get, "/api-keys/list", headers: bearer(user.token))
            #expect(try listed.jsonArray().count == 10)
        }
    }

    @Test func aLogoutOnOneInstanceEndsTheSessionOnTheOther() async throws {
        try await withTwoInstances { a, b in
            for _ in 0..<10 {
                let user = try await a.registerUser()
                #expect(try await b.send(.get, "/api-keys/list", headers: bearer(user.token)).status == .ok)
                #expect(try await a.send(.post, "/logout", headers: bearer(user.token)).status == .ok)
                #expect(try await b.send(.get, "/api-keys/list", headers: bearer(user.token)).status == .unauthorized)
            }
        }
    }

    /// `times` requests one after the other, to `a`, `b`, `a`, …; their statuses in order.
    static func alternately(
        _ a: any TestClientProtocol, _ b: any TestClientProtocol, times: Int,
        _ send: (any TestClientProtocol) async throws -> HTTPResponse.Status
    ) async throws -> [HTTPResponse.Status] {
        var statuses: [HTTPResponse.Status] = []
        for index in 0..<times { statuses.append(try await send(index.isMultiple(of: 2) ? a : b)) }
        return statuses
    }

    @Test func theChatLimitIsSharedSoInstancesDoNotMultiplyIt() async throws {
        try await withTwoInstances(["rateLimit.chatPerMinute": "4"]) { a, b in
            let user = try await a.registerUser()
            let statuses = try await Self.alternately(a, b, times: 8) {
                try await $0.send(.post, "/chat/completions", json: helloChat, headers: bearer(user.token)).status
            }
            let allowed = statuses.filter { $0 == .ok }.count
            // PostgreSQL: one allowance for both; SQLite: each process has its own (the README says so).
            #expect(allowed == (TestDatabase.isPostgres ? 4 : 8), "\(statuses)")
        }
    }

    @Test func serverMigrateAppliesTheSchemaOnceAndThenFindsItUpToDate() async throws {
        let database = try await TestDatabase.fresh()
        func migrate() async throws -> (status: Int32, output: String) {
            var environment = ["JWT_SECRET": testSecret]
            environment["DATABASE_URL"] = database["database.url"]
            environment["DATABASE_PATH"] = database["database.path"]
            return try await ServerProcess.run(["migrate"], environment: environment)
        }
        let first = try await migrate()
        #expect(first.status == 0, "\(first.output)")
        if TestDatabase.isPostgres {
            #expect(first.output.contains("applied migrations 1, 2, 3"), "\(first.output)")
            #expect(!first.output.contains(testSecret))
        }
        let second = try await migrate()
        #expect(second.status == 0 && second.output.contains("up to date"), "\(second.output)")
    }

    @Test func instancesStartingTogetherMigrateOnce() async throws {
        let database = try await TestDatabase.fresh()
        let apps = try await withThrowingTaskGroup(of: (any ApplicationProtocol).self) { group in
            for _ in 0..<4 { group.addTask { try await buildApplication(reader: testReader(database)) } }
            return try await group.reduce(into: []) { $0.append($1) }
        }
        #expect(apps.count == 4)
        try await withStorage(try await testReader(database)) { storage async throws in
            let (checks, _) = await storage.readiness()
            #expect(checks["migrations"] == "ok")
            _ = try await storage.users.create(email: "after@example.com", passwordHash: "x")
        }
    }

    @Test func theLoginLockoutIsSharedSoInstancesDoNotMultiplyGuesses() async throws {
        try await withTwoInstances(["login.lockoutFailures": "4"]) { a, b in
            let user = try await a.registerUser()
            let statuses = try await Self.alternately(a, b, times: 8) {
                try await $0.send(.post, "/login", json: #"{"email":"\#(user.email)","password":"wrong password"}"#).status
            }
            if TestDatabase.isPostgres {
                #expect(statuses.filter { $0 == .unauthorized }.count == 4, "four guesses in all: \(statuses)")
            } else {
                // SQLite: each process counts its own (the README says so).
                #expect(statuses.filter { $0 == .unauthorized }.count == 8, "\(statuses)")
            }
        }
    }
}

/// PostgreSQL only: the notification channel that carries revocations between instances.
@Suite("Revocations across instances on PostgreSQL", .enabled(if: TestDatabase.isPostgres, "needs TEST_DATABASE_URL"))
struct NotificationChannelTests {
    /// Ends the listening connections of the test's database, as a PostgreSQL restart or a network cut would.
    static func cutListeners(_ url: String) async throws {
        let server = try PostgresURL(try #require(TestDatabase.serverURL))
        let database = try PostgresURL(url).database
        let connection = try await PostgresConnection.connect(configuration: server.connectionConfiguration(), id: 2, logger: Logger(label: "test"))
        try await connection.query(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = \(database) AND application_name = \(PostgresCredentialEpoch.applicationName)",
            logger: Logger(label: "test"))
        try await connection.close()
    }

    @Test func whileTheChannelIsDownEveryCredentialIsCheckedAndTheLossIsCounted() async throws {
        let database = try await TestDatabase.fresh()
        let app = try await buildApplication(reader: testReader(database))
        let other = try await buildApplication(reader: testReader(database))
        try await app.test(.router) { a in
            try await other.test(.router) { b in
                let user = try await a.registerUser()
                let key = try await a.createKey(token: user.token)
                #expect(try await b.send(.post, "/chat/completions", json: helloChat, headers: apiKeyHeader(key.key)).status == .ok)
                try await Self.cutListeners(try #require(database["database.url"]))
                var lost = false
                for _ in 0..<200 where !lost {
                    try await Task.sleep(for: .milliseconds(10))
                    lost = try await b.send(.get, "/metrics").text.contains("credential_notifications_lost_total 1")
                }
                #expect(lost, "the loss is counted")
                // Down or already back: either way, a revocation on A is refused by B on the next request.
                #expect(try await a.send(.post, "/api-keys/revoke/\(key.id)", headers: bearer(user.token)).status == .ok)
                #expect(try await b.send(.post, "/chat/completions", json: helloChat, headers: apiKeyHeader(key.key)).status == .unauthorized)
                // The listener comes back by itself.
                var back = false
                for _ in 0..<200 where !back {
                    try await Task.sleep(for: .milliseconds(25))
                    let checks = try await b.send(.get, "/ready").json()["checks"] as? [String: String]
                    back = checks?["notifications"] == "ok"
                }
                #expect(back)
                #expect(try await b.send(.get, "/metrics").text.contains("credential_notifications_up 1"))
            }
        }
    }

    @Test func aQueryPastTheDatabaseTimeoutIs503WithRetryAfterAndTheInstanceRecovers() async throws {
        let database = try await TestDatabase.fresh()
        try await withApp(database.merging(["database.timeout": "2"]) { $1 }) { client in
            // Another session holds the users table: registrations wait for it.
            let server = try PostgresURL(try #require(database["database.url"]))
            var configuration = try server.connectionConfiguration()
            configuration.tls = .disable
            let holder = try await PostgresConnection.connect(configuration: configuration, id: 3, logger: Logger(label: "test"))
            try await holder.query("BEGIN", logger: Logger(label: "test"))
            try await holder.query("LOCK TABLE users IN ACCESS EXCLUSIVE MODE", logger: Logger(label: "test"))
            let start = ContinuousClock.now
            let waiting = try await client.send(.post, "/register", json: #"{"email":"second@example.com","password":"correct horse"}"#)
            #expect(waiting.status == .serviceUnavailable)
            #expect(try waiting.errorCode() == "storage_unavailable")
            #expect(waiting.headers[.retryAfter] != nil)
            // The 503 came while the lock is still held, so the timeout ended the wait. The bound tells 2 s from the
            // tests' usual 60 s; it is loose because two hundred tests share two cores here (a full local run once took 12.8 s).
            #expect(ContinuousClock.now - start < .seconds(30), "bounded by DATABASE_TIMEOUT, with the bcrypt hash before it")
            try await holder.query("ROLLBACK", logger: Logger(label: "test"))
            try await holder.close()
            // Back at once (on a loaded machine, within a few attempts).
            var status = HTTPResponse.Status.serviceUnavailable
            for attempt in 0..<10 where status != .ok {
                status = try await client.send(.post, "/register", json: #"{"email":"after\#(attempt)@example.com","password":"correct horse"}"#).status
            }
            #expect(status == .ok)
        }
    }
}
