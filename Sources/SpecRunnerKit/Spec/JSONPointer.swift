/// An RFC 6901 JSON Pointer such as `/messages/0/content`.
struct JSONPointer: Sendable, Hashable, CustomStringConvertible {
    let tokens: [String]

    static let root = JSONPointer(tokens: [])

    init(tokens: [String]) {
        self.tokens = tokens
    }

    /// Parses `""`, `/a/b`, or a URI fragment `#/a/b` (percent-decoded).
    init?(_ text: String) {
        var text = text
        if text.hasPrefix("#") {
            text = String(text.dropFirst()).removingPercentEncoding ?? String(text.dropFirst())
        }
        if text.isEmpty {
            self = .root
            return
        }
        guard text.hasPrefix("/") else { return nil }
        tokens = text.dropFirst().split(separator: "/", omittingEmptySubsequences: false).map {
            $0.replacingOccurrences(of: "~1", with: "/").replacingOccurrences(of: "~0", with: "~")
        }
    }

    func appending(_ token: String) -> JSONPointer {
        JSONPointer(tokens: tokens + [token])
    }

    func appending(_ index: Int) -> JSONPointer {
        appending(String(index))
    }

    var description: String {
        tokens.isEmpty ? "" : "/" + tokens.map { $0.replacingOccurrences(of: "~", with: "~0").replacingOccurrences(of: "/", with: "~1") }.joined(separator: "/")
    }

    /// What the pointer designates in `value`, or nil when it leads nowhere.
    func resolve(in value: JSONValue) -> JSONValue? {
        var current = value
        for token in tokens {
            switch current {
            case .object(let object):
                guard let next = object[token] else { return nil }
                current = next
            case .array(let array):
                guard let index = Int(token), array.indices.contains(index), token == String(index) else { return nil }
                current = array[index]
            default:
                return nil
            }
        }
        return current
    }
}

import Foundation
import JSONValues
