import Foundation
import PackagePlugin

/// Embeds the files the binaries carry (the spec, scenario schema, fuzz set-up, scenarios, profiles, HTML
/// reference and web console) into the target it is applied to, at build time: `EmbeddedFiles.swift` is written
/// into the build folder from the files in the repository, and written again whenever one of them changes. Nothing
/// generated is committed, and changing the spec needs nothing but a build.
@main
struct EmbedProjectFiles: BuildToolPlugin {
    /// The files embedded: single files, and folders whose `.yaml` files are (not their subfolders).
    static let files = [
        "spec/openapi.json", "spec/scenario.schema.json", "spec/fuzz-setup.yaml", "docs/index.html",
        "console/index.html", "console/console.js", "console/console.css",
    ]
    static let yamlFolders = ["spec/scenarios", "spec/profiles"]

    func createBuildCommands(context: PluginContext, target: Target) async throws -> [Command] {
        let root = context.package.directoryURL
        let folders = try Self.yamlFolders.flatMap { folder in
            try FileManager.default.contentsOfDirectory(atPath: root.appending(path: folder).path)
                .filter { $0.hasSuffix(".yaml") }.map { "\(folder)/\($0)" }
        }
        let paths = (Self.files + folders).sorted()
        let output = context.pluginWorkDirectoryURL.appending(path: "EmbeddedFiles.swift")
        return [
            .buildCommand(
                displayName: "Embedding \(paths.count) project files into \(target.name)",
                executable: try context.tool(named: "EmbedProjectFilesTool").url,
                arguments: [root.path, output.path] + paths,
                inputFiles: paths.map { root.appending(path: $0) },
                outputFiles: [output])
        ]
    }
}
