import ArgumentParser
import Foundation
import Logging

/// `server migrate`: brings the database's schema up to date and exits, for deployments that migrate before they
/// start (or roll out) the instances. Starting an instance migrates too; either way, instances that migrate at the
/// same time do it one after the other (SQLite's write lock, PostgreSQL's advisory lock).
struct MigrateCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "migrate",
        abstract: "Apply the database's pending schema migrations (DATABASE_URL's PostgreSQL, else DATABASE_PATH's SQLite) and exit.",
        discussion: SettingsFlags.subcommandDiscussion)

    @ParentCommand var server: ServerCommand

    func run() async throws {
        do {
            let appSettings = try await SettingsSources.settings(flags: server.settings.values)
            print(try await appSettings.database.migrate(logger: Logger(label: "ai-worker.migrate")))
        } catch let error as any StartupError {
            throw error.reported(by: "server migrate")
        }
    }
}
