import ArgumentParser
import Foundation
import Logging

// `server users delete EMAIL` and `server keys revoke ID`: what an operator does by hand, through the repositories,
// so that every instance forgets the account or key on its next request (the revocation epoch), not after
// CREDENTIAL_CACHE_TTL as a change made directly in the database would be.

/// `server users`: the operator's commands on accounts.
struct UsersCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "users", abstract: "Work on accounts in the server's database.", subcommands: [Delete.self])

    /// `server users delete EMAIL`.
    struct Delete: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Delete an account with its API keys and sessions; every instance refuses them at once.",
            discussion: SettingsFlags.subcommandDiscussion)

        @Argument(help: "The account's email (any case).")
        var email: String

        @ParentCommand var server: ServerCommand

        func run() async throws {
            let email = email.lowercased()
            try await operate("users delete", flags: server.settings.values, done: "deleted \(email), its API keys and its sessions", missing: "no account with the email \(email)") {
                try await $0.users.delete(email: email)
            }
        }
    }
}

/// `server keys`: the operator's commands on API keys.
struct KeysCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "keys", abstract: "Work on API keys in the server's database.", subcommands: [Revoke.self])

    /// `server keys revoke ID`.
    struct Revoke: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Revoke an API key, whoever owns it; every instance refuses it at once.",
            discussion: SettingsFlags.subcommandDiscussion)

        /// One id, taken as it is even when it begins with `-` (ids are base64url, so one in 64 does): ArgumentParser
        /// would read it as options, hence the array that takes what it does not recognise.
        @Argument(parsing: .allUnrecognized, help: ArgumentHelp("The key's id (as GET /api-keys/list shows it).", valueName: "id"))
        var ids: [String]

        @ParentCommand var server: ServerCommand

        var id: String { ids[0] }

        func validate() throws {
            guard ids.count == 1 else { throw ValidationError("Give one key id, not \(ids.count).") }
        }

        func run() async throws {
            let id = id
            try await operate("keys revoke", flags: server.settings.values, done: "revoked the API key \(id)", missing: "no API key with the id \(id)") { [id] in
                try await $0.apiKeys.revoke(id: id, userId: nil)
            }
        }
    }
}

/// Runs `work` on the database the settings (`flags` over the environment) name and says `done`, or `missing` with exit 1 when `work` found
/// nothing to do; a settings or start-up problem is one line and exit 2.
private func operate(_ command: String, flags: [String: String], done: String, missing: String, _ work: @Sendable (any AppStorage) async throws -> Bool) async throws {
    let found: Bool
    do {
        let settings = try await SettingsSources.settings(flags: flags)
        var logger = Logger(label: "ai-worker.\(command.replacingOccurrences(of: " ", with: "-"))")
        logger.logLevel = .warning
        found = try await withRunningStorage(settings, logger: logger, work)
    } catch let error as any StartupError {
        throw error.reported(by: "server \(command)")
    }
    print(found ? done : missing)
    if !found { throw ExitCode(1) }
}
