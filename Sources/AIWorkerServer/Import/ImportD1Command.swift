import ArgumentParser
import Foundation
import Logging

/// `server import-d1 FILE`: moves the users and API keys of the original worker into this server's database.
struct ImportD1Command: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "import-d1",
        abstract: "Import users and API keys from the original worker's D1 export (wrangler d1 export, or sqlite3 .dump).",
        discussion: """
            Runs in one transaction: a malformed file imports nothing and the error names its line. Running it \
            again changes nothing. Users keep their ids and passwords (stored as bcrypt over the original's hash; no unsalted hash is kept); \
            keys keep working (only their SHA-256 is stored) and revoked keys stay revoked.

            """ + SettingsFlags.subcommandDiscussion)

    @Argument(help: "The SQL file to import.")
    var file: String

    @ParentCommand var server: ServerCommand

    func run() async throws {
        do {
            let appSettings = try await SettingsSources.settings(flags: server.settings.values)
            let sql = try String(contentsOfFile: file, encoding: .utf8)
            let cost = appSettings.bcryptCost
            let database = appSettings.database
            let summary = try await database.withImportTarget(logger: Logger(label: "ai-worker.import")) { target in
                try await D1Importer(target: target, bcryptCost: cost).importDump(sql)
            }
            print("\(file) -> \(database.displayName)")
            print(summary)
        } catch let error as any StartupError {
            throw error.reported(by: "server import-d1")
        } catch let error as SQLDump.ParseError {
            FileHandle.standardError.write(Data("server import-d1: \(file) \(error); nothing was imported.\n".utf8))
            throw ExitCode(2)
        } catch let error as CocoaError where error.code == .fileReadNoSuchFile || error.code == .fileReadUnknown {
            FileHandle.standardError.write(Data("server import-d1: cannot read \(file).\n".utf8))
            throw ExitCode(2)
        }
    }
}
