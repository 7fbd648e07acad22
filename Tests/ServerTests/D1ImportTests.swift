import Crypto
import Foundation
import GRDB
import Hummingbird
import HummingbirdTesting
import Logging
import SharedTestSupport
import Testing

@testable import AIWorkerServer

@Suite("Import from the original's D1 export")
struct D1ImportTests {
    /// The original's unsalted SHA-256, base64.
    static func legacyHash(_ password: String) -> String {
        Data(SHA256.hash(data: Data(password.utf8))).base64EncodedString()
    }

    static let aliceKey = "sk-AbCdEfGhIjKlMnOpQrStUvWxYz012345"
    static let revokedKey = "sk-ZyXwVuTsRqPoNmLkJiHgFeDcBa987654"

    /// What `wrangler d1 export` writes for the original's schema.
    static let wranglerExport = """
        PRAGMA defer_foreign_keys=TRUE;
        CREATE TABLE users (id TEXT PRIMARY KEY, email TEXT UNIQUE NOT NULL, password TEXT NOT NULL, created_at DATETIME DEFAULT CURRENT_TIMESTAMP);
        INSERT INTO "users" ("id","email","password","created_at") VALUES('V1StGXR8_Z5jdHi6B-myT','alice@example.com','\(legacyHash("secret123"))','2026-11-29 06:56:40');
        INSERT INTO "users" ("id","email","password","created_at") VALUES('aB3dE5gH7jK9mN1pQ3sT5','Bob@Example.com','\(legacyHash("hunter2"))','2026-11-29 06:57:00');
        INSERT INTO "users" ("id","email","password","created_at") VALUES('badEmail_0123456789ab','not-an-email','\(legacyHash("x"))','2026-11-29 06:58:00');
        CREATE TABLE api_keys (id TEXT PRIMARY KEY, user_id TEXT NOT NULL, key TEXT UNIQUE NOT NULL, name TEXT NOT NULL, active BOOLEAN DEFAULT 1, created_at DATETIME DEFAULT CURRENT_TIMESTAMP, FOREIGN KEY (user_id) REFERENCES users(id));
        INSERT INTO "api_keys" ("id","user_id","key","name","active","created_at") VALUES('key1_0123456789abcdefg','V1StGXR8_Z5jdHi6B-myT','\(aliceKey)','my key',1,'2026-11-29 06:59:00');
        INSERT INTO "api_keys" ("id","user_id","key","name","active","created_at") VALUES('key2_0123456789abcdefg','V1StGXR8_Z5jdHi6B-myT','\(revokedKey)','old key',0,'2026-11-29 07:00:00');
        INSERT INTO "api_keys" ("id","user_id","key","name","active","created_at") VALUES('key3_0123456789abcdefg','nobody','sk-orphan000000000000000000000000','orphan',1,'2026-11-29 07:01:00');
        """

    struct Fixture {
        let path: String
        let database: any DatabaseWriter
    }

    static func fixture() throws -> Fixture {
        let path = try temporaryFolder().appendingPathComponent("import.sqlite").path
        return Fixture(path: path, database: try AppDatabase.open(path: path))
    }

    @Test func importsUsersAndKeysAndSaysWhatItSkipped() async throws {
        let fixture = try Self.fixture()
        let summary = try await D1Importer(target: SQLiteImportTarget(database: fixture.database), bcryptCost: 10).importDump(Self.wranglerExport)
        #expect(summary.usersImported == 2)
        #expect(summary.keysImported == 2)
        #expect(summary.skipped.count == 2)
        #expect(summary.skipped.contains { $0.contains("line 5") && $0.contains("not an email address") })
        #expect(summary.skipped.contains { $0.contains("key3") && $0.contains("its user is not in this database") })
        let stored = try await fixture.database.read { db in try String.fetchAll(db, sql: "SELECT key_hash || prefix FROM api_keys") }
        #expect(!stored.contains { $0.contains(Self.aliceKey) })
    }

