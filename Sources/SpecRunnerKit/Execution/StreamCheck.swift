import Foundation
import ServerSentEvents
import JSONValues

/// Checks of `text/event-stream` answers: each event against the spec's event schemas, the terminator last,
/// and a step's stream expectations.
enum StreamCheck {
    /// Every event of a stream the spec describes: data events match `x-event-schema`, an `error` event matches
    /// `x-error-event-schema` and ends the stream, otherwise the stream ends with `x-terminator`.
    static func againstSpec(_ events: [ServerSentEvent], spec: OpenAPISpec.StreamSpec, validator: SchemaValidator, label: String) -> [String] {
        var failures: [String] = []
        for (index, event) in events.enumerated() {
            let isLast = index == events.count - 1
            if let terminator = spec.terminator, event.data == terminator {
                if !isLast { failures.append("stream: \(label) event \(index) is \(terminator) but more events follow") }
                continue
            }
            let schema = event.event == "error" ? spec.errorEventSchema : spec.eventSchema
            if event.event == "error", !isLast { failures.append("stream: \(label) error event \(index) is not the last") }
            guard let schema else { continue }
            guard let json = try? JSONValue.parse(event.data) else {
                failures.append("stream: \(label) event \(index) is not JSON: \(event.data.prefix(100))")
                continue
            }
            failures += validator.validate(json, schemaAt: schema, direction: .response).map { "stream: \(label) event \(index) \($0)" }
        }
        if let terminator = spec.terminator, events.last?.event != "error", events.last?.data != terminator {
            failures.append("stream: \(label) must end with data: \(terminator), but \(events.isEmpty ? "has no events" : "ends with \(events.last!.data.prefix(100))")")
        }
        return failures
    }

    /// A step's expectations on a stream.
    static func expectations(_ events: [ServerSentEvent], _ expectation: StreamExpectation, render: (JSONValue) throws -> JSONValue) throws -> [String] {
        var failures: [String] = []
        let errorEvent = events.last { $0.event == "error" }
        if expectation.expectsError != (errorEvent != nil) {
            failures.append(errorEvent.map { "stream: ended with an error event: \($0.data.prefix(200))" } ?? "stream: expected an error event, found none")
        }
        let dataEvents = events.filter { $0.event != "error" && (try? JSONValue.parse($0.data)) != nil }
        if let minimum = expectation.minEvents, dataEvents.count < minimum {
            failures.append("stream: expected at least \(minimum) data events, found \(dataEvents.count)")
        }
        if let text = expectation.text {
            guard let pointer = JSONPointer(expectation.pointer ?? "") else { return failures + ["stream: '\(expectation.pointer ?? "")' is not a JSON Pointer"] }
            let joined = dataEvents.compactMap { event in (try? JSONValue.parse(event.data)).flatMap { pointer.resolve(in: $0)?.stringValue } }.joined()
            if let problem = try text.failure(for: .string(joined), render: render) {
                failures.append("stream text: \(problem)")
            }
        }
        if !expectation.lastEvent.isEmpty {
            guard let last = dataEvents.last.flatMap({ try? JSONValue.parse($0.data) }) else { return failures + ["stream: no data event to check the last of"] }
            failures += try check(expectation.lastEvent, in: last, label: "stream last event", render: render)
        }
        if !expectation.errorEvent.isEmpty, let errorEvent {
            guard let data = try? JSONValue.parse(errorEvent.data) else { return failures + ["stream: the error event is not JSON: \(errorEvent.data.prefix(100))"] }
            failures += try check(expectation.errorEvent, in: data, label: "stream error event", render: render)
        }
        return failures
    }

    /// The failures of `matchers` (JSON Pointer -> matcher) on one event's data.
    private static func check(_ matchers: [String: Matcher], in data: JSONValue, label: String, render: (JSONValue) throws -> JSONValue) throws -> [String] {
        var failures: [String] = []
        for (path, matcher) in matchers.sorted(by: { $0.key < $1.key }) {
            guard let pointer = JSONPointer(path) else { failures.append("\(label): '\(path)' is not a JSON Pointer"); continue }
            if let problem = try matcher.failure(for: pointer.resolve(in: data), render: render) {
                failures.append("\(label) \(path): \(problem)")
            }
        }
        return failures
    }
}
