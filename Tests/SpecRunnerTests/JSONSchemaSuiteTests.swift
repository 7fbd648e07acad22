import Foundation
import Testing
import JSONValues

@testable import SpecRunnerKit

/// Runs the official JSON-Schema test suite (draft 2020-12) through the response validator.
///
/// The suite is fetched by `scripts/fetch-json-schema-suite.sh` into `.json-schema-test-suite/` (or found at
/// `$JSON_SCHEMA_TEST_SUITE`); without it the test is skipped with a message naming the script (in CI, where
/// `CI_REQUIRE_ALL_TESTS` is set, it runs and fails instead).
@Suite("JSON-Schema test suite")
struct JSONSchemaSuiteTests {
    /// The suite's root folder (holding `tests/` and `remotes/`).
    static let suiteRoot: URL = {
        if let path = ProcessInfo.processInfo.environment["JSON_SCHEMA_TEST_SUITE"], !path.isEmpty {
            return URL(fileURLWithPath: path)
        }
        return URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent(".json-schema-test-suite")
    }()
    static let suiteFolder = suiteRoot.appendingPathComponent("tests/draft2020-12")
    static let isPresent = FileManager.default.fileExists(atPath: suiteFolder.path)

    /// Every required file of draft 2020-12 (the suite's `optional/` folder is not required).
    static func files() throws -> [URL] {
        try FileManager.default.contentsOfDirectory(at: suiteFolder, includingPropertiesForKeys: nil)
            .filter { $0.pathExtension == "json" }.sorted { $0.lastPathComponent < $1.lastPathComponent }
    }

    /// The documents the suite refers to by URI: its `remotes/` as served at `http://localhost:1234/`, and the draft
    /// 2020-12 metaschema and vocabularies (fetched beside it) by their `$id`.
    static func remotes() throws -> [String: JSONValue] {
        var documents: [String: JSONValue] = [:]
        for (folder, prefix) in [("remotes", "http://localhost:1234/"), ("metaschemas", "")] {
            let root = suiteRoot.appendingPathComponent(folder)
            guard let walker = FileManager.default.enumerator(at: root, includingPropertiesForKeys: [.isRegularFileKey]) else { continue }
            for case let url as URL in walker where (try? url.resourceValues(forKeys: [.isRegularFileKey]).isRegularFile) == true {
                guard let document = try? JSONValue.parse(Data(contentsOf: url)) else { continue }
                let key = prefix.isEmpty ? document["$id"]?.stringValue : prefix + url.path.dropFirst(root.path.count + 1)
                if let key { documents[key] = document }
            }
        }
        return documents
    }

    struct Case {
        let id: String
        let schema: JSONValue
        let data: JSONValue
        let valid: Bool
    }

    static func cases() throws -> [Case] {
        try files().flatMap { url -> [Case] in
            let file = url.deletingPathExtension().lastPathComponent
            guard case .array(let groups) = try JSONValue.parse(Data(contentsOf: url)) else { return [] }
            return groups.flatMap { group -> [Case] in
                (group["tests"]?.arrayValue ?? []).map { test in
                    Case(
                        id: "\(file): \(group["description"]?.stringValue ?? "") / \(test["description"]?.stringValue ?? "")",
                        schema: group["schema"] ?? .bool(true), data: test["data"] ?? .null, valid: test["valid"] == .bool(true))
                }
            }
        }
    }

    @Test(
        .enabled(
            if: isPresent || ProcessInfo.processInfo.environment["CI_REQUIRE_ALL_TESTS"] != nil,
            "the official JSON-Schema test suite is not fetched: run scripts/fetch-json-schema-suite.sh (or set JSON_SCHEMA_TEST_SUITE)"))
    func everyRequiredCasePasses() throws {
        let cases = try Self.cases()
        let remotes = try Self.remotes()
        var failing: [String] = []
        for testCase in cases {
            // The suite checks `format` as an annotation only (draft 2020-12's default).
            let validator = SchemaValidator(document: testCase.schema, assertFormats: false, remotes: remotes)
            if validator.validate(testCase.data).isEmpty != testCase.valid { failing.append(testCase.id) }
        }
        print("JSON-Schema suite draft2020-12: \(cases.count) required cases in \(try Self.files().count) files, \(cases.count - failing.count) passed")
        #expect(failing.isEmpty, "failing cases:\n\(failing.joined(separator: "\n"))")
        #expect(cases.count > 1_000)
    }
}
