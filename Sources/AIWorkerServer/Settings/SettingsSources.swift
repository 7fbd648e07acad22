import ArgumentParser
import Foundation
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

    /// The names the `.env` file in the working directory sets (none when there is no such file).
    static func environmentFileNames() -> Set<String> {
        guard let text = try? String(contentsOfFile: ".env", encoding: .utf8) else { return [] }
        return Set(text.split(whereSeparator: \.isNewline).compactMap { line in
            let line = line.trimmingCharacters(in: .whitespaces)
            guard !line.hasPrefix("#"), let equals = line.firstIndex(of: "=") else { return nil }
            return String(line[..<equals]).trimmingCharacters(in: .whitespaces)
        })
    }

    /// The settings as `--help` lists them, by subject: each flag with its meaning, environment variable and
    /// default, as plain text (Markdown's code spans and links undone) wrapped to 78 columns under the flag.
    static let help: String = {
        let sections = Dictionary(grouping: Setting.all, by: subject)
        let body = subjects.compactMap { title in
            sections[title].map { settings in
                "\(title.uppercased()):\n" + settings.map { setting in
                    let defaultText = setting.defaultText == Setting.unset ? "" : ", default " + plain(setting.defaultText)
                    var meaning = plain(setting.meaning)
                    if !setting.meaning.hasPrefix("`") { meaning = meaning.prefix(1).uppercased() + meaning.dropFirst() }
                    return "  \(setting.flag) <value>\n" + wrapped("\(meaning). (\(setting.environmentName)\(defaultText))", indent: 8, width: 78)
                }.joined(separator: "\n")
            }
        }
        return """
            SETTINGS: each is read from its flag, else its environment variable, else a .env file in the working \
            directory, else its default.

            """ + "\n" + body.joined(separator: "\n\n")
    }()

    /// The subjects `--help` groups the settings under, in order.
    static let subjects = ["Serving", "Storage", "Accounts, keys and sessions", "Model backends", "Chat", "Limits and CORS", "Operations"]

    /// The subject of a setting, by the first part of its key.
    static func subject(of setting: Setting) -> String {
        switch setting.key.prefix { $0 != "." } {
        case "http", "trusted", "shutdown": "Serving"
        case "database": "Storage"
        case "jwt", "bcrypt", "password", "login", "apiKeys", "credentialCache": "Accounts, keys and sessions"
        case "model", "openai", "workers", "upstream", "mock": "Model backends"
        case "chat": "Chat"
        case "rateLimit", "cors": "Limits and CORS"
        default: "Operations"
        }
    }

    /// Markdown as plain text: `code` loses its backticks, [text](page.md) (a page of the guide) reads
    /// "text, docs/page.md".
    private static func plain(_ markdown: String) -> String {
        markdown.replacingOccurrences(of: "`", with: "")
            .replacingOccurrences(of: #"\[([^\]]+)\]\(([^)]*)\)"#, with: "$1, docs/$2", options: .regularExpression)
    }

    /// `text` in lines of at most `width` columns (a longer word stands alone), each indented by `indent`.
    private static func wrapped(_ text: String, indent: Int, width: Int) -> String {
        let margin = String(repeating: " ", count: indent)
        var lines: [String] = []
        var line = ""
        for word in text.split(separator: " ") {
            if !line.isEmpty, margin.count + line.count + 1 + word.count > width {
                lines.append(margin + line)
                line = ""
            }
            line += line.isEmpty ? word : " " + word
        }
        if !line.isEmpty { lines.append(margin + line) }
        return lines.joined(separator: "\n")
    }
}
