import Foundation
import Testing

@testable import SpecRunner

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

    /// The files of the keywords the validator supports; every case in them runs.
    static let supportedFiles = [
        "additionalProperties", "allOf", "anchor", "anyOf", "boolean_schema", "const", "contains", "content", "default",
        "defs", "dependentRequired", "dependentSchemas", "enum", "exclusiveMaximum", "exclusiveMinimum", "format",
        "if-then-else", "infinite-loop-detection", "items", "maxContains", "maxItems", "maxLength", "maxProperties",
        "maximum", "minContains", "minItems", "minLength", "minProperties", "minimum", "multipleOf", "not", "oneOf",
        "pattern", "patternProperties", "prefixItems", "properties", "propertyNames", "ref", "required", "type",
        "uniqueItems",
    ]

    /// Files left out whole, with the reason: keywords the validator does not implement.
    static let unsupportedFiles = [
        "dynamicRef": "$dynamicRef is not supported",
        "refRemote": "remote references need a network",
        "unevaluatedItems": "unevaluatedItems is not supported",
        "unevaluatedProperties": "unevaluatedProperties is not supported",
        "vocabulary": "custom metaschemas with $vocabulary are not supported",
    ]

    /// Cases of supported files that are expected to fail, each with its reason: `file: group / test`.
    static let skipped: [String: String] = [
        "defs: validate definition against metaschema / valid definition schema":
            "needs the draft 2020-12 metaschema, a remote document",
        "ref: remote ref, containing refs itself / remote ref valid": "needs the draft 2020-12 metaschema, a remote document",
        "not: collect annotations inside a 'not', even if collection is disabled / unevaluated property":
            "needs unevaluatedProperties",
        "ref: ref creates new scope when adjacent to keywords / referenced subschema doesn't see annotations from properties":
            "needs unevaluatedProperties",
    ]

    struct Case {
        let id: String
        let schema: JSONValue
        let data: JSONValue
        let valid: Bool
    }

    static func cases() throws -> [Case] {
        try supportedFiles.flatMap { file -> [Case] in
            let url = suiteFolder.appendingPathComponent("\(file).json")
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
    func everySupportedCasePassesOrIsListedAsSkipped() throws {
        let cases = try Self.cases()
        var passed = 0
        var unexpected: [String] = []
        var staleSkips: [String] = []
        for testCase in cases {
            // The suite checks `format` as an annotation only (draft 2020-12's default).
            let validator = SchemaValidator(document: testCase.schema, assertFormats: false)
            let ok = validator.validate(testCase.data).isEmpty == testCase.valid
            switch (ok, Self.skipped[testCase.id] != nil) {
            case (true, false): passed += 1
            case (true, true): staleSkips.append(testCase.id)
            case (false, false): unexpected.append(testCase.id)
            case (false, true): break
            }
        }
        print("JSON-Schema suite draft2020-12: \(cases.count) cases in \(Self.supportedFiles.count) files, \(passed) passed, \(Self.skipped.count) skipped as listed; files not run: \(Self.unsupportedFiles.keys.sorted().joined(separator: ", "))")
        #expect(unexpected.isEmpty, "failing cases: \(unexpected.joined(separator: "\n"))")
        #expect(staleSkips.isEmpty, "skipped cases that now pass: \(staleSkips)")
        #expect(passed + Self.skipped.count == cases.count)
    }
}
