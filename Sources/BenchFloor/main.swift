import Foundation
import Hummingbird

// `bench-floor PORT`: what the framework itself does for the least a chat request needs, for scripts/bench.sh to
// measure the server against in the same run (BENCHMARKS.md's ratios are "ours / the floor for the same work"):
// `GET /health` answers a fixed JSON object; `POST /echo` decodes the chat body the server decodes, with
// Hummingbird's `request.decode`, and answers a one-field JSON object. No middleware, no storage, no auth.

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

/// `/health`'s body.
struct Health: ResponseEncodable {
    let status: String
}

let port = CommandLine.arguments.dropFirst().first.flatMap { Int($0) } ?? 8799
let router = Router()
router.get("/health") { _, _ in Health(status: "ok") }
router.post("/echo") { request, context in
    let body = try await request.decode(as: ChatBody.self, context: context)
    return Answer(response: body.messages.last?.content ?? "")
}
let app = Application(router: router, configuration: .init(address: .hostname("127.0.0.1", port: port)))
try await app.runService()
