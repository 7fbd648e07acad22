import ArgumentParser
import GRDB
import Configuration
import Foundation
import Logging
import Testing

@testable import AIWorkerServer

@Suite("Start-up: settings, secrets, migrations")
struct StartupTests {
    let logger = Logger(label: "test")

    /// A DATABASE_URL too malformed to parse still never shows its password in the error that names it.
    @Test(arguments: ["postgres://app:s3cret@db:port/ai", "postgres://app:s3cret@pass@db/ai?sslmode=nope", "postgres://app:s3cret@/ai", "postgres//app:s3cret@db"])
    func aMalformedDatabaseURLNeverEchoesItsPassword(_ url: String) {
        do {
            _ = try PostgresURL(url)
            Issue.record("\(url) was accepted")
        } catch {
            #expect(!error.description.contains("s3cret"), "\(error.description)")
            #expect(error.description.contains("app:***@"))
        }
    }

    @Test func defaultsNeedNoConfiguration() throws {
        let settings = AppSettings()
        #expect(settings.host == "127.0.0.1")
        #expect(settings.port == 8787)
        #expect(settings.databasePath == "data/ai-worker.sqlite")
        #expect(settings.bcryptCost == 12)
        #expect(settings.modelBackend == .mock)
        #expect(settings.corsOrigins == ["*"])
    }

    @Test(arguments: [("http.port", "eighty"), ("http.port", "70000"), ("bcrypt.cost", "9"), ("model.backend", "gpt"), ("chat.defaultFormat", "xml")])
    func invalidSettingIsRefusedNamingIt(key: String, value: String) async throws {
        let reader = try await testReader([key: value])
        let error = try #require(throws: SettingsError.self) { try AppSettings(reader: reader) }
        #expect(error.description.contains(Setting.environmentName(key)))
        #expect(error.description.contains(value))
    }

    @Test func environmentNamesFollowSwiftConfiguration() {
        #expect(Setting.environmentName("http.maxBodyBytes") == "HTTP_MAX_BODY_BYTES")
        #expect(Setting.flag("chat.defaultFormat") == "--chat-default-format")
    }

    @Test func anEmptyValueIsRefusedWhereOneIsNeededAndUnsetWhereTheSettingSaysSo() throws {
        func settings(_ values: [String: String]) throws -> AppSettings {
            try AppSettings(reader: ConfigReader(provider: InMemoryProvider(values: Dictionary(uniqueKeysWithValues: values.map {
                (AbsoluteConfigKey(stringLiteral: $0), ConfigValue(.string($1), isSecret: false))
            }))))
        }
        for key in ["cors.origins", "http.host", "database.path", "model.name", "http.port", "model.backend", "model.fallback", "upstream.idleTimeout"] {
            #expect(throws: SettingsError.self, "\(key)") { try settings([key: ""]) }
        }
        let unset = try settings(["metrics.token": "", "docs.specPath": "", "openai.baseUrl": "", "database.url": "", "trusted.proxies": ""])
        #expect(unset.metricsToken == nil && unset.docsSpecPath == nil && unset.openAIBaseURL == nil && unset.databaseURL == nil)
        #expect(unset.corsOrigins == ["*"] && unset.trustedProxies.isEmpty)
        #expect(try settings(["workers.ai.baseUrl": ""]).workersAIBaseURL == AppSettings().workersAIBaseURL)
        #expect(throws: SettingsError.self, "an empty account id") { try settings(["model.backend": "workers-ai", "workers.ai.accountId": ""]) }
    }

    @Test func flagsAreTakenInBothSpellingsBeforeOrAfterASubcommandUpToTheTerminator() throws {
        let migrate = try #require(try ServerCommand.parseAsRoot(["--http-port", "0", "migrate", "--database-path=/tmp/x.sqlite"]) as? MigrateCommand)
        #expect(migrate.server.settings.values == ["http.port": "0", "database.path": "/tmp/x.sqlite"])
        let revoke = try #require(try ServerCommand.parseAsRoot(["keys", "revoke", "--jwt-ttl", "5", "AbC"]) as? KeysCommand.Revoke)
        #expect(revoke.server.settings.values == ["jwt.ttl": "5"] && revoke.id == "AbC")
        let imported = try #require(try ServerCommand.parseAsRoot(["import-d1", "--jwt-ttl=5", "--", "--http-port"]) as? ImportD1Command)
        #expect(imported.server.settings.values == ["jwt.ttl": "5"] && imported.file == "--http-port")
        #expect(throws: (any Error).self, "a flag without its value") { try ServerCommand.parseAsRoot(["migrate", "--jwt-ttl"]) }
        do {
            _ = try ServerCommand.parseAsRoot(["--htp-port", "1"])
            Issue.record("a misspelt flag was taken")
        } catch {
            let message = ServerCommand.fullMessage(for: error)
            #expect(message.contains("Did you mean '--http-port'?"), "\(message)")
        }
    }

    /// The settings' flags are ArgumentParser's own: the completion scripts complete every one of them, and a
    /// choice's values.
    @Test func completionScriptsCompleteEverySettingsFlag() {
        for shell in [CompletionShell.bash, .zsh, .fish] {
            let script = ServerCommand.completionScript(for: shell)
            let missing = Setting.all.map { String($0.flag.dropFirst(2)) }.filter { !script.contains($0) }
            #expect(missing.isEmpty, "\(shell): \(missing)")
        }
        // A choice's values are offered (bash's script has no help texts that could name them otherwise).
        let bash = ServerCommand.completionScript(for: .bash)
        #expect(bash.contains(#"'text'$'\n''json'$'\n''logfmt'"#) && bash.contains(#"'true'$'\n''false'"#))
    }

