/// A setting whose value cannot be used.
struct SettingsError: Error, CustomStringConvertible {
    let key: String
    let value: String
    let expected: String

    var description: String {
        "Invalid setting \(Setting.environmentName(key)) (\(Setting.flag(key))) = '\(value)': expected \(expected)."
    }
}

/// A configuration problem that stops the server at start-up with a message saying what to fix.
protocol StartupError: Error, CustomStringConvertible {}

extension SettingsError: StartupError {}
