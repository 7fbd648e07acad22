import HTTPTypes
import Hummingbird
import HummingbirdTesting
import ProjectFiles
import Testing

@testable import AIWorkerServer

/// The web console is three built-in files under `/console`, each behind a strict Content-Security-Policy, and
/// nothing at all when `CONSOLE_ENABLED` is false. (scripts/check-console.py drives it in a browser.)
@Suite("Web console")
struct ConsoleTests {
    @Test func thePageItsScriptAndItsStyleAreServedUnderAStrictPolicy() async throws {
        try await withApp { client in
            for (path, type, marker) in [
                ("/console", "text/html; charset=utf-8", #"<script src="/console/console.js" defer></script>"#),
                ("/console/console.js", "text/javascript; charset=utf-8", "async function api("),
                ("/console/console.css", "text/css; charset=utf-8", "prefers-color-scheme: dark"),
            ] {
                let answer = try await client.send(.get, path)
                #expect(answer.status == .ok && answer.headers[.contentType] == type, "\(path)")
                #expect(answer.text.contains(marker), "\(path)")
                let policy = try #require(answer.headers[.contentSecurityPolicy], "\(path)")
                #expect(policy.contains("default-src 'none'") && policy.contains("script-src 'self'") && !policy.contains("unsafe-inline"))
                #expect(answer.headers[.cacheControl] == "no-store")
            }
            let page = try await client.send(.get, "/console").text
            #expect(!page.contains("<script>") && !page.contains("<style") && !page.contains(" style="), "no inline script or style")
        }
    }

    @Test func theConsoleUsesOnlyDocumentedOperations() throws {
        let script = try #require(ProjectFiles.file("console/console.js"))
        let spec = try #require(ProjectFiles.file("spec/openapi.json"))
        for path in ["/register", "/login", "/logout", "/sessions/revoke-all", "/api-keys/list", "/api-keys/create", "/api-keys/revoke/", "/chat/completions", "/v1/models", "/openapi.json"] {
            #expect(spec.contains(#""\#(path)"#) || spec.contains(#""\#(path){keyId}""#), "\(path) is in the spec")
        }
        // Every quoted path the script calls is one of them.
        let called = script.matches(of: /["`](\/[a-z0-9\/\.-]+)/).map { String($0.output.1) }
        #expect(Set(called).isSubset(of: ["/register", "/login", "/logout", "/sessions/revoke-all", "/api-keys/list", "/api-keys/create",
                                          "/api-keys/revoke/", "/chat/completions", "/v1/models", "/openapi.json"]), "\(called)")
    }

    @Test func consoleEnabledFalseLeavesNoTraceOfIt() async throws {
        try await withApp(["console.enabled": "false"]) { client in
            #expect(try await client.send(.get, "/console").status == .notFound)
            #expect(try await client.send(.get, "/console/console.js").status == .notFound)
            let door = try await client.send(.get, "/", headers: [.accept: "application/json"]).json()
            #expect((door["links"] as? [String: String])?["console"] == nil)
            #expect(!(try await client.send(.get, "/").text.contains("/console")))
        }
        await #expect(throws: SettingsError.self) { try AppSettings(reader: await testReader(["console.enabled": "maybe"])) }
        #expect(try AppSettings(reader: await testReader(["console.enabled": "OFF"])).consoleEnabled == false)
    }
}
