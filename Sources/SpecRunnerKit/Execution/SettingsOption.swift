import ArgumentParser

/// `--settings FILE`: how the deployment was started, for the commands whose checks depend on it (run and fuzz).
struct SettingsOption: ParsableArguments {
    @Option(help: ArgumentHelp(
        "The settings the deployment was started with, NAME=VALUE a line (its .env): scenarios that assume settings run only when these match, and the spec's limits bound to a setting (x-setting) take its value.",
        valueName: "file"))
    var settings: String?

    /// The settings read, and `spec` as the deployment has it (its bound limits set to the settings' values), after
    /// printing what changed.
    func load(applyingTo spec: OpenAPISpec) throws -> (settings: DeploymentSettings?, spec: OpenAPISpec) {
        try Self.load(settings, applyingTo: spec) { print($0) }
    }

    /// The settings in `file` (none when nil), and `spec` with its bound limits set to their values, telling `log`
    /// each limit that changed.
    static func load(_ file: String?, applyingTo spec: OpenAPISpec, log: (String) -> Void) throws -> (settings: DeploymentSettings?, spec: OpenAPISpec) {
        guard let settings = try file.map(DeploymentSettings.load) else { return (nil, spec) }
        let (applied, changes) = try settings.applied(to: spec)
        for change in changes { log("  limit from \(settings.file): \(change)") }
        return (settings, applied)
    }
}
