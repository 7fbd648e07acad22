import ArgumentParser
import Foundation
import ProjectFiles

/// Where the spec, scenarios and profiles come from: the files named by the options, or else the copies of this
/// project's built into the binary, so `specrunner --base-url URL` works from any folder.
struct SpecLocation: ParsableArguments {
    @Option(help: "The OpenAPI 3.1 document (JSON). Default: the built-in copy of this project's spec/openapi.json.")
    var spec: String?

    @Option(help: "The folder of scenario files (*.yaml); profiles are read from 'profiles' beside it. Default: the built-in spec/scenarios and spec/profiles.")
    var scenarios: String?

    /// The spec as named in messages.
    var specName: String { spec ?? "built-in spec/openapi.json (version \(ProjectFiles.specVersion))" }

    /// The scenarios folder as named in messages.
    var scenariosName: String { scenarios ?? "built-in spec/scenarios" }

    /// Deployment profiles live beside the scenarios.
    private var profilesFolder: URL? {
        scenarios.map { URL(fileURLWithPath: $0).deletingLastPathComponent().appendingPathComponent("profiles") }
    }

    /// The spec's bytes, or `SpecRunnerError.invalidInput` when the file cannot be read.
    func specData() throws -> Data {
        guard let spec else { return Data((ProjectFiles.file("spec/openapi.json") ?? "").utf8) }
        guard let data = FileManager.default.contents(atPath: spec) else {
            throw SpecRunnerError.invalidInput("cannot read the spec \(spec)")
        }
        return data
    }

    /// Loads the spec and every scenario, or throws `SpecRunnerError.invalidInput` saying what is wrong.
    func load() throws -> (OpenAPISpec, [ScenarioLoader.Loaded]) {
        do {
            let document = try OpenAPISpec(data: try specData(), source: spec ?? "spec/openapi.json")
            guard let scenarios else {
                let files = ProjectFiles.files(in: "spec/scenarios", suffix: ".yaml")
                return (document, try files.map { try ScenarioLoader.load(text: $0.contents, file: ($0.path as NSString).lastPathComponent) })
            }
            return (document, try ScenarioLoader.load(folder: URL(fileURLWithPath: scenarios)))
        } catch let error as SpecError {
            throw SpecRunnerError.invalidInput(error.description)
        }
    }

    /// A profile by path, or by name from the profiles folder beside `--scenarios` (or the built-in ones).
    func profile(_ nameOrPath: String) throws -> Profile {
        do {
            if nameOrPath.contains("/") || nameOrPath.hasSuffix(".yaml") {
                return try Profile.load(file: URL(fileURLWithPath: nameOrPath))
            }
            if let profilesFolder {
                return try Profile.load(file: profilesFolder.appendingPathComponent("\(nameOrPath).yaml"))
            }
            guard let text = ProjectFiles.file("spec/profiles/\(nameOrPath).yaml") else {
                let known = ProjectFiles.files(in: "spec/profiles", suffix: ".yaml").map { ($0.path as NSString).lastPathComponent }
                throw SpecError("no built-in profile named '\(nameOrPath)' (built in: \(known.joined(separator: ", ")))")
            }
            return try Profile.parse(text, file: "\(nameOrPath).yaml")
        } catch let error as SpecError {
            throw SpecRunnerError.invalidInput(error.description)
        }
    }

    /// Every profile (file name and the profile or why it cannot be read), for lint.
    func profiles() -> [(file: String, profile: Result<Profile, any Error>)] {
        guard let profilesFolder else {
            return ProjectFiles.files(in: "spec/profiles", suffix: ".yaml").map { file in
                let name = (file.path as NSString).lastPathComponent
                return (name, Result { try Profile.parse(file.contents, file: name) })
            }
        }
        let files = (try? FileManager.default.contentsOfDirectory(at: profilesFolder, includingPropertiesForKeys: nil)) ?? []
        return files.filter { $0.pathExtension == "yaml" }.sorted { $0.path < $1.path }.map { file in
            (file.lastPathComponent, Result { try Profile.load(file: file) })
        }
    }
}
