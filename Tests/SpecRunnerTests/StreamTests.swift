import Foundation
import ServerSentEvents
import Testing
import JSONValues

@testable import SpecRunner

@Suite("Server-sent events")
struct StreamTests {
    @Test func parserHandlesSplitChunksCommentsMultilineDataAndCRLF() {
        var parser = ServerSentEventParser()
        var events = parser.feed(Array("data: {\"a\"".utf8))
        #expect(events.isEmpty)
        events += parser.feed(Array(":1}\n\n: a comment\nevent: error\r\ndata: one\r\ndata: two\r\n\r\nid: 7\ndata: [DONE]\n".utf8))
        if let last = parser.finish() { events.append(last) }
        #expect(events == [
            ServerSentEvent(data: #"{"a":1}"#),
            ServerSentEvent(event: "error", data: "one\ntwo"),
            ServerSentEvent(data: "[DONE]", id: "7"),
        ])
        #expect(ServerSentEvent(event: "error", data: "a\nb").wireFormat == "event: error\ndata: a\ndata: b\n\n")
    }

    static let spec = OpenAPISpec.StreamSpec(eventSchema: JSONPointer("#/event")!, errorEventSchema: JSONPointer("#/error")!, terminator: "[DONE]")
    static let validator = SchemaValidator(document: try! JSONValue.parse(#"""
        {"event": {"type": "object", "required": ["response"], "properties": {"response": {"type": "string"}}},
         "error": {"type": "object", "required": ["error", "code"]}}
        """#))

    @Test func aStreamWithoutItsTerminatorOrWithBadEventsFails() {
        let good = [ServerSentEvent(data: #"{"response":"a"}"#), ServerSentEvent(data: "[DONE]")]
        #expect(StreamCheck.againstSpec(good, spec: Self.spec, validator: Self.validator, label: "op").isEmpty)
        let cut = [ServerSentEvent(data: #"{"response":"a"}"#)]
        #expect(StreamCheck.againstSpec(cut, spec: Self.spec, validator: Self.validator, label: "op").first?.contains("must end with data: [DONE]") == true)
        let bad = [ServerSentEvent(data: #"{"text":"a"}"#), ServerSentEvent(data: "[DONE]"), ServerSentEvent(data: "{}")]
        let failures = StreamCheck.againstSpec(bad, spec: Self.spec, validator: Self.validator, label: "op")
        #expect(failures.contains { $0.contains("event 0") && $0.contains("missing required property 'response'") })
        #expect(failures.contains { $0.contains("is [DONE] but more events follow") })
        let failed = [ServerSentEvent(data: #"{"response":"a"}"#), ServerSentEvent(event: "error", data: #"{"error":"x","code":"upstream_error"}"#)]
        #expect(StreamCheck.againstSpec(failed, spec: Self.spec, validator: Self.validator, label: "op").isEmpty)
    }

    @Test func streamExpectationsJoinTheTextAndNoticeErrors() throws {
        let events = [ServerSentEvent(data: #"{"response":"Hel"}"#), ServerSentEvent(data: #"{"response":"lo"}"#), ServerSentEvent(data: "[DONE]")]
        let matcher = try JSONDecoder().decode(Matcher.self, from: Data(#"{"contains":"Hello"}"#.utf8))
        let expectation = StreamExpectation(pointer: "/response", text: matcher, minEvents: 2, error: nil)
        #expect(try StreamCheck.expectations(events, expectation, render: { $0 }).isEmpty)
        let failed = events.dropLast() + [ServerSentEvent(event: "error", data: "{}")]
        #expect(try StreamCheck.expectations(Array(failed), expectation, render: { $0 }).contains { $0.hasPrefix("stream: ended with an error event") })
    }
}
