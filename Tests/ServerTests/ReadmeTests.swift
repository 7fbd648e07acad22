import Foundation
import Testing

@testable import Server

/// The README is the user's manual: its configuration table must list exactly the settings the code has.
@Suite("README")
struct ReadmeTests {
    @Test func configurationTableMatchesTheServersFlags() throws {
        let readme = try String(contentsOf: OperationsTests.root.appendingPathComponent("README.md"), encoding: .utf8)
        let section = try #require(readme.components(separatedBy: "\n## Configuration\n").last?.components(separatedBy: "\n## ").first)
        let rows = section.split(separator: "\n").filter { $0.hasPrefix("| `") && $0.contains("| `--") }
        let documented = Dictionary(uniqueKeysWithValues: rows.map { row -> (String, String) in
            let cells = row.split(separator: "|").map { $0.trimmingCharacters(in: .whitespaces).trimmingCharacters(in: CharacterSet(charactersIn: "`")) }
            return (cells[1], cells[0])
        })
        let help = SettingsOptions.helpMessage(columns: 10_000)
        // An option's help may continue on the lines after its name.
        var flags: [(flag: String, text: String)] = []
        for line in help.split(separator: "\n").map({ $0.trimmingCharacters(in: .whitespaces) }) {
            if line.hasPrefix("--"), let flag = line.split(separator: " ").first {
                flags.append((String(flag), line))
            } else if !flags.isEmpty {
                flags[flags.count - 1].text += " " + line
            }
        }
        flags.removeAll { $0.flag == "--help" }
        #expect(Set(flags.map(\.flag)).subtracting(documented.keys).isEmpty, "flags missing from the README table")
        #expect(Set(documented.keys).subtracting(flags.map(\.flag)).isEmpty, "README rows for flags the server does not have")
        for (flag, text) in flags {
            let environment = flag.dropFirst(2).uppercased().replacingOccurrences(of: "-", with: "_")
            #expect(documented[flag] == environment, "README: \(flag) should be \(environment)")
            #expect(text.contains("(\(environment)"), "--help of \(flag) should name \(environment)")
        }
    }
}
