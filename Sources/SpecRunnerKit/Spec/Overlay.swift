import JSONValues
/// An OpenAPI Overlay 1.0 document: ordered actions that turn the reference contract into a deployment's own.
/// Each action's `description` says why the deployment differs there.
struct Overlay: Decodable, Sendable {
    struct Info: Decodable, Sendable {
        var title: String
        var version: String
    }

    /// One change: `update` merged into (or appended to) every node `target` selects, or those nodes removed.
    struct Action: Decodable, Sendable {
        var target: String
        var description: String?
        var update: JSONValue?
        var remove: Bool?
    }

    var overlay: String
    var info: Info
    var actions: [Action]

    /// `document` with every action applied in order; throws `SpecError` for an action that is malformed or
    /// whose target selects nothing (an overlay must not silently change nothing).
    func apply(to document: JSONValue, skipping skipped: Int? = nil) throws -> JSONValue {
        var result = document
        for (index, action) in actions.enumerated() where index != skipped {
            result = try apply(action, number: index + 1, to: result)
        }
        return result
    }

    /// Everything wrong with the overlay against `document`, one message each (for `specrunner lint`).
    func problems(document: JSONValue) -> [String] {
        var problems: [String] = []
        if !overlay.hasPrefix("1.0") { problems.append("overlay version '\(overlay)' is not 1.0.x") }
        var current = document
        for (index, action) in actions.enumerated() {
            do {
                current = try apply(action, number: index + 1, to: current)
            } catch {
                problems.append("\(error)")
            }
        }
        return problems
    }

    private func apply(_ action: Action, number: Int, to document: JSONValue) throws -> JSONValue {
        let label = "overlay action \(number) (\(action.target))"
        guard (action.remove == true) != (action.update != nil) else {
            throw SpecError("\(label): needs exactly one of 'update' or 'remove: true'")
        }
        guard action.description?.isEmpty == false else { throw SpecError("\(label): needs a description saying why") }
        let pointers = try JSONPath(action.target).select(in: document)
        guard !pointers.isEmpty else { throw SpecError("\(label): the target matches nothing in the spec") }
        // Deepest and last first, so that removing one node never shifts another the target selected.
        return pointers.reversed().reduce(document) { result, pointer in
            if let update = action.update {
                return result.editing(at: pointer) { $0.merging(update) }
            }
            return result.editing(at: pointer) { _ in nil }
        }
    }
}
