import ArgumentParser
import Foundation
import JSONValues

/// `specrunner docs`: the API reference from the spec and a recorded run, as Markdown and one HTML page.
struct DocsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "docs",
        abstract: "Generate the API reference (API.md and a self-contained index.html) from the spec, with examples recorded from a live server.")

    @OptionGroup var location: SpecLocation

    @Option(help: "The folder to write API.md and index.html into.")
    var out = "docs"

    @Flag(help: "Run the usage-flow scenario against --base-url and put its real requests and responses into the docs.")
    var record = false

    @Option(help: "The server to record against (with --record).")
    var baseURL: String?

    @Option(help: "The scenario to record. Default: readme-flow with the built-in spec, else the first scenario tagged 'flow' that requires no --var.")
    var scenario: String?

    @Option(help: "The address shown in examples. Default: the spec's first servers URL, else http://127.0.0.1:8787 for the built-in spec, else --base-url.")
    var shownBaseURL: String?

    @OptionGroup var variables: VariableOptions

    @OptionGroup var headers: HeaderOptions

    /// The scenario to record: the one named, or the project's usage flow, or the first tagged `flow`.
    private func recordedScenario(in loaded: [ScenarioLoader.Loaded]) throws -> Scenario {
        if let scenario {
            guard let found = loaded.first(where: { $0.scenario.name == scenario }) else {
                throw SpecRunnerError.invalidInput("no scenario named '\(scenario)' in \(location.scenariosName)")
            }
            return found.scenario
        }
        let found = location.spec == nil && location.scenarios == nil
            ? loaded.first { $0.scenario.name == "readme-flow" } : loaded.first { $0.scenario.tags.contains("flow") && $0.scenario.requires.isEmpty }
        guard let found else {
            throw SpecRunnerError.invalidInput("no scenario tagged 'flow' (and requiring no --var) in \(location.scenariosName): name the one to record with --scenario")
        }
        return found.scenario
    }

    /// The address examples show.
    private func shownAddress(spec: OpenAPISpec, recordedFrom base: String?) -> String {
        if let shownBaseURL { return shownBaseURL }
        if let server = spec.document["servers"]?.arrayValue?.first?["url"]?.stringValue, server.hasPrefix("http") { return server }
        return location.spec == nil ? "http://127.0.0.1:8787" : base ?? "http://localhost"
    }

    func run() async throws {
        try await SpecRunnerError.reporting {
            let (spec, loaded) = try location.load()
            var recording: ScenarioResult?
            var normalizer: ExampleNormalizer?
            if record {
                guard let baseURL else { throw SpecRunnerError.invalidInput("--record needs --base-url") }
                let flow = try recordedScenario(in: loaded)
                let base = try await ConformanceRun.reachableBase(baseURL)
                var run = ConformanceRun(spec: spec, scenarios: [flow], baseURL: base)
                run.jobs = 1
                run.variables = variables.values
                run.headers = headers.values
                let result = await run.run()
                guard let flowResult = result.scenarios.first, flowResult.outcome == .passed else {
                    let details = result.scenarios.first.map { ConsoleReport(colour: false).scenarioFinished($0) } ?? ""
                    throw SpecRunnerError.invalidInput("the recorded scenario failed, so its examples would be wrong:\n\(details)")
                }
                recording = flowResult
                normalizer = ExampleNormalizer(result: flowResult, baseURL: base, shownBaseURL: shownAddress(spec: spec, recordedFrom: base))
            }
            let shown = shownAddress(spec: spec, recordedFrom: baseURL)
            let blocks = ReferenceBuilder(spec: spec, recording: recording, normalizer: normalizer, shownBaseURL: shown).build()
            let title = (spec.document["info"]?["title"]?.stringValue ?? "API") + " reference"
            let folder = URL(fileURLWithPath: out)
            do {
                try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
                try DocRenderer.markdown(blocks).write(to: folder.appendingPathComponent("API.md"), atomically: true, encoding: .utf8)
                try DocRenderer.html(blocks, title: title).write(to: folder.appendingPathComponent("index.html"), atomically: true, encoding: .utf8)
            } catch {
                throw SpecRunnerError.invalidInput("cannot write to \(out): \(error.localizedDescription)")
            }
            print("Wrote \(out)/API.md and \(out)/index.html (\(spec.operations.count) operations" + (record ? ", examples recorded from \(baseURL ?? "")" : "") + ")")
        }
    }
}
