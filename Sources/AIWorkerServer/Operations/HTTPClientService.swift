import AsyncHTTPClient
import ServiceLifecycle

/// Keeps the upstream HTTP client for the application's lifetime and shuts it down when the application stops.
struct HTTPClientService: Service {
    let client: HTTPClient

    func run() async throws {
        try? await gracefulShutdown()
        try await client.shutdown()
    }
}
