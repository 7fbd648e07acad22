import Foundation
import Testing
import Yams
import JSONValues

@testable import SpecRunnerKit

@Suite("JSONPath and OpenAPI Overlays")
struct OverlayTests {
    let document = try! JSONValue.parse(#"""
        {"paths": {"/a": {"get": {"responses": {"200": {"d": 1}, "404": {"d": 2}}}},
                   "/b": {"post": {"responses": {"200": {"d": 3}}}}},
         "list": [1, 2, 3], "x": {"list": [4]}}
        """#)

    func select(_ path: String) throws -> [String] {
        try JSONPath(path).select(in: document).map(\.description)
    }

    @Test func selectsNamesIndicesWildcardsUnionsAndDescendants() throws {
        #expect(try select("$") == [""])
        #expect(try select("$.paths['/a'].get.responses['404']") == ["/paths/~1a/get/responses/404"])
        #expect(try select("$.paths[*][*].responses['200']") == ["/paths/~1a/get/responses/200", "/paths/~1b/post/responses/200"])
        #expect(try select("$.paths['/a','/b']") == ["/paths/~1a", "/paths/~1b"])
        #expect(try select("$.list[0]") == ["/list/0"])
        #expect(try select("$.list[-1]") == ["/list/2"])
        #expect(try select("$..list") == ["/list", "/x/list"])
        #expect(try select("$.nothing.here").isEmpty)
    }

    @Test func refusesWhatItDoesNotImplement() {
        #expect(throws: SpecError.self) { try JSONPath("paths") }
        #expect(throws: SpecError.self) { try JSONPath("$.list[?@ > 1]") }
        #expect(throws: SpecError.self) { try JSONPath("$.list[0:2]") }
        #expect(throws: SpecError.self) { try JSONPath("$['unterminated") }
    }

    func overlay(_ yaml: String) throws -> Overlay {
        try JSONDecoder().decode(Overlay.self, from: JSONEncoder().encode(try JSONValue(any: try Yams.load(yaml: yaml))))
    }

    @Test func updateMergesRecursivelyAppendsToArraysAndRemoveDeletes() throws {
        let result = try overlay("""
            overlay: 1.0.0
            info: { title: t, version: "1" }
            actions:
              - { target: "$.paths['/a'].get.responses['200']", description: d, update: { d: 9, e: { f: 1 } } }
              - { target: "$.paths['/a'].get.responses['200'].e", description: d, update: { g: 2 } }
              - { target: "$.list", description: d, update: 4 }
              - { target: "$.paths['/b']", description: d, remove: true }
              - { target: "$.x.list[0]", description: d, remove: true }
            """).apply(to: document)
        #expect(JSONPointer("/paths/~1a/get/responses/200")?.resolve(in: result) == (try JSONValue.parse(#"{"d": 9, "e": {"f": 1, "g": 2}}"#)))
        #expect(result["list"] == .array([.number(1), .number(2), .number(3), .number(4)]))
        #expect(JSONPointer("/paths/~1b")?.resolve(in: result) == nil)
        #expect(result["x"]?["list"] == .array([]))
        #expect(result["paths"]?["/a"]?["get"]?["responses"]?["404"] == document["paths"]?["/a"]?["get"]?["responses"]?["404"])
    }

    @Test func aTargetThatMatchesNothingOrAnActionWithoutReasonIsAnError() throws {
        let broken = try overlay("""
            overlay: 1.0.0
            info: { title: t, version: "1" }
            actions:
              - { target: "$.nothing", description: d, remove: true }
              - { target: "$.list", update: 1 }
              - { target: "$.list", description: d }
            """)
        #expect(throws: SpecError.self) { try broken.apply(to: document) }
        #expect(broken.problems(document: document) == [
            "overlay action 1 ($.nothing): the target matches nothing in the spec",
            "overlay action 2 ($.list): needs a description saying why",
            "overlay action 3 ($.list): needs exactly one of 'update' or 'remove: true'",
        ])
    }
}
