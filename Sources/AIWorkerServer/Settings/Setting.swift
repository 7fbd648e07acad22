import Foundation

/// One setting of the server, declared once in `Setting.all`: its key (which names its flag and environment
/// variable), what it means, its default as users read it, whether it is a secret, and how its text is parsed
/// into `AppSettings`. `--help`, the table of docs/configuration.md (checked by a test), flag parsing and reading come from it.
struct Setting: Sendable {
    /// The configuration key, e.g. `http.maxBodyBytes`.
    let key: String
    /// What it means, as Markdown (`code` spans, links to other pages of docs/).
    let meaning: String
    /// The default as Markdown, e.g. `` `8787` `` or `unset`.
    let defaultText: String
    /// Kept out of logs and errors (swift-configuration redacts it).
    let isSecret: Bool
    /// The values a choice takes (offered by the shell completion scripts); empty for any other kind.
    var choices: [String] = []
    /// Parses a given value into the settings; throws `SettingsError` naming this setting.
    let apply: @Sendable (_ text: String, _ settings: inout AppSettings) throws -> Void

    /// `http.maxBodyBytes` -> `HTTP_MAX_BODY_BYTES`, the way swift-configuration maps keys to environment variables.
    var environmentName: String { Self.environmentName(key) }

    /// `http.maxBodyBytes` -> `--http-max-body-bytes`.
    var flag: String { Self.flag(key) }

    /// What `--help` says of the setting: its meaning as plain text (Markdown's code spans and links undone), its
    /// environment variable and its default.
    var helpText: String {
        var meaning = Self.plain(meaning)
        if !self.meaning.hasPrefix("`") { meaning = meaning.prefix(1).uppercased() + meaning.dropFirst() }
        let defaultText = defaultText == Self.unset ? "" : ", default " + Self.plain(defaultText)
        return "\(meaning). (\(environmentName)\(defaultText))"
    }

    /// Markdown as plain text: `code` loses its backticks, [text](page.md) (a page of the guide) reads
    /// "text, docs/page.md".
    private static func plain(_ markdown: String) -> String {
        markdown.replacingOccurrences(of: "`", with: "")
            .replacingOccurrences(of: #"\[([^\]]+)\]\(([^)]*)\)"#, with: "$1, docs/$2", options: .regularExpression)
    }

    static func flag(_ key: String) -> String {
        "--" + words(key).joined(separator: "-").lowercased()
    }

    static func environmentName(_ key: String) -> String {
        words(key).joined(separator: "_").uppercased()
    }

    /// The key's words: split at dots and before capitals (`rateLimit.authPerMinute` -> rate, Limit, auth, Per, Minute).
    private static func words(_ key: String) -> [String] {
        var words: [String] = []
        for component in key.split(separator: ".") {
            var word = ""
            for character in component {
                if character.isUppercase, !word.isEmpty {
                    words.append(word)
                    word = ""
                }
                word.append(character)
            }
            words.append(word)
        }
        return words
    }
}

// The kinds of value a setting holds; each reads the default from `AppSettings()`, so it is written only there.
extension Setting {
    /// Default texts that are not a value.
    static let unset = "unset"

    /// The defaults every entry of `all` shows, made once.
    static let defaults = AppSettings()

    static func text(_ key: String, _ path: WritableKeyPath<AppSettings, String> & Sendable, _ meaning: String) -> Setting {
        Setting(key: key, meaning: meaning, defaultText: "`\(defaults[keyPath: path])`", isSecret: false) { text, settings in
            guard !text.trimmingCharacters(in: .whitespaces).isEmpty else { throw SettingsError(key: key, value: text, expected: "a value") }
            settings[keyPath: path] = text
        }
    }

    /// `emptyIsUnset`: an empty value leaves the setting unset (else it is kept, for the setting's own check).
    static func optionalText(
        _ key: String, _ path: WritableKeyPath<AppSettings, String?> & Sendable, secret: Bool = false, emptyIsUnset: Bool = false,
        default defaultText: String = unset, _ meaning: String
    ) -> Setting {
        Setting(key: key, meaning: meaning, defaultText: defaultText, isSecret: secret) { text, settings in
            settings[keyPath: path] = text.isEmpty && emptyIsUnset ? nil : text
        }
    }

