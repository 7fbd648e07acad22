import Foundation

/// The settings a deployment was started with, as `--settings FILE` gives them: the server's own `.env` format,
/// `NAME=VALUE` a line, `#` comments and blank lines ignored, both sides trimmed, the last of a name winning.
/// Scenarios that pin a setting at its edge (their `settings:`) run only when these say the deployment has it.
struct DeploymentSettings: Sendable {
    /// Where they were read from, for notes.
    let file: String
    let values: [String: String]

    init(file: String, text: String) {
        self.file = file
        values = Dictionary(text.split(whereSeparator: \.isNewline).compactMap { line in
            let parts = line.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
                .map { $0.trimmingCharacters(in: .whitespaces) }
            guard parts.count == 2, !parts[0].isEmpty, !parts[0].hasPrefix("#") else { return nil }
            return (parts[0], parts[1])
        }, uniquingKeysWith: { $1 })
    }

    /// Reads `path`; a file that cannot be read is invalid input (exit 2).
    static func load(_ path: String) throws -> DeploymentSettings {
        guard let text = try? String(contentsOfFile: path, encoding: .utf8) else {
            throw SpecRunnerError.invalidInput("--settings \(path) cannot be read")
        }
        return DeploymentSettings(file: path, text: text)
    }

    /// Why a scenario that assumes `wanted` cannot run on the deployment `settings` describe, or nil when it can.
    static func unmet(_ wanted: [String: String], by settings: DeploymentSettings?) -> String? {
        guard !wanted.isEmpty else { return nil }
        let expected = wanted.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: " ")
        guard let settings else {
            return "assumes a deployment started with \(expected): pass --settings FILE with the settings it was started with"
        }
        let differing = wanted.sorted { $0.key < $1.key }.filter { settings.values[$0.key] != $0.value }
        guard !differing.isEmpty else { return nil }
        return "assumes " + differing.map { name, value in
            "\(name)=\(value), but \(settings.file) has " + (settings.values[name].map { "\(name)=\($0)" } ?? "no \(name)")
        }.joined(separator: "; ")
    }
}
