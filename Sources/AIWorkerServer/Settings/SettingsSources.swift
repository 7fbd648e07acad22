import Foundation
import Configuration

/// Where the settings of `Setting.all` come from: their flags, else their environment variables, else a `.env`
/// file in the working directory, else the defaults of `AppSettings`.
enum SettingsSources {
    /// The settings given as `flags` (by key), else in the environment, else in `.env`, else their defaults; a
    /// value that cannot be used is a `SettingsError` that names the `.env` file when only it explains the value.
    static func settings(flags: [String: String]) async throws -> AppSettings {
        let secrets = SecretsSpecifier<String, String>.specific(Set(Setting.all.filter(\.isSecret).map(\.environmentName)))
        let values = flags.map { key, value in
            (AbsoluteConfigKey(stringLiteral: key), ConfigValue(.string(value), isSecret: Setting.secretKeys.contains(key)))
        }
        let reader = ConfigReader(providers: [
            InMemoryProvider(name: "flags", values: Dictionary(uniqueKeysWithValues: values)),
            EnvironmentVariablesProvider(secretsSpecifier: secrets),
            try await EnvironmentVariablesProvider(environmentFilePath: ".env", allowMissing: true, secretsSpecifier: secrets),
        ])
        do {
            return try AppSettings(reader: reader)
        } catch var error as SettingsError {
            let name = Setting.environmentName(error.key)
            if flags[error.key] == nil, ProcessInfo.processInfo.environment[name] == nil, environmentFileNames().contains(name) {
                error.source = "the value is set in \(FileManager.default.currentDirectoryPath)/.env"
            }
            throw error
        }
    }

    /// The names the `.env` file in the working directory sets (none when there is no such file).
    static func environmentFileNames() -> Set<String> {
        guard let text = try? String(contentsOfFile: ".env", encoding: .utf8) else { return [] }
        return Set(text.split(whereSeparator: \.isNewline).compactMap { line in
            let line = line.trimmingCharacters(in: .whitespaces)
            guard !line.hasPrefix("#"), let equals = line.firstIndex(of: "=") else { return nil }
            return String(line[..<equals]).trimmingCharacters(in: .whitespaces)
        })
    }
}