    static func integer(
        _ key: String, _ path: WritableKeyPath<AppSettings, Int> & Sendable, in range: ClosedRange<Int>, default defaultText: String? = nil,
        _ meaning: String
    ) -> Setting {
        Setting(key: key, meaning: meaning, defaultText: defaultText ?? "`\(defaults[keyPath: path])`", isSecret: false) { text, settings in
            settings[keyPath: path] = try integer(key, text, in: range)
        }
    }

    /// `true` or `false` (also `1`/`0`, `yes`/`no`, `on`/`off`, in any case).
    static func boolean(_ key: String, _ path: WritableKeyPath<AppSettings, Bool> & Sendable, _ meaning: String) -> Setting {
        Setting(key: key, meaning: meaning, defaultText: "`\(defaults[keyPath: path])`", isSecret: false, choices: ["true", "false"]) { text, settings in
            switch text.trimmingCharacters(in: .whitespaces).lowercased() {
            case "true", "1", "yes", "on": settings[keyPath: path] = true
            case "false", "0", "no", "off": settings[keyPath: path] = false
            default: throw SettingsError(key: key, value: text, expected: "true or false")
            }
        }
    }

    static func optionalInteger(
        _ key: String, _ path: WritableKeyPath<AppSettings, Int?> & Sendable, in range: ClosedRange<Int>, default defaultText: String,
        _ meaning: String
    ) -> Setting {
        Setting(key: key, meaning: meaning, defaultText: defaultText, isSecret: false) { text, settings in
            settings[keyPath: path] = try integer(key, text, in: range)
        }
    }

    static func choice<T: RawRepresentable & CaseIterable & Sendable>(
        _ key: String, _ path: WritableKeyPath<AppSettings, T> & Sendable, _ meaning: String
    ) -> Setting where T.RawValue == String {
        Setting(key: key, meaning: meaning, defaultText: "`\(defaults[keyPath: path].rawValue)`", isSecret: false, choices: T.allCases.map(\.rawValue)) { text, settings in
            settings[keyPath: path] = try choice(key, text)
        }
    }

    static func optionalChoice<T: RawRepresentable & CaseIterable & Sendable>(
        _ key: String, _ path: WritableKeyPath<AppSettings, T?> & Sendable, _ meaning: String
    ) -> Setting where T.RawValue == String {
        Setting(key: key, meaning: meaning, defaultText: unset, isSecret: false, choices: T.allCases.map(\.rawValue)) { text, settings in
            settings[keyPath: path] = try choice(key, text) as T
        }
    }

    /// An http(s) URL, kept without a trailing slash; empty leaves it unset.
    static func url(_ key: String, _ path: WritableKeyPath<AppSettings, String?> & Sendable, default defaultText: String = unset, _ meaning: String) -> Setting {
        Setting(key: key, meaning: meaning, defaultText: defaultText, isSecret: false) { text, settings in
            settings[keyPath: path] = text.isEmpty ? nil : try url(key, text)
        }
    }

    /// `text` as an http(s) URL without a trailing slash.
    static func url(_ key: String, _ text: String) throws -> String {
        guard let url = URL(string: text), ["http", "https"].contains(url.scheme ?? ""), url.host != nil else {
            throw SettingsError(key: key, value: text, expected: "an http or https URL")
        }
        return text.hasSuffix("/") ? String(text.dropLast()) : text
    }

    /// A comma-separated list, its items trimmed.
    static func list(
        _ key: String, default defaultText: String, _ meaning: String,
        apply: @escaping @Sendable (_ items: [String], _ text: String, _ settings: inout AppSettings) throws -> Void
    ) -> Setting {
        Setting(key: key, meaning: meaning, defaultText: defaultText, isSecret: false) { text, settings in
            let items = text.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
            try apply(items, text, &settings)
        }
    }

    private static func integer(_ key: String, _ text: String, in range: ClosedRange<Int>) throws -> Int {
        guard let number = Int(text.trimmingCharacters(in: .whitespaces)), range.contains(number) else {
            throw SettingsError(key: key, value: text, expected: "a whole number from \(range.lowerBound) to \(range.upperBound)")
        }
        return number
    }

    private static func choice<T: RawRepresentable & CaseIterable>(_ key: String, _ text: String) throws -> T where T.RawValue == String {
        guard let choice = T(rawValue: text.lowercased()) else {
            throw SettingsError(key: key, value: text, expected: "one of \(T.allCases.map(\.rawValue).joined(separator: ", "))")
        }
        return choice
    }
}
