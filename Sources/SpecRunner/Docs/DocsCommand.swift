import ArgumentParser
import Foundation

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

    @Option(help: "The scenario to record.")
    var scenario = "readme-flow"

    @Option(help: "The address shown in examples.")
    var shownBaseURL = "http://127.0.0.1:8787"

    func run() async throws {
        try await Failure.reporting {
            let (spec, loaded) = try location.load()
            var recording: ScenarioResult?
            var normalizer: ExampleNormalizer?
            if record {
                guard let baseURL else { throw Failure.invalidInput("--record needs --base-url") }
                guard let flow = loaded.first(where: { $0.scenario.name == scenario })?.scenario else {
                    throw Failure.invalidInput("no scenario named '\(scenario)' in \(location.scenariosName)")
                }
                let base = try await ConformanceRun.reachableBase(baseURL)
                var run = ConformanceRun(spec: spec, scenarios: [flow], baseURL: base)
                run.jobs = 1
                let result = await run.run()
                guard let flowResult = result.scenarios.first, flowResult.outcome == .passed else {
                    let details = result.scenarios.first.map { ConsoleReport(colour: false).scenarioFinished($0) } ?? ""
                    throw Failure.invalidInput("the recorded scenario failed, so its examples would be wrong:\n\(details)")
                }
                recording = flowResult
                normalizer = ExampleNormalizer(result: flowResult, baseURL: base, shownBaseURL: shownBaseURL)
            }
            let blocks = ReferenceBuilder(spec: spec, recording: recording, normalizer: normalizer, shownBaseURL: shownBaseURL).build()
            let title = (spec.document["info"]?["title"]?.stringValue ?? "API") + " reference"
            let folder = URL(fileURLWithPath: out)
            do {
                try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
                try DocRenderer.markdown(blocks).write(to: folder.appendingPathComponent("API.md"), atomically: true, encoding: .utf8)
                try DocRenderer.html(blocks, title: title).write(to: folder.appendingPathComponent("index.html"), atomically: true, encoding: .utf8)
            } catch {
                throw Failure.invalidInput("cannot write to \(out): \(error.localizedDescription)")
            }
            print("Wrote \(out)/API.md and \(out)/index.html (\(spec.operations.count) operations" + (record ? ", examples recorded from \(baseURL ?? "")" : "") + ")")
        }
    }
}
