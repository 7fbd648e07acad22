import Crypto
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Synchronization
import Testing
import JSONValues

@testable import SpecRunnerKit

/// `specrunner fuzz`'s security probes against a small API with an API key and a login, served correctly and with
/// one security bug at a time: each bug is found in its class, and the correct service gives no finding at all.
@Suite("Security probes in fuzz")
struct SecurityProbeFuzzTests {
    enum Bug: String, CaseIterable, Sendable {
        case keyLookedUpWithLike, keyComparedIgnoringCase, keyPrefixAccepted, keyWithTrailingCharacterAccepted
        case tokenCarriesPasswordHash, passwordEchoed, corsReflectsOriginWithCredentials, keysIssuedInSequence
        /// Keys of the promised shape whose first six characters are a clock: over 64 bits, but less than the pattern says.
        case keysPartlyFromAClock

        var finding: Fuzzer.FindingClass {
            switch self {
            case .keyLookedUpWithLike, .keyComparedIgnoringCase, .keyPrefixAccepted, .keyWithTrailingCharacterAccepted: .alteredCredentialAccepted
            case .tokenCarriesPasswordHash, .passwordEchoed: .secretInResponse
            case .corsReflectsOriginWithCredentials: .corsCredentialsFromAnyOrigin
            case .keysIssuedInSequence, .keysPartlyFromAClock: .weakSecret
            }
        }
    }

    static let key = "sk-live-4f9a0c2e7b13d5a8"