    @Test func theBinaryTakesSettingsAsFlagsAndRefusesUnknownOnes() async throws {
        let path = try temporaryFolder().appendingPathComponent("flags.sqlite").path
        let migrated = try await ServerProcess.run(["migrate", "--database-path", path])
        #expect(migrated.status == 0 && migrated.output.contains("\(path): up to date"), "\(migrated.output)")
        let bad = try await ServerProcess.run(["--http-port=70000", "--database-path", path])
        #expect(bad.status == 2 && bad.output.contains("HTTP_PORT (--http-port) = '70000'"), "\(bad.output)")
        let unknown = try await ServerProcess.run(["--no-such-setting", "1"])
        #expect(unknown.status != 0 && unknown.output.contains("--no-such-setting"), "\(unknown.output)")
    }

    @Test(arguments: ["short-secret", "your-secret-key"])
    func weakConfiguredSecretIsRefused(secret: String) {
        #expect(throws: JWTSecretError.self) {
            try JWTSecret.resolve(configured: secret, folder: nil, logger: logger)
        }
    }

    @Test func generatedSecretIsStoredPrivatelyAndReused() throws {
        let folder = try temporaryFolder()
        let first = try JWTSecret.resolve(configured: nil, folder: folder, logger: logger)
        #expect(first.utf8.count >= 32)
        let file = folder.appendingPathComponent(JWTSecret.fileName).path
        let permissions = try FileManager.default.attributesOfItem(atPath: file)[.posixPermissions] as? Int
        #expect(permissions == 0o600)
        #expect(try JWTSecret.resolve(configured: nil, folder: folder, logger: logger) == first)
    }

    @Test func anUnreadableSecretFileStopsStartUpAndIsNotReplaced() throws {
        let folder = try temporaryFolder()
        let file = folder.appendingPathComponent(JWTSecret.fileName)
        let garbage = Data([0xFF, 0xFE, 0x00, 0x41])
        try garbage.write(to: file)
        #expect(throws: JWTSecretError.self) { try JWTSecret.resolve(configured: nil, folder: folder, logger: logger) }
        #expect(try Data(contentsOf: file) == garbage)
        // A folder where the file should be cannot be read either (root ignores permissions, so this stands in).
        let other = try temporaryFolder()
        try FileManager.default.createDirectory(at: other.appendingPathComponent(JWTSecret.fileName), withIntermediateDirectories: true)
        #expect(throws: JWTSecretError.self) { try JWTSecret.resolve(configured: nil, folder: other, logger: logger) }
    }

    @Test func tokensSurviveARestartWithTheGeneratedSecret() async throws {
        let path = try temporaryFolder().appendingPathComponent("db.sqlite").path
        let reader = try await testReaderWithoutSecret(databasePath: path)
        let token = try await buildApplication(reader: reader).test(.router) { client in
            try await client.registerUser().token
        }
        let again = try await buildApplication(reader: try await testReaderWithoutSecret(databasePath: path)).test(.router) { client in
            try await client.send(.post, "/chat/completions", json: helloChat, headers: bearer(token)).status
        }
        #expect(again == .ok)
    }

    @Test func migrationsCreateTheSchemaAndRerunCleanly() throws {
        let path = try temporaryFolder().appendingPathComponent("nested/db.sqlite").path
        _ = try AppDatabase.open(path: path)
        let database = try AppDatabase.open(path: path)
        let tables = try database.read { db in
            try String.fetchAll(db, sql: "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'grdb%' ORDER BY name")
        }
        #expect(tables == ["api_keys", "credential_epoch", "revoked_sessions", "users"])
        let columns = try database.read { db in try db.columns(in: "api_keys").map(\.name) }
        #expect(Set(columns).isSuperset(of: ["key_hash", "prefix", "name", "active", "created_at", "last_used_at", "revoked_at"]))
        let journal = try database.read { db in try String.fetchOne(db, sql: "PRAGMA journal_mode") }
        #expect(journal == "wal")
    }

    @Test func generatedKeysAreRandomAndStoredOnlyAsHashes() {
        let first = APIKeySecret.make()
        let second = APIKeySecret.make()
        #expect(first.key != second.key)
        #expect(first.key.hasPrefix("sk-") && first.key.count == 46)
        #expect(first.hash == APIKeySecret.hash(first.key))
        #expect(first.hash.count == 64 && !first.hash.contains(first.key))
        #expect(first.prefix == String(first.key.prefix(10)))
    }

    @Test func negotiationFollowsQualityAndSpecificity() {
        #expect(ContentNegotiation.chatFormat(accept: nil, default: .json) == .json)
        #expect(ContentNegotiation.chatFormat(accept: "*/*", default: .text) == .text)
        #expect(ContentNegotiation.chatFormat(accept: "text/plain", default: .json) == .text)
        #expect(ContentNegotiation.chatFormat(accept: "text/*;q=0.9, application/json", default: .text) == .json)
        #expect(ContentNegotiation.chatFormat(accept: "application/json;q=0.1, text/plain", default: .json) == .text)
        #expect(ContentNegotiation.chatFormat(accept: "image/png", default: .json) == nil)
    }
}

/// Like `testReader`, but with no JWT secret so the server makes and keeps one.
private func testReaderWithoutSecret(databasePath: String) async throws -> ConfigReader {
    try await testReader(["database.path": databasePath, "jwt.secret": ""])
}
