import ArgumentParser
import CommandLineSupport
import Foundation
import ProjectFiles

/// `specrunner`: checks a deployment of the AI Worker API against the spec and its scenarios.
///
/// Exit codes: 0 all passed, 1 conformance failures, 2 invalid spec, scenario or arguments, 3 target unreachable.
@main
struct SpecRunnerCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "specrunner",
        abstract: "Replays the spec's scenarios against a deployment and validates every response against the OpenAPI document.",
        discussion: "Exit codes: 0 all passed, 1 conformance failures, 2 invalid spec, scenario or arguments, 3 target unreachable.",
        version: ProjectFiles.versionLine,
        subcommands: [RunCommand.self, LintCommand.self, DocsCommand.self, FuzzCommand.self, BenchCommand.self],
        defaultSubcommand: RunCommand.self)

    /// Runs like ArgumentParser's own `main`, except that invalid arguments exit with 2 (not 64), the code this
    /// tool documents for every invalid input.
    static func main() async {
        await mainExitingTwoOnUsageErrors(Array(CommandLine.arguments.dropFirst()))
    }
}
