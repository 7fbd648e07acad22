import Foundation
import Testing

@testable import ProjectFiles

/// The binaries carry copies of the spec, scenarios, profiles, HTML reference and console; they must equal the files.
@Suite("Built-in project files")
struct ProjectFilesTests {
    @Test func theBuiltInCopiesEqualTheRepositoryFiles() throws {
        let root = OperationsTests.root
        let folders = ["spec/scenarios", "spec/profiles"]
        var expected = [
            "spec/openapi.json", "spec/scenario.schema.json", "spec/fuzz-setup.yaml", "docs/index.html",
            "console/index.html", "console/console.js", "console/console.css",
        ]
        for folder in folders {
            let names = try FileManager.default.contentsOfDirectory(atPath: root.appendingPathComponent(folder).path)
            expected += names.filter { $0.hasSuffix(".yaml") }.map { "\(folder)/\($0)" }
        }
        #expect(Set(ProjectFiles.embedded.keys) == Set(expected), "the EmbedProjectFiles plugin embeds other files than the repository has")
        for path in expected {
            let contents = try String(contentsOf: root.appendingPathComponent(path), encoding: .utf8)
            #expect(ProjectFiles.file(path) == contents, "\(path) differs from its built-in copy: build again")
        }
    }

    @Test func theVersionLineNamesTheSpecVersion() {
        #expect(ProjectFiles.specVersion.split(separator: ".").count == 3)
        #expect(ProjectFiles.versionLine == "\(ProjectFiles.version) (spec \(ProjectFiles.specVersion))")
    }

    @Test func scenarioFilesAreListedByFolder() {
        let scenarios = ProjectFiles.files(in: "spec/scenarios", suffix: ".yaml")
        #expect(scenarios.contains { $0.path == "spec/scenarios/readme-flow.yaml" })
        #expect(scenarios.map(\.path) == scenarios.map(\.path).sorted())
        #expect(ProjectFiles.files(in: "spec", suffix: ".yaml").map(\.path) == ["spec/fuzz-setup.yaml"])
    }
}
