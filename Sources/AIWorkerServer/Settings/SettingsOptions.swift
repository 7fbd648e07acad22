import ArgumentParser

/// The settings' flags (`--http-port <value>`, one for every entry of `Setting.all`) as ArgumentParser options of
/// `server`, grouped by subject in `--help`, completed by `--generate-completion-script` and offered as "did you
/// mean" for a misspelt flag. Given before or after a subcommand, they are the root command's; subcommands read
/// them through `@ParentCommand`.
struct SettingsFlags: ParsableArguments {
    @OptionGroup(title: Serving.title) var serving: SettingsOptions<Serving>
    @OptionGroup(title: Storage.title) var storage: SettingsOptions<Storage>
    @OptionGroup(title: Accounts.title) var accounts: SettingsOptions<Accounts>
    @OptionGroup(title: ModelBackends.title) var modelBackends: SettingsOptions<ModelBackends>
    @OptionGroup(title: Chat.title) var chat: SettingsOptions<Chat>
    @OptionGroup(title: Limits.title) var limits: SettingsOptions<Limits>
    @OptionGroup(title: Operations.title) var operations: SettingsOptions<Operations>

    /// The values given as flags, by setting key.
    var values: [String: String] {
        [serving.values, storage.values, accounts.values, modelBackends.values, chat.values, limits.values, operations.values]
            .reduce(into: [:]) { $0.merge($1) { _, last in last } }
    }

    /// What the subcommands' `--help` says of their settings.
    static let subcommandDiscussion = """
        The database is the one the server uses: the settings (DATABASE_PATH, DATABASE_URL, …) are read as \
        `server --help` lists them, their flags given before or after the subcommand.
        """

    /// The subjects, in the order `--help` lists them; every setting belongs to one (`SettingsSubject.covers`).
    static var subjects: [any SettingsSubject.Type] { [Serving.self, Storage.self, Accounts.self, ModelBackends.self, Chat.self, Limits.self, Operations.self] }

    enum Serving: SettingsSubject {
        static let title = "Serving"
        static let keyPrefixes: Set<String> = ["http", "trusted", "shutdown"]
    }

    enum Storage: SettingsSubject {
        static let title = "Storage"
        static let keyPrefixes: Set<String> = ["database"]
    }

    enum Accounts: SettingsSubject {
        static let title = "Accounts, keys and sessions"
        static let keyPrefixes: Set<String> = ["jwt", "bcrypt", "password", "login", "apiKeys", "credentialCache"]
    }

    enum ModelBackends: SettingsSubject {
        static let title = "Model backends"
        static let keyPrefixes: Set<String> = ["model", "openai", "workers", "upstream", "mock"]
    }

    enum Chat: SettingsSubject {
        static let title = "Chat"
        static let keyPrefixes: Set<String> = ["chat"]
    }

    enum Limits: SettingsSubject {
        static let title = "Limits and CORS"
        static let keyPrefixes: Set<String> = ["rateLimit", "cors"]
    }

    enum Operations: SettingsSubject {
        static let title = "Operations"
        static let keyPrefixes: Set<String> = ["log", "metrics", "docs", "console"]
    }
}

/// One subject of the settings: a heading of `--help` and the first parts of the keys it holds.
protocol SettingsSubject {
    static var title: String { get }
    static var keyPrefixes: Set<String> { get }
}

extension SettingsSubject {
    /// Whether `setting` is one of this subject's, by the first part of its key (`rateLimit.authPerMinute`).
    static func covers(_ setting: Setting) -> Bool {
        keyPrefixes.contains(String(setting.key.prefix { $0 != "." }))
    }
}

/// The settings of one subject as options. ArgumentParser finds a type's options by reflecting a value of it, so
/// this type's mirror holds one `Option` for each of its settings, made from the table, and decoding reads them
/// back by the same names: the table stays the one place a setting is declared.
struct SettingsOptions<Subject: SettingsSubject>: ParsableArguments, CustomReflectable {
    /// The values given, by setting key.
    private(set) var values: [String: String] = [:]

    init() {}

    init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: Name.self)
        for setting in Self.settings {
            if let value = try container.decode(Option<String?>.self, forKey: Name(setting)).wrappedValue {
                values[setting.key] = value
            }
        }
    }

    var customMirror: Mirror {
        Mirror(self, children: Self.settings.map { setting in
            (label: Name(setting).stringValue, value: Option<String?>(
                name: .customLong(String(setting.flag.dropFirst(2))), help: ArgumentHelp(setting.helpText, valueName: "value"),
                completion: setting.choices.isEmpty ? nil : .list(setting.choices)) as Any)
        })
    }

    private static var settings: [Setting] { Setting.all.filter(Subject.covers) }

    /// A setting's option by its environment variable's name.
    private struct Name: CodingKey {
        let stringValue: String
        var intValue: Int? { nil }
        init(_ setting: Setting) { stringValue = setting.environmentName }
        init?(stringValue: String) { self.stringValue = stringValue }
        init?(intValue: Int) { nil }
    }
}
