import Foundation
import Hummingbird
import ProjectFiles

/// `GET /`: what a person (or a script) opening the server's address finds: the service's name and version and
/// where to go next, as a small HTML page, or as JSON when the client prefers it.
struct FrontDoor: ResponseEncodable {
    let name: String
    let version: String
    let specVersion: String
    /// Where to go next, by name: the HTML reference, the OpenAPI document, the liveness check.
    let links: [String: String]

    enum CodingKeys: String, CodingKey {
        case name, version, links
        case specVersion = "spec_version"
    }

    /// This server's front door; the console is linked when it is served (`CONSOLE_ENABLED`).
    static func current(console: Bool) -> FrontDoor {
        FrontDoor(
            name: "AI Worker API", version: ProjectFiles.version, specVersion: ProjectFiles.specVersion,
            links: ["docs": "/docs", "openapi": "/openapi.json", "health": "/health"].merging(console ? ["console": "/console"] : [:]) { $1 })
    }

    /// The answer `request` prefers: HTML first (browsers, `*/*`), the page made once as `page`; JSON when asked for;
    /// 406 when neither will do.
    func answer(_ request: Request, context: some RequestContext, page: ByteBuffer) throws -> Response {
        switch ContentNegotiation.preferred([("text", "html"), ("application", "json")], accept: request.headers.value(of: .accept)) {
        case 0: Response(status: .ok, headers: [.contentType: "text/html; charset=utf-8"], body: .init(byteBuffer: page))
        case 1: try response(from: request, context: context)
        default: throw APIError.notAcceptable("text/html or application/json")
        }
    }

    /// The page: self-contained (no script, no outside resource), readable at any width.
    var html: String {
        let items = [("console", "Console", "register, manage API keys and chat, in this browser"),
                     ("docs", "API reference", "every route, with the usage flow and examples"),
                     ("openapi", "OpenAPI document", "the contract, for your own tools (OpenAPI 3.1)"),
                     ("health", "Health", "answers while the process runs")]
            .filter { links[$0.0] != nil }
            .map { key, title, text in #"      <li><a href="\#(links[key]!)">\#(title)</a> <span>\#(links[key]!)</span>: \#(text)</li>"# }
        return #"""
            <!DOCTYPE html>
            <html lang="en">
            <head>
              <meta charset="utf-8">
              <meta name="viewport" content="width=device-width, initial-scale=1">
              <title>\#(name)</title>
              <style>
                body { font: 16px/1.5 system-ui, sans-serif; max-width: 40rem; margin: 3rem auto; padding: 0 1rem; color: #1a1a1a; }
                h1 { font-size: 1.6rem; margin-bottom: 0.2rem; }
                p.version { color: #555; margin-top: 0; }
                li { margin: 0.4rem 0; }
                span { font-family: ui-monospace, monospace; color: #555; }
                a { color: #0645ad; }
              </style>
            </head>
            <body>
              <main>
                <h1>\#(name)</h1>
                <p class="version">Version \#(version), spec \#(specVersion)</p>
                <p>Register and log in, manage API keys, and ask a model for chat completions.</p>
                <ul>
            \#(items.joined(separator: "\n"))
                </ul>
              </main>
            </body>
            </html>

            """#
    }
}
