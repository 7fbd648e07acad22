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
        try await SpecRunnerError.reporting(execute)
    }

    private func execute() async throws {
        var conformance = Conformance(baseURL: baseURL)
        conformance.spec = location.spec
        conformance.scenarios = location.scenarios
        conformance.profile = profile
        conformance.settings = deployment.settings
        conformance.filter = filter
        conformance.tag = tag
        conformance.variables = variables.values
        conformance.headers = headers.values
        conformance.jobs = jobs
        conformance.timeout = timeout
        let report = try await conformance.run { print($0) }
        let console = ConsoleReport()
        print("")
        print(console.coverage(report.result.coverage))
        if let deviations = console.deviations(report.result) {
            print("")
            print(deviations)
        }
        print("")
        print(console.summary(report.result))
        for option in reports {
            switch option.format {
            case .junit: try option.write(report.junit)
            case .json: try option.write(report.json)
            case .html: try option.write(report.html)
            }
        }
        if !report.passed { throw SpecRunnerError.conformance }
    }
}