    static let spec = try! OpenAPISpec(document: try! JSONValue.parse(#"""
        {"openapi": "3.1.0", "info": {"title": "accounts", "version": "1"},
         "components": {
           "securitySchemes": {"key": {"type": "apiKey", "in": "header", "name": "X-API-Key"}},
           "schemas": {
             "Login": {"type": "object", "required": ["email", "password"], "properties": {
               "email": {"type": "string", "format": "email"}, "password": {"type": "string", "minLength": 8, "maxLength": 64, "writeOnly": true}}},
             "Token": {"type": "object", "required": ["token"], "properties": {"token": {"type": "string"}}},
             "Me": {"type": "object", "required": ["id"], "properties": {"id": {"type": "string"}}},
             "Error": {"type": "object", "required": ["error"], "properties": {"error": {"type": "string"}}}}},
         "paths": {
           "/login": {"post": {"operationId": "login", "security": [],
             "requestBody": {"required": true, "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Login"}}}},
             "responses": {
               "200": {"description": "ok", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Token"}}}},
               "400": {"description": "bad", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}},
               "415": {"description": "not JSON", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}}}}},
           "/keys": {"post": {"operationId": "issueKey", "security": [{"key": []}],
             "responses": {
               "201": {"description": "a new key", "content": {"application/json": {"schema": {"type": "object", "required": ["key"], "properties": {"key": {"type": "string", "pattern": "^sk_[0-9a-f]{24}$"}}}}}},
               "401": {"description": "no key", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}}}}},
           "/me": {"get": {"operationId": "me", "security": [{"key": []}],
             "responses": {
               "200": {"description": "ok", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Me"}}}},
               "401": {"description": "no key", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}}}}}}}
        """#), source: "accounts")

    /// The service, correct or with `bug`.
    static func app(_ bug: Bug?) -> some ApplicationProtocol {
        let router = Router()
        router.add(middleware: CORS(bug: bug))
        router.post("login") { request, _ -> Response in
            guard request.headers[.contentType]?.hasPrefix("application/json") == true else { return error(.unsupportedMediaType) }
            let buffer = try await request.body.collect(upTo: 1 << 16)
            guard let body = try? JSONSerialization.jsonObject(with: Data(buffer.readableBytesView)) as? [String: Any],
                  body.count == 2 || body.count == 3, let email = body["email"] as? String, email.contains("@"),
                  let password = body["password"] as? String, (8...64).contains(password.unicodeScalars.count)
            else { return error(.badRequest) }
            var claims: [String: Any] = ["sub": email, "iat": 1_700_000_000]
            if bug == .tokenCarriesPasswordHash { claims["password"] = "$2b$12$" + String(repeating: "N", count: 53) }
            let header = JWTForgery.encode(.object(["alg": .string("HS256")]))
            let payload = JWTForgery.base64URL(try JSONSerialization.data(withJSONObject: claims))
            var answer = ["token": "\(header).\(payload).c2lnbmF0dXJl"]
            if bug == .passwordEchoed { answer["note"] = "logged in with \(password)" }
            return json(answer, .ok)
        }
        router.get("me") { request, _ -> Response in
            guard let given = request.headers[HTTPField.Name("X-API-Key")!], accepts(given, bug: bug) else { return error(.unauthorized) }
            return json(["id": "user-1"], .ok)
        }
        let issued = Mutex(0)
        router.post("keys") { request, _ -> Response in
            guard let given = request.headers[HTTPField.Name("X-API-Key")!], accepts(given, bug: bug) else { return error(.unauthorized) }
            let count = issued.withLock { value in
                value += 1
                return value
            }
            let random = { (bytes: Int) in (0..<bytes).map { _ in String(format: "%02x", UInt8.random(in: 0...255)) }.joined() }
            let key = switch bug {
            case .keysIssuedInSequence: "sk_" + String(repeating: "0", count: 20) + String(format: "%04d", count)
            case .keysPartlyFromAClock: "sk_" + String(format: "%06x", Int(Date().timeIntervalSince1970) >> 12 & 0xFFFFFF) + random(9)
            default: "sk_" + random(12)
            }
            return json(["key": key], .created)
        }
        router.head("me") { request, _ -> Response in
            let known = request.headers[HTTPField.Name("X-API-Key")!].map { accepts($0, bug: bug) } ?? false
            return Response(status: known ? .ok : .unauthorized, headers: [.contentType: "application/json"])
        }
        return Application(router: router, configuration: .init(address: .hostname("127.0.0.1", port: 0)))
    }

    /// The key check, as written correctly and as each bug writes it.
    static func accepts(_ given: String, bug: Bug?) -> Bool {
        switch bug {
        case .keyLookedUpWithLike: OriginalWorkerStandIn.Store.sqlLike(key, given)
        case .keyComparedIgnoringCase: given.lowercased() == key.lowercased()
        case .keyPrefixAccepted: !given.isEmpty && key.hasPrefix(given)
        case .keyWithTrailingCharacterAccepted: given.hasPrefix(key)
        default: given == key
        }
    }

    static func json(_ value: [String: String], _ status: HTTPResponse.Status) -> Response {
        let data = try! JSONSerialization.data(withJSONObject: value, options: [.sortedKeys])
        return Response(status: status, headers: [.contentType: "application/json"], body: .init(byteBuffer: ByteBuffer(bytes: data)))
    }

    static func error(_ status: HTTPResponse.Status) -> Response {
        json(["error": status.reasonPhrase], status)
    }

    /// `*` without credentials, as a public API should (the bug reflects any origin and allows credentials), and 405
    /// with `Allow` for a method a path does not serve.
    struct CORS: RouterMiddleware {
        typealias Context = BasicRequestContext
        let bug: Bug?
        static let allowed = ["/login": ["POST"], "/keys": ["POST"], "/me": ["GET", "HEAD"]]

        func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
            var response: Response
            if request.method == .options {
                response = Response(status: .noContent)
            } else if let methods = Self.allowed[request.uri.path], !methods.contains(request.method.rawValue) {
                response = SecurityProbeFuzzTests.error(.methodNotAllowed)
                response.headers[.allow] = methods.joined(separator: ", ")
            } else {
                response = try await next(request, context)
            }
            response.headers[.accessControlAllowOrigin] = "*"
            if bug == .corsReflectsOriginWithCredentials, let origin = request.headers[.origin] {
                response.headers[.accessControlAllowOrigin] = origin
                response.headers[.accessControlAllowCredentials] = "true"
            }
            return response
        }
    }

    static func fuzz(_ bug: Bug?) async throws -> FuzzReport {
        try await app(bug).test(.live) { client in
            let base = "http://127.0.0.1:\(try #require(client.port))"
            let executor = HTTPExecutor()
            let fuzzer = Fuzzer(spec: spec, baseURL: base, seed: 20_261_206, credentials: ["key": key])
            let writer = FailureScenario(spec: spec, setupSteps: [], credentials: ["key": key])
            let report = await FuzzRun(fuzzer: fuzzer, executor: executor, writer: writer)
                .run(count: 400, deadline: .now + .seconds(120), jobs: 4, save: nil)
            try await executor.shutdown()
            return report
        }
    }

    @Test func theCorrectServiceGivesNoFinding() async throws {
        let report = try await Self.fuzz(nil)
        #expect(report.entries.isEmpty, "\(report.console())")
        #expect((report.reached["login"]?.succeeded ?? 0) > 20 && (report.reached["me"]?.succeeded ?? 0) > 20, "\(report.reachLine)")
        let keys = try #require(report.entropy.estimates.first)
        #expect(keys.place == "issueKey /key" && keys.samples >= SecretEntropy.minimumSamples && keys.bits >= 64 && keys.repeats == 0, "\(keys.line)")
        #expect(keys.promised != nil && !keys.belowPattern, "the pattern ^sk_[0-9a-f]{24}$ is read and met: \(keys.line)")
    }

    @Test(arguments: Bug.allCases)
    func eachSecurityBugIsFoundInItsClass(_ bug: Bug) async throws {
        let report = try await Self.fuzz(bug)
        #expect(report.entries.contains { $0.kind == bug.finding.rawValue }, "\(report.console())")
        if bug == .keysPartlyFromAClock {
            let keys = try #require(report.entropy.estimates.first)
            #expect(keys.bits >= SecretEntropy.minimumBits && keys.belowPattern, "only the pattern tells: \(keys.line)")
        }
        #expect(!report.console().contains(Self.key), "the key never appears in the report")
    }
}
