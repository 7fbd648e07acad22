import ArgumentParser
import CommandLineSupport
import Foundation
import Hummingbird
import ProjectFiles
import ServiceLifecycle

/// `server` (the thin `Server` executable calls `main()`): runs the AI Worker API with the settings of `Setting.all`; `server migrate` applies the schema,
/// `server import-d1` migrates accounts and keys from the original worker.
public struct ServerCommand: AsyncParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "server",
        abstract: "The AI Worker API reference server: accounts, API keys and chat completions.",
        discussion: "No setting is needed to start.\n\n" + SettingsSources.help,
        version: ProjectFiles.versionLine,
        subcommands: [MigrateCommand.self, ImportD1Command.self, UsersCommand.self, KeysCommand.self])

    public init() {}

    /// Takes the settings' flags out of the command line (they are read by `SettingsSources.reader`), and lets
    /// ArgumentParser parse the rest; a misspelt flag is offered the closest setting, and every usage error exits 2.
    public static func runFromCommandLine() async {
        do {
            await mainExitingTwoOnUsageErrors(
                try SettingsSources.split(Array(CommandLine.arguments.dropFirst())).rest, otherOptions: Setting.all.map(\.flag))
        } catch {
            FileHandle.standardError.write(Data("server: \(error)\n".utf8))
            Foundation.exit(2)
        }
    }

    public func run() async throws {
        do {
            let appSettings = try AppSettings(reader: try await SettingsSources.reader())
            appSettings.logFormat.bootstrap(level: appSettings.logLevel)
            let metrics = AppMetrics()
            let app = try await buildApplication(settings: appSettings, metrics: metrics)
            // SIGTERM and SIGINT stop new connections and let answers in flight finish for SHUTDOWN_GRACE_SECONDS;
            // then what is left (long streams) is cancelled, and the process exits. The shutdown log, last, hears
            // the signal first.
            let grace = Duration.seconds(appSettings.shutdownGraceSeconds)
            let shutdownLog = ShutdownLog(inFlight: metrics.inFlight, grace: grace, logger: app.logger)
            var configuration = ServiceGroupConfiguration(
                services: [app, shutdownLog], gracefulShutdownSignals: [.sigterm, .sigint], logger: app.logger)
            configuration.maximumGracefulShutdownDuration = grace
            configuration.maximumCancellationDuration = .seconds(5)
            do {
                try await ServiceGroup(configuration: configuration).run()
                shutdownLog.stopped()
            } catch {
                throw ListenError(error, host: appSettings.host, port: appSettings.port) ?? error
            }
        } catch let error as any StartupError {
            throw error.reported(by: "server")
        }
    }
}
