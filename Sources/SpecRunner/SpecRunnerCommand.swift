import ArgumentParser
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

    /// Parses and runs like ArgumentParser's own `main`, except that invalid arguments exit with 2 (not 64),
    /// the code this tool documents for every invalid input.
    static func main() async {
        do {
            var command = try parseAsRoot()
            if var asyncCommand = command as? any AsyncParsableCommand {
                try await asyncCommand.run()
            } else {
                try command.run()
            }
        } catch {
            if exitCode(for: error) == .validationFailure {
                FileHandle.standardError.write(Data((fullMessage(for: error) + "\n").utf8))
                Foundation.exit(2)
            }
            exit(withError: error)
        }
    }
}

/// How the command ends when it does not pass.
enum Failure: Error, CustomStringConvertible {
    case invalidInput(String)
    case unreachable(String)
    case conformance

    var description: String {
        switch self {
        case .invalidInput(let message): "specrunner: \(message)"
        case .unreachable(let message): "specrunner: \(message)"
        case .conformance: "specrunner: conformance failures"
        }
    }

    var exitCode: ExitCode {
        switch self {
        case .conformance: ExitCode(1)
        case .invalidInput: ExitCode(2)
        case .unreachable: ExitCode(3)
        }
    }

    /// Runs a command's work, ending any failure the way `exit` does.
    static func reporting(_ work: () async throws -> Void) async throws {
        do {
            try await work()
        } catch {
            try exit(error)
        }
    }

    /// Prints the message (if any) on standard error and exits with the failure's code.
    static func exit(_ error: any Error) throws -> Never {
        guard let failure = error as? Failure else { throw error }
        if case .conformance = failure {} else {
            FileHandle.standardError.write(Data((failure.description + "\n").utf8))
        }
        throw failure.exitCode
    }
}

struct RunCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "run", abstract: "Run the scenarios against a deployment (the default command).")

    @Option(help: "The deployment to check, e.g. http://127.0.0.1:8787.")
    var baseURL: String

    @OptionGroup var location: SpecLocation

    @Option(help: "A deployment profile: a name (e.g. original, from spec/profiles beside the scenarios) or a path to one.")
    var profile: String?

    @Option(help: "Only scenarios whose name contains this text.")
    var filter: String?

    @Option(help: "Only scenarios with this tag.")
    var tag: String?

    @Option(help: "Scenarios run at once.")
    var jobs = 4

    @Option(help: "Seconds a step may take unless the scenario says otherwise.")
    var timeout = 10.0

    @Option(name: .customLong("report"), help: "Also write a report: junit=PATH or json=PATH (repeatable).")
    var reports: [String] = []

    @OptionGroup var variables: VariableOptions

    func validate() throws {
        guard let url = URL(string: baseURL), ["http", "https"].contains(url.scheme ?? ""), url.host != nil else {
            throw ValidationError("--base-url must be an http or https URL such as http://127.0.0.1:8787")
        }
        guard jobs >= 1 else { throw ValidationError("--jobs must be at least 1") }
        guard timeout > 0 else { throw ValidationError("--timeout must be positive") }
        for report in reports {
            let parts = report.split(separator: "=", maxSplits: 1)
            guard parts.count == 2, ["junit", "json"].contains(parts[0]) else {
                throw ValidationError("--report takes junit=PATH or json=PATH, not '\(report)'")
            }
        }
    }

    func run() async throws {
        try await Failure.reporting(execute)
    }

    private func execute() async throws {
        let (spec, loaded) = try location.load()
        let scenarios = loaded.map(\.scenario).filter { scenario in
            (filter.map { scenario.name.contains($0) } ?? true) && (tag.map { scenario.tags.contains($0) } ?? true)
        }
        guard !scenarios.isEmpty else { throw Failure.invalidInput("no scenario matches the filter and tag given") }
        let base = try await ConformanceRun.reachableBase(baseURL)
        let console = ConsoleReport()
        print("Running \(scenarios.count) scenarios against \(base) (spec \(location.specName))")
        var run = ConformanceRun(spec: spec, scenarios: scenarios, baseURL: base)
        run.variables = variables.values
        run.jobs = jobs
        run.timeout = timeout
        if let profile {
            do {
                run.profile = try ProfileCheck(profile: try location.profile(profile), reference: spec)
            } catch let error as SpecError {
                throw Failure.invalidInput("the profile '\(profile)': \(error.description)")
            }
        }
        let result = await run.run { scenario in
            print(console.scenarioFinished(scenario))
        }
        print("")
        print(console.coverage(result.coverage))
        if let deviations = console.deviations(result) {
            print("")
            print(deviations)
        }
        print("")
        print(console.summary(result))
        for report in reports {
            let parts = report.split(separator: "=", maxSplits: 1).map(String.init)
            let text = parts[0] == "junit" ? MachineReports.junit(result) : MachineReports.json(result)
            do {
                try FileManager.default.createDirectory(
                    at: URL(fileURLWithPath: parts[1]).deletingLastPathComponent(), withIntermediateDirectories: true)
                try text.write(toFile: parts[1], atomically: true, encoding: .utf8)
            } catch {
                throw Failure.invalidInput("cannot write the report \(parts[1]): \(error.localizedDescription)")
            }
        }
        if result.counts.failed > 0 { throw Failure.conformance }
    }
}

struct LintCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "lint",
        abstract: "Check the spec (valid OpenAPI 3.1, every $ref resolves) and every scenario (schema, operations, statuses, variables).")

    @OptionGroup var location: SpecLocation

    @Option(help: "The JSON Schema of scenario files. Default: the built-in copy.")
    var scenarioSchema: String?

    func run() async throws {
        try await Failure.reporting {
            let (spec, loaded) = try location.load()
            let schemaData = scenarioSchema.map { FileManager.default.contents(atPath: $0) } ?? ProjectFiles.file("spec/scenario.schema.json").map { Data($0.utf8) }
            guard let schemaData, let schema = try? JSONValue.parse(schemaData) else {
                throw Failure.invalidInput("cannot read the scenario schema \(scenarioSchema ?? "(built in)")")
            }
            let linter = ScenarioLinter(spec: spec, scenarioSchema: SchemaValidator(document: schema))
            let specProblems = spec.lint()
            for warning in specProblems where warning.hasPrefix("warning: ") { print("! \(location.specName): \(warning.dropFirst(9))") }
            var problems = specProblems.filter { !$0.hasPrefix("warning: ") }.map { "\(location.specName): \($0)" } + loaded.flatMap(linter.problems)
            for (file, profile) in location.profiles() {
                do {
                    let profile = try profile.get()
                    let profileProblems = profile.problems(spec: spec, scenarios: loaded.map(\.scenario))
                    problems += profileProblems.map { "\(file): \($0)" }
                    if profileProblems.isEmpty, profile.overlay != nil {
                        // The deployment's contract must itself be a valid OpenAPI document.
                        let contract = try profile.contract(from: spec)
                        problems += contract.lint().filter { !$0.hasPrefix("warning: ") }.map { "\(file): its contract: \($0)" }
                    }
                } catch {
                    problems.append("\(error)")
                }
            }
            for problem in problems { print("✘ \(problem)") }
            guard problems.isEmpty else {
                throw Failure.invalidInput("\(problems.count) problem\(problems.count == 1 ? "" : "s") found")
            }
            print("✔ \(location.specName): \(spec.operations.count) operations; \(loaded.count) scenarios in \(location.scenariosName) are valid")
        }
    }
}
