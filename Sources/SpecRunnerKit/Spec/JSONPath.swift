import JSONValues
/// A JSONPath query (RFC 9535) of the kind OpenAPI Overlays use to name their targets: `$`, child names
/// (`.name`, `['name']`, `["name"]`), array indices (`[0]`, `[-1]`), wildcards (`.*`, `[*]`), unions
/// (`['a', 'b']`) and descendants (`..name`, `..*`). Filter expressions and slices are refused with a message, never silently ignored.
struct JSONPath: Sendable, CustomStringConvertible {
    enum Selector: Sendable, Equatable {
        case name(String)
        case index(Int)
        case wildcard
    }

    /// One step of the query: selectors applied to the children, or (`descendants`) to every node below.
    struct Segment: Sendable, Equatable {
        let selectors: [Selector]
        let descendants: Bool
    }

    let segments: [Segment]
    let description: String

    /// Parses `text`; throws `SpecError` saying where the query stops making sense.
    init(_ text: String) throws {
        description = text
        var rest = Substring(text)
        guard rest.first == "$" else { throw SpecError("JSONPath '\(text)' must start with $") }
        rest = rest.dropFirst()
        var segments: [Segment] = []
        while !rest.isEmpty {
            var descendants = false
            if rest.hasPrefix("..") {
                descendants = true
                rest = rest.dropFirst(2)
                if rest.first == "[" {
                    segments.append(Segment(selectors: try Self.bracket(&rest, in: text), descendants: true))
                    continue
                }
            } else if rest.first == "." {
                rest = rest.dropFirst()
            } else if rest.first == "[" {
                segments.append(Segment(selectors: try Self.bracket(&rest, in: text), descendants: false))
                continue
            } else {
                throw SpecError("JSONPath '\(text)': unexpected '\(rest.prefix(10))'")
            }
            if rest.first == "*" {
                rest = rest.dropFirst()
                segments.append(Segment(selectors: [.wildcard], descendants: descendants))
                continue
            }
            let name = rest.prefix { $0.isLetter || $0.isNumber || $0 == "_" || $0 == "-" || $0 == "$" }
            guard !name.isEmpty else { throw SpecError("JSONPath '\(text)': expected a name after '.'") }
            rest = rest.dropFirst(name.count)
            segments.append(Segment(selectors: [.name(String(name))], descendants: descendants))
        }
        self.segments = segments
    }

    /// `[...]` at the start of `rest`: quoted names, indices or `*`, separated by commas.
    private static func bracket(_ rest: inout Substring, in text: String) throws -> [Selector] {
        rest = rest.dropFirst()
        var selectors: [Selector] = []
        while true {
            rest = rest.drop { $0 == " " }
            selectors.append(try selector(&rest, in: text))
            rest = rest.drop { $0 == " " }
            if rest.first == "," {
                rest = rest.dropFirst()
                continue
            }
            guard rest.first == "]" else { throw SpecError("JSONPath '\(text)': missing ']'") }
            rest = rest.dropFirst()
            return selectors
        }
    }

    /// One selector inside brackets: a quoted name, an index or `*`.
    private static func selector(_ rest: inout Substring, in text: String) throws -> Selector {
        if let quote = rest.first, quote == "'" || quote == "\"" {
            rest = rest.dropFirst()
            var name = ""
            while let character = rest.first, character != quote {
                rest = rest.dropFirst()
                if character == "\\", let escaped = rest.first {
                    rest = rest.dropFirst()
                    name.append(escaped)
                } else {
                    name.append(character)
                }
            }
            guard rest.first == quote else { throw SpecError("JSONPath '\(text)': unterminated name") }
            rest = rest.dropFirst()
            return .name(name)
        }
        let token = rest.prefix { $0 != "]" && $0 != "," && $0 != " " }
        rest = rest.dropFirst(token.count)
        if token == "*" { return .wildcard }
        if let index = Int(token) { return .index(index) }
        throw SpecError("JSONPath '\(text)': '\(token)' is not supported (names, indices, unions and * are; filters and slices are not)")
    }

    /// The pointers of every node the query selects in `document`, in document order.
    func select(in document: JSONValue) -> [JSONPointer] {
        var nodes: [(JSONPointer, JSONValue)] = [(.root, document)]
        for segment in segments {
            var next: [(JSONPointer, JSONValue)] = []
            for (pointer, value) in nodes {
                let candidates = segment.descendants ? Self.descendantsAndSelf(pointer, value) : [(pointer, value)]
                for (parentPointer, parent) in candidates {
                    for selector in segment.selectors {
                        next += Self.children(of: parent, at: parentPointer, matching: selector)
                    }
                }
            }
            nodes = next
        }
        return nodes.map(\.0)
    }

    private static func children(of value: JSONValue, at pointer: JSONPointer, matching selector: Selector) -> [(JSONPointer, JSONValue)] {
        switch (selector, value) {
        case (.name(let name), .object(let object)):
            return object[name].map { [(pointer.appending(name), $0)] } ?? []
        case (.index(let index), .array(let array)):
            let position = index < 0 ? array.count + index : index
            return array.indices.contains(position) ? [(pointer.appending(position), array[position])] : []
        case (.wildcard, .object(let object)):
            return object.keys.sorted().map { (pointer.appending($0), object[$0]!) }
        case (.wildcard, .array(let array)):
            return array.enumerated().map { (pointer.appending($0.offset), $0.element) }
        default:
            return []
        }
    }

    private static func descendantsAndSelf(_ pointer: JSONPointer, _ value: JSONValue) -> [(JSONPointer, JSONValue)] {
        [(pointer, value)] + children(of: value, at: pointer, matching: .wildcard).flatMap { descendantsAndSelf($0.0, $0.1) }
    }
}
