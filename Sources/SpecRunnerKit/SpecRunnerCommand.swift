import ArgumentParser
import CommandLineSupport
import Foundation
import ProjectFiles

/// `specrunner`: checks a deployment of the AI Worker API against the spec and its scenarios.
///
/// Exit codes: 0 all passed, 1 conformance failures, 2 invalid spec, scenario or arguments, 3 target unreachable.
public struct SpecRunnerCommand: AsyncParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "specrunner",
        abstract: "Replays the spec's scenarios against a deployment and validates every response against the OpenAPI document.",
        discussion: "Exit codes: 0 all passed, 1 conformance failures, 2 invalid spec, scenario or arguments, 3 target unreachable.",
        version: ProjectFiles.versionLine,
        subcommands: [RunCommand.self, LintCommand.self, DocsCommand.self, FuzzCommand.self, BenchCommand.self],
        defaultSubcommand: RunCommand.self)

    public init() {}
}
