import ArgumentParser
import Foundation
import ProjectFiles
import JSONValues

/// `specrunner fuzz`: seeded, bounded positive and negative testing of a deployment, generated from the spec;
/// with `--stateful`, random sequences of operations checked against a model of the accounts and keys.
struct FuzzCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "fuzz",
        abstract: "Send generated requests (valid ones, ones breaking one schema keyword, broken encodings, bad credentials, unlisted methods) and report each broken promise of the spec by class.",
        discussion: """
            Finding classes: \(Fuzzer.FindingClass.allCases.map(\.rawValue).joined(separator: ", ")); with --stateful: \
            \(Self.statefulClasses.joined(separator: ", ")). Credentials come from the set-up \
            scenario's variables (or --var) named after the spec's security schemes. The same --seed and --count send \
            the same requests.
            """)

    /// The finding classes of `--stateful`: the resource lifecycles', then the account model's own.
    static var statefulClasses: [String] {
        let resources = ResourceExplorer.FindingClass.allCases.map(\.rawValue)
        return resources + StatefulExplorer.FindingClass.allCases.map(\.rawValue).filter { !resources.contains($0) }
    }

    @Option(help: "The deployment to fuzz; only loopback addresses unless --allow-remote.")
    var baseURL: String

    @OptionGroup var location: SpecLocation

    @OptionGroup var deployment: SettingsOption

    @Option(help: "A scenario (a path, or 'none') run first; its variables named after security schemes are the credentials. Default: the built-in spec/fuzz-setup.yaml with the built-in spec, none otherwise.")
    var setup: String?

    @OptionGroup var variables: VariableOptions

    @OptionGroup var headers: HeaderOptions

    @Option(help: "Only these operations (repeatable): an operationId or 'METHOD /path'.")
    var operation: [String] = []

    @Option(help: "Leave out these operations (repeatable): an operationId or 'METHOD /path'.")
    var exclude: [String] = []

    @Flag(help: "Lifecycles of every collection the spec describes (created, read, listed, updated, deleted) checked against what a resource must do, and for this project's API random sequences against a model of users and their keys, instead of single requests.")
    var stateful = false

    @Option(help: "Seed of the generated requests (default: random, printed).")
    var seed: UInt64?

    @Option(help: "Requests to send (with --stateful: sequences to run).")
    var count = 2_000

    @Option(help: "Stop after this many seconds even if --count is not reached.")
    var duration = 120.0

    @Option(help: "Requests in flight at once.")
    var jobs = 4

    @Option(help: "Write each finding, shrunk, as a scenario file into this folder (replay with --scenarios DIR).")
    var saveFailures: String?

    @Option(name: .customLong("report"), help: ArgumentHelp("Also write a report (repeatable): json=PATH (every finding, grouped by operation and class), junit=PATH (a testcase per operation) or html=PATH (one page for people).", valueName: "format=path"))
    var reports: [ReportOption] = []

    @Flag(help: "Allow a base URL that is not on this machine.")
    var allowRemote = false

    func validate() throws {
        try LoopbackTarget.check(baseURL, allowRemote: allowRemote, why: "fuzzing sends thousands of odd requests")
        guard (1...1_000_000).contains(count), duration > 0, (1...64).contains(jobs) else {
            throw ValidationError("--count 1...1000000, --duration > 0 and --jobs 1...64")
        }
        try ReportOption.check(reports, formats: [.json, .junit, .html])
    }

    func run() async throws {
        try await SpecRunnerError.reporting(execute)
    }

    private func execute() async throws {
        let spec = try deployment.load(applyingTo: try location.load().0).spec
        let base = try await ConformanceRun.reachableBase(baseURL)
        let seed = self.seed ?? UInt64.random(in: 1...UInt64(UInt32.max))
        // A --header that carries a security scheme's credential is that scheme's credential (so that the fuzzer can
        // also leave it out or break it); the other headers go with every request.
        let split = spec.credentials(in: headers.values)
        let executor = HTTPExecutor(extraHeaders: split.others)
        defer { Task { try? await executor.shutdown() } }
        let selected = try operations(of: spec)
        let setupScenario = try loadSetup()
        let setUp = try await runSetup(setupScenario, spec: spec, base: base, headers: split.others)
        var known = setUp.variables
        known.merge(variables.values) { $1 }
        known.merge(split.credentials) { $1 }
        let schemes = Set((spec.document["components"]?["securitySchemes"]?.objectValue ?? [:]).keys)
        let credentials = known.filter { schemes.contains($0.key) }
        print("Fuzzing \(base) with seed \(seed)\(stateful ? " (stateful)" : ""): up to \(count) \(stateful ? "sequences" : "requests") in \(Int(duration)) s, \(jobs) at a time; "
            + "\(selected.count) operations; credentials for \(credentials.keys.sorted().joined(separator: ", ").ifEmpty("no scheme"))")
        let deadline = ContinuousClock.now + .seconds(duration)
        var report = setUp.report
        if stateful {
            // Lifecycles of every collection the spec describes (any API), and for this project's API its model of
            // accounts and keys on top.
            let resources = ResourceExplorer(
                fuzzer: Fuzzer(spec: spec, baseURL: base, seed: seed, credentials: credentials, knownValues: known), executor: executor)
            let accounts = StatefulExplorer.applies(to: spec) ? try StatefulExplorer(spec: spec, baseURL: base, seed: seed, executor: executor) : nil
            guard !resources.resources.isEmpty || accounts != nil else {
                throw SpecRunnerError.invalidInput("--stateful found no collection in the spec (a POST on /things with an item operation on /things/{id}, "
                    + "linked by OpenAPI links or by an id in the create's answer or its Location header)")
            }
            for line in resources.description { print("  resource \(line)") }
            var combined = FuzzReport()
            if !resources.resources.isEmpty {
                combined.merge(await resources.run(count: count, deadline: deadline))
            }
            if let accounts {
                print("  and the model of accounts and API keys")
                combined.merge(await accounts.run(count: count, deadline: deadline, jobs: jobs, save: saveFailures))
            }
            report.merge(combined)
        } else {
            let fuzzer = Fuzzer(spec: spec, baseURL: base, seed: seed, credentials: credentials, operations: selected, knownValues: known)
            let writer = FailureScenario(
                spec: spec, setupSteps: setupScenario?.document["steps"]?.arrayValue ?? [], credentials: credentials)
            var run = FuzzRun(fuzzer: fuzzer, executor: executor, writer: writer)
            if let setupScenario {
                let (given, headers) = (variables.values, split.others)
                run.renew = { try? await FuzzSetUp.run(setupScenario.scenario, spec: spec, baseURL: base, given: given, headers: headers).variables }
            }
            report.merge(await run.run(count: count, deadline: deadline, jobs: jobs, save: saveFailures))
        }
        print(report.console())
        for destination in reports {
            switch destination.format {
            case .json: try destination.write(report.json(seed: seed, baseURL: base))
            case .junit: try destination.write(report.junit(operations: selected.map(\.id), seed: seed))
            case .html: try destination.write(HTMLReport.fuzz(report, seed: seed, baseURL: base, repeatCommand: repeatCommand(base: base, seed: seed)))
            }
        }
        print("Repeat with: \(repeatCommand(base: base, seed: seed))")
        print("Fuzz: \(report.passedCount) passed, \(report.failedCount) failed")
        if report.failedCount > 0 { throw SpecRunnerError.conformance }
    }

    /// The operations to fuzz, by `--operation` and `--exclude`; an unknown name is an error.
    private func operations(of spec: OpenAPISpec) throws -> [OpenAPISpec.Operation] {
        func find(_ name: String) throws -> OpenAPISpec.Operation {
            guard let found = spec.operation(named: name) else {
                throw SpecRunnerError.invalidInput("no operation '\(name)' in the spec (give an operationId or 'METHOD /path')")
            }
            return found
        }
        let chosen = try operation.isEmpty ? spec.operations.values.sorted { $0.id < $1.id } : operation.map(find)
        let excluded = Set(try exclude.map(find).map(\.id))
        let result = chosen.filter { !excluded.contains($0.id) }
        guard !result.isEmpty else { throw SpecRunnerError.invalidInput("--operation and --exclude leave no operation to fuzz") }
        return result
    }

    /// The set-up scenario: the named file, none, or the built-in one when the spec is the built-in one.
    private func loadSetup() throws -> ScenarioLoader.Loaded? {
        do {
            switch setup {
            case "none": return nil
            case let path?: return try ScenarioLoader.load(file: URL(fileURLWithPath: path))
            case nil:
                guard location.spec == nil, let text = ProjectFiles.file("spec/fuzz-setup.yaml") else { return nil }
                return try ScenarioLoader.load(text: text, file: "fuzz-setup.yaml")
            }
        } catch let error as SpecError {
            throw SpecRunnerError.invalidInput(error.description)
        }
    }

    /// Runs the set-up scenario: its variables, and its failed steps as findings; a scenario that cannot run stops the run.
    private func runSetup(
        _ loaded: ScenarioLoader.Loaded?, spec: OpenAPISpec, base: String, headers: [(name: String, value: String)]
    ) async throws -> FuzzSetUp {
        guard let loaded else { return FuzzSetUp() }
        do {
            return try await FuzzSetUp.run(loaded.scenario, spec: spec, baseURL: base, given: variables.values, headers: headers)
        } catch let error as SpecError {
            throw SpecRunnerError.invalidInput(error.description)
        }
    }

    /// The command line that repeats this run exactly.
    private func repeatCommand(base: String, seed: UInt64) -> String {
        var parts = ["specrunner fuzz --base-url \(base) --seed \(seed) --count \(count) --duration \(Int(duration)) --jobs \(jobs)"]
        if let spec = location.spec { parts.append("--spec \(spec)") }
        if let scenarios = location.scenarios { parts.append("--scenarios \(scenarios)") }
        if let setup { parts.append("--setup \(setup)") }
        if stateful { parts.append("--stateful") }
        parts += operation.map { "--operation '\($0)'" } + exclude.map { "--exclude '\($0)'" }
        parts += variables.names.map { "--var \($0)=…" } + headers.values.map { "--header '\($0.name): …'" }
        parts += reports.map { "--report \($0)" }
        if let saveFailures { parts.append("--save-failures \(saveFailures)") }
        if allowRemote { parts.append("--allow-remote") }
        return parts.joined(separator: " ")
    }
}

extension String {
    func ifEmpty(_ replacement: String) -> String { isEmpty ? replacement : self }
}
