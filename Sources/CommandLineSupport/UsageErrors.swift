import ArgumentParser
import Foundation

extension ParsableCommand {
    /// Parses `arguments` and runs the command as ArgumentParser's own `main` does, except that a usage error (an
    /// unknown option, a missing or invalid value) exits with 2, the code both tools document for every invalid
    /// input, and an unknown option that ArgumentParser has no suggestion for gets the closest of `otherOptions`
    /// (flags the command reads itself, such as the server's settings).
    public static func mainExitingTwoOnUsageErrors(_ arguments: [String] = Array(CommandLine.arguments.dropFirst()), otherOptions: [String] = []) async {
        do {
            var command = try parseAsRoot(arguments)
            if var asyncCommand = command as? any AsyncParsableCommand {
                try await asyncCommand.run()
            } else {
                try command.run()
            }
        } catch {
            guard exitCode(for: error) == .validationFailure else { exit(withError: error) }
            var message = fullMessage(for: error)
            if !message.contains("Did you mean"), let unknown = unknownOption(in: message),
               let closest = Suggestion.closest(to: unknown, in: otherOptions)
            {
                message = message.replacingOccurrences(of: "Unknown option '\(unknown)'", with: "Unknown option '\(unknown)'. Did you mean '\(closest)'?")
            }
            FileHandle.standardError.write(Data((message + "\n").utf8))
            Foundation.exit(2)
        }
    }

    /// The option named by ArgumentParser's "Unknown option '--name'" message.
    private static func unknownOption(in message: String) -> String? {
        guard let range = message.range(of: #"Unknown option '[^']+'"#, options: .regularExpression) else { return nil }
        return String(message[range].dropFirst("Unknown option '".count).dropLast())
    }
}
