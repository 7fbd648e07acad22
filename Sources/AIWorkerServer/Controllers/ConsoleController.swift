import Hummingbird
import ProjectFiles

/// The web console (`/console`): a page, its script and its style sheet, built into the binary from `console/`.
/// It is a client of the public API like any other (the same routes, limits and errors), so it needs nothing of
/// the server but these three files. Each is sent with a Content-Security-Policy that allows only this origin's
/// script, style and API (no inline script or style, no frames, no other origin).
struct ConsoleController {
    /// The console's files by route, with their content types, read once.
    private static let files: [String: (type: String, body: ByteBuffer)] = [
        "": ("text/html; charset=utf-8", "console/index.html"),
        "console.js": ("text/javascript; charset=utf-8", "console/console.js"),
        "console.css": ("text/css; charset=utf-8", "console/console.css"),
    ].mapValues { type, path in (type, ByteBuffer(string: ProjectFiles.file(path) ?? "")) }

    static let contentSecurityPolicy =
        "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; img-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'"

    func addRoutes(to router: RouterGroup<AppRequestContext>) {
        for (name, file) in Self.files {
            router.get(RouterPath(name)) { _, _ in
                Response(
                    status: .ok,
                    headers: [.contentType: file.type, .contentSecurityPolicy: Self.contentSecurityPolicy, .referrerPolicy: "no-referrer"],
                    body: .init(byteBuffer: file.body))
            }
        }
    }
}
