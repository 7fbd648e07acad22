import ArgumentParser
import Configuration

/// Where the settings of `Setting.all` come from: their flags, else their environment variables, else a `.env`
/// file in the working directory, else the defaults of `AppSettings`.
enum SettingsSources {
    /// Splits a command line into the settings' flags (`--http-port 0` or `--http-port=0`, anywhere before `--`)
    /// and the rest, which ArgumentParser parses (subcommands, their own arguments, `--help`).
    static func split(_ arguments: [String]) throws(ValidationError) -> (values: [String: String], rest: [String]) {
        var values: [String: String] = [:]
        var rest: [String] = []
        var index = arguments.startIndex
        while index < arguments.endIndex {
            let argument = arguments[index]
            index += 1
            if argument == "--" {
                rest += arguments[(index - 1)...]
                break
            }
            let name = String(argument.prefix { $0 != "=" })
            guard let setting = Setting.byFlag[name] else {
                rest.append(argument)
                continue
            }
            if name.count < argument.count {
                values[setting.key] = String(argument.dropFirst(name.count + 1))
            } else if index < arguments.endIndex {
                values[setting.key] = arguments[index]
                index += 1
            } else {
                throw ValidationError("Missing value for '\(name) <value>'.")
            }
        }
        return (values, rest)
    }

    /// The process's own command line, its settings' flags first.
    static func reader(arguments: [String] = Array(CommandLine.arguments.dropFirst())) async throws -> ConfigReader {
        let flags = try split(arguments).values.map { key, value in
            (AbsoluteConfigKey(stringLiteral: key), ConfigValue(.string(value), isSecret: Setting.secretKeys.contains(key)))
        }
        let secrets = SecretsSpecifier<String, String>.specific(Set(Setting.all.filter(\.isSecret).map(\.environmentName)))
        return ConfigReader(providers: [
            InMemoryProvider(name: "flags", values: Dictionary(uniqueKeysWithValues: flags)),
            EnvironmentVariablesProvider(secretsSpecifier: secrets),
            try await EnvironmentVariablesProvider(environmentFilePath: ".env", allowMissing: true, secretsSpecifier: secrets),
        ])
    }

    /// The settings as `--help` lists them: each flag with its meaning, environment variable and default.
    static let help: String = {
        let lines = Setting.all.map { setting in
            let meaning = setting.meaning.replacingOccurrences(of: "`", with: "")
            let defaultText = setting.defaultText == Setting.unset ? "" : ", default " + setting.defaultText.replacingOccurrences(of: "`", with: "")
            return "  \(setting.flag) <value>\n        \(meaning.prefix(1).uppercased() + meaning.dropFirst()). (\(setting.environmentName)\(defaultText))"
        }
        return """
            SETTINGS: each is read from its flag, else its environment variable, else a .env file in the working \
            directory, else its default.

            """ + lines.joined(separator: "\n")
    }()
}
