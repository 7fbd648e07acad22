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
        // The folders are inputs themselves (a file added or removed changes the folder), and the tool lists them
        // when it runs: a list made here is the one of the last time SwiftPM evaluated the plugin, which it does
        // not do again for a file added outside the targets. Edits of the files listed here re-embed them too; a
        // file added since is embedded as it is added, and its later edits once SwiftPM evaluates the plugin again
        // (a change to the manifest or to a target's files).
        let paths = Self.files + Self.yamlFolders
        let output = context.pluginWorkDirectoryURL.appending(path: "EmbeddedFiles.swift")
        let folderContents = try Self.yamlFolders.flatMap { folder in
            try FileManager.default.contentsOfDirectory(atPath: root.appending(path: folder).path)
                .filter { $0.hasSuffix(".yaml") }.map { root.appending(path: "\(folder)/\($0)") }
        }
        return [
            .buildCommand(
                displayName: "Embedding the project files into \(target.name)",
                executable: try context.tool(named: "EmbedProjectFilesTool").url,
                arguments: [root.path, output.path] + paths,
                inputFiles: paths.map { root.appending(path: $0) } + folderContents,
                outputFiles: [output])
        ]
    }
}