    @Test func onlyPlainlyActiveKeysOfTheOriginalsShapeImportAsActive() async throws {
        let fixture = try Self.fixture()
        let user = "V1StGXR8_Z5jdHi6B-myT"
        let rows = [("k-false", "'false'"), ("k-real", "0.0"), ("k-null", "NULL"), ("k-true", "'true'"), ("k-one", "1")].enumerated().map { index, row in
            #"INSERT INTO "api_keys" ("id","user_id","key","name","active") VALUES('\#(row.0)','\#(user)','sk-\#(String(repeating: "a", count: 31))\#(index)','k',\#(row.1));"#
        }
        let dump = Self.wranglerExport + "\n" + rows.joined(separator: "\n")
            + "\n" + #"INSERT INTO "api_keys" ("id","user_id","key","name","active") VALUES('k-short','\#(user)','sk-abc','k',1);"#
        let summary = try await D1Importer(target: SQLiteImportTarget(database: fixture.database), bcryptCost: 10).importDump(dump)
        #expect(summary.skipped.contains { $0.contains("k-short") && $0.contains("32 characters") })
        let active = try await fixture.database.read { db in
            try String.fetchAll(db, sql: "SELECT id FROM api_keys WHERE active AND id LIKE 'k-%' ORDER BY id")
        }
        #expect(active == ["k-one", "k-true"])
    }

