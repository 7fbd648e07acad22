import ArgumentParser
import Foundation
import ProjectFiles
import JSONValues

/// `specrunner lint`: checks the spec and every scenario without a deployment.
struct LintCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "lint",
        abstract: "Check the spec (valid OpenAPI 3.1, every $ref resolves) and every scenario (schema, operations, statuses, variables).")

    @OptionGroup var location: SpecLocation

    @Option(help: "The JSON Schema of scenario files. Default: the built-in copy.")
    var scenarioSchema: String?

    func run() async throws {
        try await SpecRunnerError.reporting {
            let (spec, loaded) = try location.load()
            let schemaData = scenarioSchema.map { FileManager.default.contents(atPath: $0) } ?? ProjectFiles.file("spec/scenario.schema.json").map { Data($0.utf8) }
            guard let schemaData, let schema = try? JSONValue.parse(schemaData) else {
                throw SpecRunnerError.invalidInput("cannot read the scenario schema \(scenarioSchema ?? "(built in)")")
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
                throw SpecRunnerError.invalidInput("\(problems.count) problem\(problems.count == 1 ? "" : "s") found")
            }
            print("✔ \(location.specName): \(spec.operations.count) operations; \(loaded.count) scenarios in \(location.scenariosName) are valid")
        }
    }
}
