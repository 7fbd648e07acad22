import ArgumentParser
import Foundation

/// `specrunner bench`: a scenario's steps replayed as a load against any deployment, with each step's
/// requests per second, latency percentiles and errors by status.
struct BenchCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bench",
        abstract: "Replay a scenario's steps as a load and print, per step, requests/s, latency percentiles (p50, p90, p99, p99.9, max) and errors by status.",
        discussion: """
            Each connection is a virtual user with its own copy of the scenario's variables, captures and cookies. The \
            first --once steps run once per user (its set-up); the others repeat in order until --requests or --duration. \
            With --rate, requests start on a fixed schedule and latencies count from each scheduled start (corrected for \
            coordinated omission). Exit code 1 when any answer has a status its step does not expect.
            """)

    @Option(help: "The deployment; only loopback addresses unless --allow-remote.")
    var baseURL: String

    @OptionGroup var location: SpecLocation

    @Option(help: "The scenario whose steps make the load (by name).")
    var scenario: String

    @Option(help: "How many of the first steps run once per virtual user, as its set-up, instead of repeating.")
    var once = 0

    @Option(help: "Virtual users, each on its own connection.")
    var connections = 8

    @Option(help: "Seconds the load lasts (unless --requests ends it first).")
    var duration = 10.0

    @Option(help: "Stop after this many repeated requests.")
    var requests: Int?

    @Option(help: "Requests per second to start, on a fixed schedule shared by all connections.")
    var rate: Double?

    @Option(help: "Seconds one request may take.")
    var timeout = 30.0

    @OptionGroup var variables: VariableOptions

    @OptionGroup var headers: HeaderOptions

    @Option(name: .customLong("report"), help: ArgumentHelp("Also write a report: json=PATH, or html=PATH (one page with latency histograms).", valueName: "format=path"))
    var reports: [ReportOption] = []

    @Flag(help: "Allow a base URL that is not on this machine.")
    var allowRemote = false

    func validate() throws {
        try LoopbackTarget.check(baseURL, allowRemote: allowRemote, why: "a load is for your own deployment")
        guard (1...256).contains(connections), duration > 0, duration <= 3_600, once >= 0, requests.map({ $0 > 0 }) ?? true,
              rate.map({ $0 > 0 && $0 <= 1_000_000 }) ?? true
        else { throw ValidationError("--connections 1...256, --duration 0...3600 s, --requests > 0, --rate > 0 and --once >= 0") }
        try ReportOption.check(reports, formats: [.json, .html])
    }

    func run() async throws {
        try await SpecRunnerError.reporting(execute)
    }

    private func execute() async throws {
        let (spec, loaded) = try location.load()
        guard let chosen = loaded.first(where: { $0.scenario.name == scenario })?.scenario else {
            throw SpecRunnerError.invalidInput("no scenario named '\(scenario)' in \(location.scenariosName)")
        }
        guard once < chosen.steps.count else {
            throw SpecRunnerError.invalidInput("--once \(once) leaves none of the \(chosen.steps.count) steps of \(scenario) to repeat")
        }
        let base = try await ConformanceRun.reachableBase(baseURL)
        let executor = HTTPExecutor(maxConnections: connections, extraHeaders: headers.values)
        defer { Task { try? await executor.shutdown() } }
        let given = variables.values
        let runner = ScenarioRunner(
            spec: spec, executor: executor, baseURL: base, variables: given, defaultTimeout: timeout, runId: Template.randomCharacters(6).lowercased())
        print("Load on \(base): \(scenario), \(connections) connections, " + (requests.map { "\($0) requests or " } ?? "")
            + "\(Int(duration)) s" + (rate.map { " at \($0) requests/s" } ?? "") + (once > 0 ? "; the first \(once) steps once per connection" : ""))
        let load = LoadRun(
            runner: runner, scenario: chosen, once: once, connections: connections, requests: requests, duration: .milliseconds(Int64(duration * 1000)),
            rate: rate, timeout: timeout)
        let result = await load.run()
        let report = BenchReport(result: result, baseURL: base, scenario: scenario, connections: connections, rate: rate)
        print(report.console())
        for destination in reports { try destination.write(destination.format == .html ? HTMLReport.bench(report) : report.json()) }
        if report.errors > 0 || !result.setupFailures.isEmpty { throw SpecRunnerError.conformance }
    }
}
