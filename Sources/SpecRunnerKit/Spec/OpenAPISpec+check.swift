import Foundation
import JSONValues

extension OpenAPISpec {
    /// The spec's word on a response: the status is documented, the media type is, the body matches the
    /// documented schema, and required headers are present.
    func check(_ response: ReceivedResponse, operation: Operation) -> [String] {
        guard let documented = self.response(for: operation, status: response.status) else {
            return ["spec: status \(response.status) is not documented for \(operation.id) (documented: \(operation.statuses.joined(separator: ", ")))"]
        }
        var failures: [String] = []
        for header in documented.requiredHeaders where response.header(header) == nil {
            failures.append("spec: header \(header) is required for \(operation.id) \(documented.statusKey) but missing")
        }
        // A documented header that is present must match its schema (`Retry-After` an integer, `Location` a URI).
        for (name, schema) in documented.headers.sorted(by: { $0.key < $1.key }) {
            guard let schema: JSONPointer = schema, let text = response.header(name) else { continue }
            let typed = ParameterStyle.typed(text, schemaAt: schema, in: self)
            failures += validator.validate(typed, schemaAt: schema).map { "spec: header \(name): \($0.message)" }
        }
        if documented.content.isEmpty {
            if !response.body.isEmpty {
                failures.append("spec: \(operation.id) \(documented.statusKey) documents no body, got \(response.body.count) bytes")
            }
            return failures
        }
        guard let mediaType = response.mediaType, let schemaEntry = documented.content[mediaType] else {
            return failures + ["spec: content type \(response.mediaType ?? "(none)") is not documented for \(operation.id) \(documented.statusKey) (documented: \(documented.content.keys.sorted().joined(separator: ", ")))"]
        }
        // A held answer's body is read in the background, not here.
        if response.held { return failures }
        if let events = response.events {
            guard let stream = documented.streams[mediaType] else { return failures }
            return failures + StreamCheck.againstSpec(events, spec: stream, validator: validator, label: "\(operation.id) \(documented.statusKey)")
        }
        guard let schemaPointer = schemaEntry else { return failures }
        let value: JSONValue
        if mediaType == "application/json" || mediaType.hasSuffix("+json") {
            guard let json = response.json else {
                return failures + ["spec: \(operation.id) \(documented.statusKey) must be JSON, got: \(response.text.prefix(100))"]
            }
            value = json
        } else {
            value = .string(response.text)
        }
        return failures + validator.validate(value, schemaAt: schemaPointer, direction: .response).map { "schema: \($0)" }
    }
}
