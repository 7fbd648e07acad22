/// Which model backend answers chat requests.
enum ModelBackendKind: String, CaseIterable, Sendable {
    /// Deterministic answers, no network.
    case mock
    /// Any OpenAI-compatible `/chat/completions` server.
    case openai
    /// Cloudflare Workers AI's REST API.
    case workersAI = "workers-ai"
}
