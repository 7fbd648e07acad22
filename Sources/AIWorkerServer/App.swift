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
        discussion: """
            No setting is needed to start. Each setting is read from its flag (given before or after a subcommand), \
            else its environment variable, else a .env file in the working directory, else its default.
            """,
        version: ProjectFiles.versionLine,
        subcommands: [MigrateCommand.self, ImportD1Command.self, UsersCommand.self, KeysCommand.self])

    /// The settings given as flags, for this command and its subcommands.
    @OptionGroup var settings: SettingsFlags

    public init() {}

    /// Runs the command line; every usage error exits 2. ArgumentParser offers "did you mean" among the options of
    /// the command that met the misspelt one, so a settings flag misspelt after a subcommand is offered the closest
    /// setting here.
    public static func runFromCommandLine() async {
        await mainExitingTwoOnUsageErrors(otherOptions: Setting.all.map(\.flag))
    }

    public func run() async throws {
        do {
            let appSettings = try await SettingsSources.settings(flags: settings.values)
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
