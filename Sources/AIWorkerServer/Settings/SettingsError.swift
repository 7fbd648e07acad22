import Foundation

/// A setting whose value cannot be used.
struct SettingsError: Error, CustomStringConvertible {
    let key: String
    let value: String
    let expected: String

    var description: String {
        "Invalid setting \(Setting.environmentName(key)) (\(Setting.flag(key))) = '\(value)': expected \(expected)."
    }
}

extension SettingsError: StartupError {
    /// Where the value came from, when only the `.env` file explains it (a flag or an environment variable is
    /// named by the message already).
    var source: String? {
        let arguments = Array(CommandLine.arguments.dropFirst())
        guard (try? SettingsSources.split(arguments).values[key]) == nil,
              ProcessInfo.processInfo.environment[Setting.environmentName(key)] == nil,
              SettingsSources.environmentFileNames().contains(Setting.environmentName(key))
        else { return nil }
        return "the value is set in \(FileManager.default.currentDirectoryPath)/.env"
    }
}
