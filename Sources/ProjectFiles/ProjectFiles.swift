import Foundation

/// The project's version and the files its binaries carry (the spec, scenarios, profiles, scenario schema and
/// HTML reference), so `server` and `specrunner` work from any folder. `ProjectFiles.embedded` is generated at
/// build time from the files in the repository by the EmbedProjectFiles plugin (`Plugins/`).
public enum ProjectFiles {
    /// The version of the server and the runner.
    public static let version = "1.0.0"

    /// The contents of a file by its path in the repository (e.g. `spec/openapi.json`), or nil.
    public static func file(_ path: String) -> String? {
        embedded[path]
    }

    /// Every file directly under `folder` (e.g. `spec/scenarios`) whose name ends with `suffix`, sorted by path.
    public static func files(in folder: String, suffix: String) -> [(path: String, contents: String)] {
        embedded.filter { path, _ in
            path.hasPrefix(folder + "/") && path.hasSuffix(suffix) && !path.dropFirst(folder.count + 1).contains("/")
        }
        .sorted { $0.key < $1.key }
        .map { (path: $0.key, contents: $0.value) }
    }

    /// The version of the embedded OpenAPI document (`info.version`).
    public static var specVersion: String {
        let document = file("spec/openapi.json").flatMap { try? JSONSerialization.jsonObject(with: Data($0.utf8)) }
        return ((document as? [String: Any])?["info"] as? [String: Any])?["version"] as? String ?? "unknown"
    }

    /// What `--version` prints.
    public static var versionLine: String {
        "\(version) (spec \(specVersion))"
    }
}
