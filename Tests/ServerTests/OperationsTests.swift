import Foundation
import Hummingbird
import HummingbirdTesting
import Logging
import ProjectFiles
import Testing

@testable import AIWorkerServer

@Suite("Operations: health, readiness, metrics, logs")
struct OperationsTests {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    @Test func healthAndReadinessAnswerJSON() async throws {
        try await withApp { client in
            let health = try await client.send(.get, "/health")
            #expect(health.status == .ok)
            #expect(try health.json()["status"] as? String == "ok")
            let ready = try await client.send(.get, "/ready")
            #expect(ready.status == .ok)
            var checks = try #require(try ready.json()["checks"] as? [String: String])
            if TestDatabase.isPostgres {
                // The listener may still be connecting; it does not make the instance unready.
                #expect(["ok", "down"].contains(checks.removeValue(forKey: "notifications")))
            }
            #expect(checks == ["database": "ok", "migrations": "ok", "model_backend": "mock"])
        }
    }

    @Test func metricsCountRequestsByRouteAndStatusAndFailedLogins() async throws {
        try await withApp { client in
            _ = try await client.send(.post, "/login", json: #"{"email":"nobody@example.com","password":"whatever1"}"#)
            _ = try await client.send(.get, "/nope")
            for index in 0..<20 { _ = try await client.send(HTTPRequest.Method("INVENTED\(index)")!, "/nope") }
            let user = try await client.registerUser()
            _ = try await client.send(.post, "/chat/completions", json: helloChat, headers: bearer(user.token))
            let metrics = try await client.send(.get, "/metrics")
            #expect(metrics.status == .ok)
            #expect(metrics.headers[.contentType]?.hasPrefix("text/plain; version=0.0.4") == true)
            let text = metrics.text
            #expect(text.contains(#"http_requests_total{route="/login",method="POST",status="401"} 1"#))
            #expect(text.contains(#"status="404""#))
            #expect(text.contains("logins_failed_total 1"))
            #expect(text.contains(#"http_request_duration_seconds_bucket{route="/chat/completions",method="POST""#))
            #expect(text.contains(#"chat_backend_duration_seconds_count{backend="mock"} 1"#))
            #expect(!text.contains("INVENTED"), "invented methods share one label")
            #expect(text.contains(#"http_requests_total{route="NotFound",method="OTHER",status="404"} 20"#), "\(text)")
        }
    }

    @Test func metricsTokenProtectsMetrics() async throws {
        let token = "metrics-token-0123456789"
        try await withApp(["metrics.token": token]) { client in
            let open = try await client.send(.get, "/metrics")
            #expect(open.status == .unauthorized)
            #expect(try open.errorCode() == "metrics_token_required")
            #expect(try await client.send(.get, "/metrics", headers: bearer("wrong")).status == .unauthorized)
            #expect(try await client.send(.get, "/metrics", headers: bearer(token)).status == .ok)
        }
    }

    @Test func theFrontDoorIsAPageForBrowsersAndJSONOnRequest() async throws {
        try await withApp { client in
            for accept in [nil, "*/*", "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"] {
                let page = try await client.send(.get, "/", headers: accept.map { [.accept: $0] } ?? [:])
                #expect(page.status == .ok && page.headers[.contentType] == "text/html; charset=utf-8", "\(accept ?? "no Accept")")
                for link in ["/console", "/docs", "/openapi.json", "/health"] { #expect(page.text.contains(#"<a href="\#(link)">"#)) }
                #expect(page.text.contains("Version \(ProjectFiles.version)"))
            }
            let json = try await client.send(.get, "/", headers: [.accept: "application/json"])
            #expect(json.status == .ok)
            let object = try json.json()
            #expect(object["name"] as? String == "AI Worker API" && object["version"] as? String == ProjectFiles.version)
            #expect(object["links"] as? [String: String] == ["console": "/console", "docs": "/docs", "openapi": "/openapi.json", "health": "/health"])
            let refused = try await client.send(.get, "/", headers: [.accept: "image/png"])
            #expect(refused.status == .notAcceptable)
            #expect(try refused.errorCode() == "not_acceptable")
            // Every link of the page answers.
            for link in ["/console", "/docs", "/openapi.json", "/health"] { #expect(try await client.send(.get, link).status == .ok, "\(link)") }
        }
    }

    @Test func servesTheBuiltInSpecAndReferenceWithNoPathsSet() async throws {
        try await withApp { client in
            let document = try await client.send(.get, "/openapi.json")
            #expect(document.status == .ok)
            #expect(try document.json()["openapi"] as? String == "3.1.0")
            let docs = try await client.send(.get, "/docs")
            #expect(docs.status == .ok)
            #expect(docs.text.hasPrefix("<!DOCTYPE html>"))
        }
    }

    @Test func servesTheSpecAndSaysWhenTheReferenceIsMissing() async throws {
        let spec = Self.root.appendingPathComponent("spec/openapi.json").path
        try await withApp(["docs.specPath": spec, "docs.htmlPath": "/nonexistent/index.html"]) { client in
            let document = try await client.send(.get, "/openapi.json")
            #expect(document.status == .ok)
            #expect(try document.json()["openapi"] as? String == "3.1.0")
            let docs = try await client.send(.get, "/docs")
            #expect(docs.status == .notFound)
            #expect(try docs.errorCode() == "not_found")
        }
    }

    @Test func structuredLogLinesCarryMetadata() throws {
        let json = StructuredLogHandler(label: "t", format: .json)
            .render([("message", "Listening"), ("hb.request.id", "abc"), ("path", "/a b"), ("message", "Request")])
        #expect(String(decoding: json, as: UTF8.self) == #"{"hb.request.id":"abc","message":"Request","path":"/a b"}"#, "keys sorted, the later of two kept")
        let logfmt = String(decoding: StructuredLogHandler(label: "t", format: .logfmt).render([("message", "say \"hi\""), ("id", "abc")]), as: UTF8.self)
        #expect(logfmt == #"message="say \"hi\"" id=abc"#)
        let awkward = "quote \" backslash \\ newline \n tab \t bell \u{7} nul \u{0} é 🙂 \u{2028} \u{2029} next line \u{85} del \u{7F} no-break \u{A0}"
        let line = String(decoding: StructuredLogHandler(label: "t", format: .json).render([("message", awkward)]), as: UTF8.self)
        #expect(!line.contains("\n") && !line.contains("\u{7}") && !line.contains("\u{0}"))
        for hidden in ["\u{2028}", "\u{2029}", "\u{85}", "\u{7F}"] { #expect(!line.unicodeScalars.contains(hidden.unicodeScalars.first!)) }
        #expect(line.contains(#"\u2028 \u2029 next line \u0085 del \u007f no-break "# + "\u{A0}"), "what a viewer could break a line on is escaped: \(line)")
        let parsed = try #require(try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: String])
        #expect(parsed == ["message": awkward])
        #expect(StructuredLogHandler.now().wholeMatch(of: #/\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z/#) != nil)
        let parser = ISO8601DateFormatter()
        parser.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        let logged = try #require(parser.date(from: StructuredLogHandler.now()))
        #expect(abs(logged.timeIntervalSinceNow) < 60, "the time written is now: \(logged)")
    }

    /// A line holds the handler's metadata and the event's; for a name in both, the event's value is written.
    @Test func logLinesMergeHandlerAndEventMetadata() throws {
        let event = LogEvent(level: .info, message: "Request", metadata: ["status": "200", "hb.request.id": "from-event"],
                             source: nil, file: #fileID, function: #function, line: #line)
        var json = StructuredLogHandler(label: "t", format: .json)
        json.metadata = ["hb.request.id": "from-handler", "zone": "a"]
        let line = json.line(for: event)
        #expect(line.last == UInt8(ascii: "\n") && line.dropLast().firstIndex(of: UInt8(ascii: "\n")) == nil)
        let parsed = try #require(try JSONSerialization.jsonObject(with: Data(line)) as? [String: String])
        #expect(parsed["hb.request.id"] == "from-event" && parsed["zone"] == "a" && parsed["status"] == "200")
        #expect(parsed["message"] == "Request" && parsed["level"] == "info" && parsed["logger"] == "t")
        var logfmt = StructuredLogHandler(label: "t", format: .logfmt)
        logfmt.metadata = json.metadata
        let text = String(decoding: logfmt.line(for: event), as: UTF8.self)
        #expect(text.hasSuffix(" level=info logger=t message=Request hb.request.id=from-event status=200 zone=a\n"), "\(text)")
        #expect(text.hasPrefix("time="))
    }
}
