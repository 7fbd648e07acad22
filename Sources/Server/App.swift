import ArgumentParser
import Foundation
import Hummingbird
import ProjectFiles

/// `server`: runs the AI Worker API with the settings of `SettingsOptions`; `server import-d1` migrates
/// accounts and keys from the original worker.
@main
struct ServerCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "server",
        abstract: "The AI Worker API reference server: accounts, API keys and chat completions.",
        discussion: """
            Each setting is read from its flag, else its environment variable, else a .env file in the \
            working directory, else its default. No setting is needed to start.
            """,
        version: ProjectFiles.versionLine,
        subcommands: [MigrateCommand.self, ImportD1Command.self, InternalsBenchCommand.self])

    @OptionGroup var settings: SettingsOptions

    func run() async throws {
        do {
            let appSettings = try AppSettings(reader: try await settings.reader())
            appSettings.logFormat.bootstrap(level: appSettings.logLevel)
            let app = try await buildApplication(settings: appSettings)
            try await app.runService()
        } catch let error as any StartupError {
            FileHandle.standardError.write(Data("server: \(error.description)\n".utf8))
            throw ExitCode(2)
        }
    }
}
