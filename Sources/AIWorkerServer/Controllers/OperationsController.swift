import Foundation
import Hummingbird

/// Routes for operators and visitors: the front door, liveness, readiness, Prometheus metrics, and the spec and
/// HTML reference.
struct OperationsController {
    let storage: any AppStorage
    let backend: any ChatBackend
    let metrics: AppMetrics
    /// When set, `/metrics` needs `Authorization: Bearer <token>`.
    let metricsToken: String?
    /// The OpenAPI document and the generated HTML reference, read at start-up (nil when the file is missing).
    let openAPIDocument: ByteBuffer?
    let htmlReference: ByteBuffer?
    /// What `GET /` shows, and its HTML page, made once.
    let frontDoor: FrontDoor
    private let frontPage: ByteBuffer

    init(
        storage: any AppStorage, backend: any ChatBackend, metrics: AppMetrics, metricsToken: String?, openAPIDocument: ByteBuffer?,
        htmlReference: ByteBuffer?, frontDoor: FrontDoor
    ) {
        self.storage = storage
        self.backend = backend
        self.metrics = metrics
        self.metricsToken = metricsToken
        self.openAPIDocument = openAPIDocument
        self.htmlReference = htmlReference
        self.frontDoor = frontDoor
        frontPage = ByteBuffer(string: frontDoor.html)
    }

    struct Health: ResponseEncodable {
        let status: String
    }

    struct Readiness: ResponseEncodable {
        let status: String
        let checks: [String: String]
    }

    func addRoutes(to router: some RouterMethods<AppRequestContext>) {
        router.get("/") { [frontDoor, frontPage] request, context in try frontDoor.answer(request, context: context, page: frontPage) }
        router.get("health", use: health)
        router.get("ready", use: ready)
        router.get("metrics", use: metricsText)
        router.get("openapi.json") { _, _ in try Self.file(openAPIDocument, type: "application/json", name: "the OpenAPI document") }
        router.get("docs") { _, _ in try Self.file(htmlReference, type: "text/html; charset=utf-8", name: "the HTML reference") }
    }

    /// Liveness: the process answers.
    @Sendable func health(_ request: Request, context: AppRequestContext) async throws -> Health {
        Health(status: "ok")
    }

    /// Readiness: the storage's checks (the database answers with every migration applied; on PostgreSQL, also
    /// whether revocations are heard), and the model backend configured.
    @Sendable func ready(_ request: Request, context: AppRequestContext) async throws -> Response {
        let (storageChecks, required) = await storage.readiness()
        var checks = storageChecks
        checks["model_backend"] = backend.name
        let ready = required.allSatisfy { checks[$0] == "ok" }
        if !ready { context.logger.error("Not ready", metadata: ["checks": "\(checks)"]) }
        var response = try Readiness(status: ready ? "ready" : "not_ready", checks: checks).response(from: request, context: context)
        response.status = ready ? .ok : .serviceUnavailable
        return response
    }

    /// Prometheus text format; behind `METRICS_TOKEN` when it is set.
    @Sendable func metricsText(_ request: Request, context: AppRequestContext) async throws -> Response {
        if let metricsToken {
            let presented = AuthenticationMiddleware.bearerToken(request.headers.value(of: .authorization)) ?? ""
            guard ConstantTime.equals(presented, metricsToken) else {
                throw APIError.unauthorized("The metrics need 'Authorization: Bearer <METRICS_TOKEN>'.", code: "metrics_token_required")
            }
        }
        return Response(
            status: .ok, headers: [.contentType: "text/plain; version=0.0.4; charset=utf-8"],
            body: .init(byteBuffer: ByteBuffer(string: metrics.exposition())))
    }

    private static func file(_ contents: ByteBuffer?, type: String, name: String) throws -> Response {
        guard let contents else {
            throw APIError(status: .notFound, code: "not_found", message: "This server was started without \(name); see DOCS_SPEC_PATH and DOCS_HTML_PATH.")
        }
        return Response(status: .ok, headers: [.contentType: type], body: .init(byteBuffer: contents))
    }
}