    @Test func importedUsersLogInWithOldPasswordsAndNoUnsaltedHashIsStored() async throws {
        let fixture = try Self.fixture()
        _ = try await D1Importer(target: SQLiteImportTarget(database: fixture.database), bcryptCost: 10).importDump(Self.wranglerExport)
        let imported = try await fixture.database.read { db in try String.fetchAll(db, sql: "SELECT password_hash FROM users") }
        #expect(imported.allSatisfy { $0.hasPrefix("bcrypt-sha256:$2") && !$0.contains(Self.legacyHash("secret123")) && !$0.contains(Self.legacyHash("hunter2")) })
        let app = try await buildApplication(reader: testReader(["database.path": fixture.path]))
        try await app.test(.router) { client in
            #expect(try await client.send(.post, "/login", json: #"{"email":"alice@example.com","password":"wrong one"}"#).status == .unauthorized)
            let login = try await client.send(.post, "/users/login", json: #"{"email":"alice@example.com","password":"secret123"}"#)
            #expect(login.status == .ok)
            #expect(try AuthenticationTests.userId(of: login.json()["token"] as! String) == "V1StGXR8_Z5jdHi6B-myT")
            let bob = try await client.send(.post, "/login", json: #"{"email":"bob@example.com","password":"hunter2"}"#)
            #expect(bob.status == .ok)
        }
        let hash = try await fixture.database.read { db in
            try String.fetchOne(db, sql: "SELECT password_hash FROM users WHERE id = 'V1StGXR8_Z5jdHi6B-myT'")
        }
        #expect(hash?.hasPrefix("bcrypt-sha256:$2") == true)
        #expect(hash?.contains(Self.legacyHash("secret123")) == false)
        try await app.test(.router) { client in
            // The upgraded account still logs in; the legacy form is gone.
            let again = try await client.send(.post, "/login", json: #"{"email":"alice@example.com","password":"secret123"}"#)
            #expect(again.status == .ok)
        }
    }

    @Test func importedKeysKeepWorkingAndRevokedOnesStayRevoked() async throws {
        let fixture = try Self.fixture()
        _ = try await D1Importer(target: SQLiteImportTarget(database: fixture.database), bcryptCost: 10).importDump(Self.wranglerExport)
        let app = try await buildApplication(reader: testReader(["database.path": fixture.path]))
        try await app.test(.router) { client in
            #expect(try await client.send(.post, "/chat/completions", json: helloChat, headers: apiKeyHeader(Self.aliceKey)).status == .ok)
            #expect(try await client.send(.post, "/chat/completions", json: helloChat, headers: apiKeyHeader(Self.revokedKey)).status == .unauthorized)
            let token = try await client.send(.post, "/login", json: #"{"email":"alice@example.com","password":"secret123"}"#).json()["token"] as! String
            let keys = try await client.send(.get, "/api-keys/list", headers: bearer(token)).jsonArray()
            #expect(keys.map { $0["name"] as? String } == ["my key", "old key"])
            #expect(keys.map { $0["active"] as? Bool } == [true, false])
            #expect(keys.first?["created_at"] as? String == "2026-11-29T06:59:00Z")
        }
    }

    @Test func importingTwiceChangesNothing() async throws {
        let fixture = try Self.fixture()
        _ = try await D1Importer(target: SQLiteImportTarget(database: fixture.database), bcryptCost: 10).importDump(Self.wranglerExport)
        let before = try await fixture.database.read { db in try Row.fetchAll(db, sql: "SELECT * FROM users ORDER BY id").description + Row.fetchAll(db, sql: "SELECT * FROM api_keys ORDER BY id").description }
        let again = try await D1Importer(target: SQLiteImportTarget(database: fixture.database), bcryptCost: 10).importDump(Self.wranglerExport)
        #expect(again.usersImported == 0 && again.keysImported == 0)
        #expect(again.skipped.filter { $0.contains("already imported") }.count == 4)
        let after = try await fixture.database.read { db in try Row.fetchAll(db, sql: "SELECT * FROM users ORDER BY id").description + Row.fetchAll(db, sql: "SELECT * FROM api_keys ORDER BY id").description }
        #expect(before == after)
    }

    @Test(arguments: [
        ("INSERT INTO users VALUES('a','a@example.com','x','2026-01-01 00:00:00');\nINSERT INTO users VALUES('b','b@example.com", "line 2", "never closed"),
        ("INSERT INTO users VALUES('a','a@example.com','x','2026-01-01 00:00:00');\n\nINSERT INTO users VALUES('b','b@example.com');", "line 3", "2 values for 4 columns"),
        ("INSERT INTO api_keys VALUES('k','u',randomblob(16),'n',1,'t');", "line 1", "expected a literal value"),
    ])
    func corruptFileIsRefusedNamingTheLineAndImportsNothing(sql: String, line: String, message: String) async throws {
        let fixture = try Self.fixture()
        await #expect {
            try await D1Importer(target: SQLiteImportTarget(database: fixture.database), bcryptCost: 10).importDump(sql)
        } throws: { error in
            "\(error)".contains(line) && "\(error)".contains(message)
        }
        let users = try await fixture.database.read { db in try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM users") }
        #expect(users == 0)
    }

    @Test func sqliteDumpOfTheOriginalSchemaImports() async throws {
        let folder = try temporaryFolder()
        let original = folder.appendingPathComponent("original.sqlite").path
        let script = """
            CREATE TABLE users (id TEXT PRIMARY KEY, email TEXT UNIQUE NOT NULL, password TEXT NOT NULL, created_at DATETIME DEFAULT CURRENT_TIMESTAMP);
            CREATE TABLE api_keys (id TEXT PRIMARY KEY, user_id TEXT NOT NULL, key TEXT UNIQUE NOT NULL, name TEXT NOT NULL, active BOOLEAN DEFAULT 1, created_at DATETIME DEFAULT CURRENT_TIMESTAMP);
            INSERT INTO users (id, email, password) VALUES ('u1', 'carol@example.com', '\(Self.legacyHash("it's; a \"tricky\" password"))');
            INSERT INTO api_keys (id, user_id, key, name) VALUES ('k1', 'u1', 'sk-carol000000000000000000000000000', 'carol''s key; with a semicolon');
            .dump
            """
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/sqlite3")
        process.arguments = [original]
        let input = Pipe()
        let output = Pipe()
        process.standardInput = input
        process.standardOutput = output
        try await ChildProcesses.run(process)
        let dump = try await onOwnThread {
            input.fileHandleForWriting.write(Data(script.utf8))
            try input.fileHandleForWriting.close()
            let dump = String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
            process.waitUntilExit()
            return dump
        }
        #expect(dump.contains("INSERT INTO users VALUES"))

        let fixture = try Self.fixture()
        let summary = try await D1Importer(target: SQLiteImportTarget(database: fixture.database), bcryptCost: 10).importDump(dump)
        #expect(summary.usersImported == 1 && summary.keysImported == 1 && summary.skipped.isEmpty)
        let name = try await fixture.database.read { db in try String.fetchOne(db, sql: "SELECT name FROM api_keys") }
        #expect(name == "carol's key; with a semicolon")
    }
}

/// The same import into PostgreSQL (`server import-d1` with `DATABASE_URL`), checked through the routes.
@Suite("Import from the original's D1 export into PostgreSQL", .enabled(if: TestDatabase.isPostgres, "needs TEST_DATABASE_URL"))
struct D1ImportIntoPostgresTests {
    static func importDump(_ sql: String, into database: [String: String]) async throws -> D1Importer.Summary {
        let url = try PostgresURL(try #require(database["database.url"]))
        try await PostgresStorage.migrate(url, logger: Logger(label: "test-import"))
        return try await PostgresStorage.withPool(url, timeout: .seconds(60), logger: Logger(label: "test-import")) { pool in
            try await D1Importer(target: PostgresImportTarget(pool: pool), bcryptCost: 10).importDump(sql)
        }
    }

    @Test func usersLogInKeysWorkRevokedKeysStayRevokedAndASecondImportChangesNothing() async throws {
        let database = try await TestDatabase.fresh()
        let summary = try await Self.importDump(D1ImportTests.wranglerExport, into: database)
        #expect(summary.usersImported == 2 && summary.keysImported == 2 && summary.skipped.count == 2)
        let again = try await Self.importDump(D1ImportTests.wranglerExport, into: database)
        #expect(again.usersImported == 0 && again.keysImported == 0)
        #expect(again.skipped.filter { $0.contains("already imported") }.count == 4)
        try await withApp(database) { client in
            #expect(try await client.send(.post, "/chat/completions", json: helloChat, headers: apiKeyHeader(D1ImportTests.aliceKey)).status == .ok)
            #expect(try await client.send(.post, "/chat/completions", json: helloChat, headers: apiKeyHeader(D1ImportTests.revokedKey)).status == .unauthorized)
            let login = try await client.send(.post, "/login", json: #"{"email":"alice@example.com","password":"secret123"}"#)
            #expect(login.status == .ok)
            let token = try #require(try login.json()["token"] as? String)
            let keys = try await client.send(.get, "/api-keys/list", headers: bearer(token)).jsonArray()
            #expect(keys.map { $0["active"] as? Bool } == [true, false])
            #expect(try await client.send(.post, "/login", json: #"{"email":"BOB@example.com","password":"hunter2"}"#).status == .ok)
            // The imported email is taken whatever its case.
            let taken = try await client.send(.post, "/register", json: #"{"email":"Alice@Example.com","password":"another one"}"#)
            #expect(taken.status == .conflict)
        }
    }

    @Test func aCorruptFileImportsNothing() async throws {
        let database = try await TestDatabase.fresh()
        let sql = "INSERT INTO users VALUES('a','a@example.com','\(D1ImportTests.legacyHash("x"))','2026-01-01 00:00:00');\nINSERT INTO users VALUES('b','b@example.com"
        await #expect(throws: SQLDump.ParseError.self) { try await Self.importDump(sql, into: database) }
        let valid = "INSERT INTO users VALUES('a','a@example.com','\(D1ImportTests.legacyHash("x"))','2026-01-01 00:00:00');"
        #expect(try await Self.importDump(valid, into: database).usersImported == 1, "nothing of the corrupt file was kept")
    }
}
