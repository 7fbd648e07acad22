import Foundation
import Hummingbird

// `bench-floor PORT`: what the framework itself does for the least a chat request needs, for scripts/bench.sh to
// measure the server against in the same run (BENCHMARKS.md's ratios are "ours / the floor for the same work"):
// `GET /health` answers a fixed JSON object; `POST /echo` decodes the chat body the server decodes, with
// Hummingbird's `request.decode`, and answers a one-field JSON object. No middleware, no storage, no auth.
// `POST /stacked/echo` is the same handler in the framework shape the server's chat route has, with nothing done
// in it: as many middleware as wrap that route (each only calls the next) and a group whose context is made from
// the parent's, as signed-in routes are. Its ratio to `/echo` is what the shape alone costs.

/// The chat body the benchmark sends, as the server reads it.
struct ChatBody: Decodable {
    struct Message: Decodable {
        let role: String
        let content: String
    }

    let messages: [Message]
    let stream: Bool?
}

/// A one-field JSON answer.
struct Answer: ResponseEncodable {
    let response: String
}

/// A middleware that does nothing but call the next responder.
struct PassThrough<Context: RequestContext>: RouterMiddleware {
    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        try await next(request, context)
    }
}

/// A context made from the parent's for one group of routes, as the server's signed-in routes have.
struct ChildContext: ChildRequestContext {
    var coreContext: CoreRequestContextStorage
    init(context: BasicRequestContext) throws { coreContext = context.coreContext }
}

/// `/health`'s body.
struct Health: ResponseEncodable {
    let status: String
}

/// Decodes the chat body and answers its last message.
@Sendable func echo(_ request: Request, context: some RequestContext) async throws -> Answer {
    let body = try await request.decode(as: ChatBody.self, context: context)
    return Answer(response: body.messages.last?.content ?? "")
}

let port = CommandLine.arguments.dropFirst().first.flatMap { Int($0) } ?? 8799
let router = Router()
router.get("/health") { _, _ in Health(status: "ok") }
router.post("/echo", use: echo)
/// The middleware around the server's chat route: four on the router, the authentication on its group.
let serverChatMiddlewareCount = 5
var stacked = router.group("stacked")
for _ in 0..<serverChatMiddlewareCount { stacked = stacked.add(middleware: PassThrough()) }
stacked.group(context: ChildContext.self).post("echo", use: echo)
let app = Application(router: router, configuration: .init(address: .hostname("127.0.0.1", port: port)))
try await app.runService()
