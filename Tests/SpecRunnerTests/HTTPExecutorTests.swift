import Foundation
import Testing

@testable import SpecRunnerKit

/// The executor against a server that closes kept-alive connections as a request arrives: the request goes once
/// more on a new connection, and the result says so; a server that never answers is still an error.
@Suite("HTTP executor")
struct HTTPExecutorTests {
    @Test func aRequestMetByAClosedKeptAliveConnectionIsSentOnceMoreAndSaysSo() async throws {
        let server = try KeepAliveDropServer(answersPerConnection: 1)
        defer { server.stop() }
        // The first connection must still be in the pool for the second request, however long a loaded machine
        // keeps this test waiting between the two (under a full suite beside CPU hogs, over a minute).
        let executor = HTTPExecutor(maxConnections: 1, idleTimeout: .seconds(3_600))
        let request = SentRequest(method: "GET", url: "http://127.0.0.1:\(server.port)/health", headers: [], body: nil)
        let first = try await executor.send(request, timeout: 10)
        #expect(first.status == 200 && !first.resent)
        // The pool keeps the first connection; the server closes it on this request, which goes again on a new one.
        let second = try await executor.send(request, timeout: 10)
        #expect(second.status == 200 && second.resent)
        try await executor.shutdown()
    }

    @Test func aServerThatClosesEveryConnectionUnansweredIsAnError() async throws {
        let server = try KeepAliveDropServer(answersPerConnection: 0)
        defer { server.stop() }
        let executor = HTTPExecutor(maxConnections: 1)
        let request = SentRequest(method: "POST", url: "http://127.0.0.1:\(server.port)/register", headers: [], body: "{}")
        let error = await #expect(throws: (any Error).self) { try await executor.send(request, timeout: 10) }
        #expect(error.map(HTTPExecutor.closedBeforeAnswer) == true, "\(String(describing: error))")
        try await executor.shutdown()
    }

    /// This server sends a body after HEAD answers too (and keeps the connection open regardless): read raw, the
    /// body is seen, and the next request, on a pooled connection, still gets its own answer.
    @Test func aHeadAnswerIsReadRawSoABodyIsSeenAndSpoilsNoOtherAnswer() async throws {
        let server = try KeepAliveDropServer(answersPerConnection: 100)
        defer { server.stop() }
        let executor = HTTPExecutor(maxConnections: 1)
        let url = "http://127.0.0.1:\(server.port)/health"
        let head = try await executor.send(SentRequest(method: "HEAD", url: url, headers: [("X-Probe", "1")], body: nil), timeout: 10)
        #expect(head.status == 200 && head.text == "{}" && head.header("content-type") == "application/json")
        let get = try await executor.send(SentRequest(method: "GET", url: url, headers: [], body: nil), timeout: 10)
        #expect(get.status == 200 && get.text == "{}")
        try await executor.shutdown()
    }

    @Test func aRawAnswerIsParsedOnlyWhenItsHeadIsComplete() {
        let answer = RawExchange.parse(Array("HTTP/1.1 405 Method Not Allowed\r\nAllow: GET, HEAD\r\nContent-Length: 0\r\n\r\n".utf8))
        #expect(answer?.status == 405 && answer?.header("allow") == "GET, HEAD" && answer?.body.isEmpty == true)
        #expect(RawExchange.parse(Array("HTTP/1.1 200 OK\r\nContent-Length: 2\r\n".utf8)) == nil)
        #expect(RawExchange.parse(Array("garbage\r\n\r\n".utf8)) == nil)
        let chunked = RawExchange.parse(Array("HTTP/1.1 408 Request Timeout\r\nTransfer-Encoding: chunked\r\n\r\n4;x=y\r\n{\"a\"\r\n3\r\n:1}\r\n0\r\n\r\n".utf8))
        #expect(chunked?.text == #"{"a":1}"#)
    }
}
