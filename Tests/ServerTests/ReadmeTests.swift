import Foundation
import Testing

@testable import Server

/// The README is the user's manual: its configuration table is the one `Setting.all` declares, row for row.
@Suite("README")
struct ReadmeTests {
    @Test func configurationTableIsTheSettingsTable() throws {
        let readme = try String(contentsOf: OperationsTests.root.appendingPathComponent("README.md"), encoding: .utf8)
        let section = try #require(readme.components(separatedBy: "\n## Configuration\n").last?.components(separatedBy: "\n## ").first)
        let documented = section.split(separator: "\n").filter { $0.hasPrefix("| `") }.map(String.init)
        let expected = Setting.all.map { setting in
            let meaning = setting.meaning.replacingOccurrences(of: "|", with: "\\|")
            return "| `\(setting.environmentName)` | `\(setting.flag)` | \(setting.defaultText) | \(meaning) |"
        }
        #expect(documented == expected, "README's table should read:\n\(expected.joined(separator: "\n"))")
    }

    @Test func helpListsEverySettingWithItsEnvironmentVariable() {
        let help = ServerCommand.helpMessage(columns: 10_000)
        for setting in Setting.all {
            #expect(help.contains("\(setting.flag) <value>"), "\(setting.flag)")
            #expect(help.contains("(\(setting.environmentName)"), "\(setting.environmentName)")
        }
    }
}
