import Foundation
import JSONValues

/// Compares a body with an expected subset: every field of the subset must be in the body, equal.
enum BodySubset {
    static func differences(expected: JSONValue, actual: JSONValue, at pointer: JSONPointer) -> [String] {
        switch (expected, actual) {
        case (.object(let expectedObject), .object(let actualObject)):
            return expectedObject.sorted { $0.key < $1.key }.flatMap { key, value -> [String] in
                guard let actualValue = actualObject[key] else { return ["body subset \(pointer.appending(key)): missing"] }
                return differences(expected: value, actual: actualValue, at: pointer.appending(key))
            }
        case (.array(let expectedArray), .array(let actualArray)) where expectedArray.count == actualArray.count:
            return zip(expectedArray, actualArray).enumerated().flatMap { differences(expected: $1.0, actual: $1.1, at: pointer.appending($0)) }
        default:
            return expected == actual ? [] : ["body subset \(pointer.description.isEmpty ? "/" : pointer.description): expected \(expected.jsonText.prefix(100)), found \(actual.jsonText.prefix(100))"]
        }
    }
}
