import Foundation
import ServerSentEvents
import Testing
import JSONValues

@testable import SpecRunnerKit

@Suite("Server-sent events")
struct StreamTests {
    @Test func parserHandlesSplitChunksCommentsMultilineDataAndCRLF() throws {
        var parser = ServerSentEventParser()
        var events = try parser.feed(Array("data: {\"a\"".utf8))
        #expect(events.isEmpty)
        events += try parser.feed(Array(":1}\n\n: a comment\nevent: error\r\ndata: one\r".utf8))
        events += try parser.feed(Array("\ndata: two\r\n\r\nid: 7\ndata: [DONE]\n".utf8))
        if let last = try parser.finish() { events.append(last) }
        #expect(events == [
            ServerSentEvent(data: #"{"a":1}"#),
            ServerSentEvent(event: "error", data: "one\ntwo"),
            ServerSentEvent(data: "[DONE]", id: "7"),
        ])
        #expect(ServerSentEvent(event: "error", data: "a\nb").wireFormat == "event: error\ndata: a\ndata: b\n\n")
        #expect(ServerSentEvent(data: #"{"response":"a"}"#, id: "7").wireFormat == "id: 7\ndata: {\"response\":\"a\"}\n\n")
        #expect(ServerSentEvent(data: "").wireFormat == "data: \n\n")
    }

    /// Feeds one line of `length` bytes a byte at a time, as a slow upstream would send it; the time it took.
    private static func feedOneByteAtATime(length: Int) throws -> Duration {
        var parser = ServerSentEventParser(maxLineBytes: 1 << 24)
        let start = ContinuousClock.now
        _ = try parser.feed(Array("data: ".utf8))
        for _ in 0..<length { _ = try parser.feed(CollectionOfOne(UInt8(ascii: "x"))) }
        let events = try parser.feed(Array("\n\n".utf8))
        #expect(events.first?.data.count == length)
        return ContinuousClock.now - start
    }

    /// Each byte is looked at once: ten times the line costs about ten times the time (a parser that searched the
    /// whole buffer on every feed took a hundred times). Measured against its own baseline in the same test.
    @Test func parsingIsLinearInTheLineLength() throws {
        _ = try Self.feedOneByteAtATime(length: 2_000)
        let small = try Self.feedOneByteAtATime(length: 20_000)
        let large = try Self.feedOneByteAtATime(length: 200_000)
        #expect(large / small < 40, "10× the input took \(large / small)× the time")
    }

    @Test func aLineOrAnEventPastItsBoundThrows() throws {
        var lines = ServerSentEventParser(maxLineBytes: 1_000, maxEventBytes: 10_000)
        _ = try lines.feed(Array(repeating: UInt8(ascii: "x"), count: 1_000))
        #expect(throws: ServerSentEventParser.Overflow.self) { try lines.feed(CollectionOfOne(UInt8(ascii: "x"))) }
        var events = ServerSentEventParser(maxLineBytes: 1_000, maxEventBytes: 10_000)
        let line = Array(("data: " + String(repeating: "y", count: 900) + "\n").utf8)
        for _ in 0..<11 {
            _ = try? events.feed(line)
        }
        #expect(throws: ServerSentEventParser.Overflow.self) { try events.feed(line) }
        var fine = ServerSentEventParser(maxLineBytes: 1_000, maxEventBytes: 10_000)
        for _ in 0..<20 { #expect(try fine.feed(line + Array("\n".utf8)).count == 1, "each event under the bound passes") }
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

    @Test func theLastDataEventIsCheckedOnItsOwn() throws {
        let events = [
            ServerSentEvent(data: #"{"choices":[{"delta":{"content":"hi"}}]}"#),
            ServerSentEvent(data: #"{"choices":[],"usage":{"total_tokens":8}}"#), ServerSentEvent(data: "[DONE]"),
        ]
        let last = try JSONDecoder().decode([String: Matcher].self, from: Data(#"{"/usage/total_tokens":8,"/choices":{"length":0}}"#.utf8))
        #expect(try StreamCheck.expectations(events, StreamExpectation(lastEvent: last), render: { $0 }).isEmpty)
        let wrong = try JSONDecoder().decode([String: Matcher].self, from: Data(#"{"/usage/total_tokens":9}"#.utf8))
        #expect(try StreamCheck.expectations(events, StreamExpectation(lastEvent: wrong), render: { $0 }) == ["stream last event /usage/total_tokens: expected 9, found 8"])
    }

    /// `errorEvent` checks what the error event holds, and implies that the stream ends with one.
    @Test func theErrorEventIsCheckedOnItsOwn() throws {
        let piece = ServerSentEvent(data: #"{"response":"a"}"#)
        let failed = [piece, ServerSentEvent(event: "error", data: #"{"code":"upstream_timeout","error":"went silent for more than 2 s"}"#)]
        let matchers = try JSONDecoder().decode([String: Matcher].self, from: Data(#"{"/code":"upstream_timeout","/error":{"contains":"silent"}}"#.utf8))
        #expect(try StreamCheck.expectations(failed, StreamExpectation(errorEvent: matchers), render: { $0 }).isEmpty)
        let other = try JSONDecoder().decode([String: Matcher].self, from: Data(#"{"/error":{"contains":"in time"}}"#.utf8))
        #expect(try StreamCheck.expectations(failed, StreamExpectation(errorEvent: other), render: { $0 }).map { $0.hasPrefix("stream error event /error:") } == [true])
        #expect(try StreamCheck.expectations([piece, ServerSentEvent(data: "[DONE]")], StreamExpectation(errorEvent: matchers), render: { $0 })
            == ["stream: expected an error event, found none"])
    }
}
