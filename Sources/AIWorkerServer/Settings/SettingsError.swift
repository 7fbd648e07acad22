import Foundation

/// A setting whose value cannot be used.
struct SettingsError: Error, CustomStringConvertible {
    let key: String
    let value: String
    let expected: String
    /// Where the value came from, when only the `.env` file explains it (a flag or an environment variable is
    /// named by the message already); set by `SettingsSources.settings(flags:)`.
    var source: String?

    var description: String {
        "Invalid setting \(Setting.environmentName(key)) (\(Setting.flag(key))) = '\(value)': expected \(expected)."
    }
}

extension SettingsError: StartupError {}
