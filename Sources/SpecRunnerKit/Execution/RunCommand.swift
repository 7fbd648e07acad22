import ArgumentParser
import Foundation

/// `specrunner run` (the default): replays the scenarios against a deployment, checks every response against
/// the spec and the scenarios (or a profile), and reports as the chosen formats say.
struct RunCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "run", abstract: "Run the scenarios against a deployment (the default command).")

    @Option(help: "The deployment to check, e.g. http://127.0.0.1:8787.")
    var baseURL: String

    @OptionGroup var location: SpecLocation

    @Option(help: "A deployment profile: a name (e.g. original, from spec/profiles beside the scenarios) or a path to one.")
    var profile: String?

    @OptionGroup var deployment: SettingsOption

    @Option(help: "Only scenarios whose name contains this text.")
    var filter: String?

    @Option(help: "Only scenarios with this tag.")
    var tag: String?

    @Option(help: "Scenarios run at once.")
    var jobs = 4

    @Option(help: "Seconds a step may take unless the scenario says otherwise.")
    var timeout = 10.0

    @Option(name: .customLong("report"), help: ArgumentHelp("Also write a report: junit=PATH, json=PATH or html=PATH, one page for people (repeatable).", valueName: "format=path"))
    var reports: [ReportOption] = []

    @OptionGroup var variables: VariableOptions

    @OptionGroup var headers: HeaderOptions

    func validate() throws {
        guard let url = URL(string: baseURL), ["http", "https"].contains(url.scheme ?? ""), url.host != nil else {
            throw ValidationError("--base-url must be an http or https URL such as http://127.0.0.1:8787")
        }
        guard jobs >= 1 else { throw ValidationError("--jobs must be at least 1") }
        guard timeout > 0 else { throw ValidationError("--timeout must be positive") }
        try ReportOption.check(reports, formats: [.junit, .json, .html])
    }

    func run() async throws {
        try await Failure.reporting(execute)
    }

    private func execute() async throws {
        let (reference, loaded) = try location.load()
        let (settings, spec) = try deployment.load(applyingTo: reference)
        let scenarios = loaded.map(\.scenario).filter { scenario in
            (filter.map { scenario.name.contains($0) } ?? true) && (tag.map { scenario.tags.contains($0) } ?? true)
        }
        guard !scenarios.isEmpty else { throw Failure.invalidInput("no scenario matches the filter and tag given") }
        let base = try await ConformanceRun.reachableBase(baseURL)
        let console = ConsoleReport()
        print("Running \(scenarios.count) scenarios against \(base) (spec \(location.specName))")
        var run = ConformanceRun(spec: spec, scenarios: scenarios, baseURL: base)
        run.variables = variables.values
        run.headers = headers.values
        run.jobs = jobs
        run.timeout = timeout
        run.settings = settings
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
            switch report.format {
            case .junit: try report.write(MachineReports.junit(result))
            case .json: try report.write(MachineReports.json(result))
            case .html: try report.write(HTMLReport.run(result, spec: location.specName))
            }
        }
        if result.counts.failed > 0 { throw Failure.conformance }
    }
}
