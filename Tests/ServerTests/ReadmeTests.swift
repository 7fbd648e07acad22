import Foundation
import Testing

@testable import AIWorkerServer

/// The guide is the user's manual: docs/configuration.md's table is the one `Setting.all` declares, row for row.
@Suite("README and guide")
struct ReadmeTests {
    @Test func configurationTableIsTheSettingsTable() throws {
        let page = try String(contentsOf: OperationsTests.root.appendingPathComponent("docs/configuration.md"), encoding: .utf8)
        let documented = page.split(separator: "\n").filter { $0.hasPrefix("| `") }.map(String.init)
        let expected = Setting.all.map { setting in
            let meaning = setting.meaning.replacingOccurrences(of: "|", with: "\\|")
            return "| `\(setting.environmentName)` | `\(setting.flag)` | \(setting.defaultText) | \(meaning) |"
        }
        #expect(documented == expected, "docs/configuration.md's table should read:\n\(expected.joined(separator: "\n"))")
    }

    @Test func helpListsEverySettingWithItsEnvironmentVariable() {
        let help = ServerCommand.helpMessage(columns: 10_000)
        // Grouped by subject, every subject named, and every setting under one.
        for setting in Setting.all {
            #expect(SettingsFlags.subjects.filter { $0.covers(setting) }.count == 1, "\(setting.key) is under one subject")
        }
        for subject in SettingsFlags.subjects { #expect(help.contains("\(subject.title.uppercased()):\n"), "\(subject.title)") }
        for setting in Setting.all {
            #expect(help.contains("\(setting.flag) <value>"), "\(setting.flag)")
            #expect(help.contains("(\(setting.environmentName)"), "\(setting.environmentName)")
        }
    }

    /// Every relative link of the README and the guide (not the generated API.md) names a file that exists (the README is short because the
    /// guide holds the rest: a dropped subject must still be reachable).
    @Test func everyRelativeLinkOfTheReadmeAndTheGuideResolves() throws {
        let root = OperationsTests.root
        let pages = ["README.md"] + (try FileManager.default.contentsOfDirectory(atPath: root.appendingPathComponent("docs").path))
            .filter { $0.hasSuffix(".md") && $0 != "API.md" }.map { "docs/\($0)" }
        #expect(pages.count > 10)
        let link = /\]\(([^)#\s]+)(#[^)\s]*)?\)/
        for page in pages {
            let text = try String(contentsOf: root.appendingPathComponent(page), encoding: .utf8)
            let folder = root.appendingPathComponent(page).deletingLastPathComponent()
            for match in text.matches(of: link) where !match.1.contains("://") {
                let target = folder.appendingPathComponent(String(match.1)).standardizedFileURL.path
                #expect(FileManager.default.fileExists(atPath: target), "\(page) links to \(match.1), which does not exist")
            }
        }
        let readme = try String(contentsOf: root.appendingPathComponent("README.md"), encoding: .utf8)
        #expect(readme.split(separator: "\n", omittingEmptySubsequences: false).count <= 250, "the README stays short; details go to docs/")
        for page in pages where page.hasPrefix("docs/") {
            #expect(readme.contains("](\(page))"), "the README links to \(page)")
        }
    }
}
