import Crypto
import Foundation
import HTTPTypes
import Hummingbird
import JSONValues

/// A small server that behaves like the original Cloudflare worker as measured in
/// `../shared/original-worker.md`: paths under `/users/`, `text/plain` chat answers, 400 for a duplicate
/// email, 200 for revoking any key, `active` as 1/0, the hard-coded secret, CORS without Authorization.
/// It exists to test deployment profiles; a `Regression` makes it depart from the original in one small,
/// realistic way, so that a test can check the profile notices.
struct OriginalWorkerStandIn {
    /// Small changes to the original's code, each of which `specrunner --profile original` must catch.
    enum Regression: String, CaseIterable, Sendable {
        case keyOf16Characters, listWithoutCreatedAt, createKeyMessageChanged, unknownRoutesAnswerJSON,
             chatErrorWithoutDetails, onlyFirstMessagesReachTheModel, tokensValidFor30Days, expiredTokensAccepted,
             emailOfWrongTypeRefused, duplicateEmailIs500, foreignRevokeRevokes, listShowsEveryonesKeys,
             revokedKeyStillWorks, corsPreflightWithoutMaxAge
        /// Keys listed by name, not in the order they were made: the profile overrides the pages of the list (the
        /// original has none) but keeps the scenario's check of their order, which only the pages scenario makes.
        case keysListedByName
        /// Security bugs a port could bring in (the original has none of them): keys looked up with SQL `LIKE`
        /// (so `%`, `_` and another case match), the user's row in the token, CORS that lets any origin send
        /// credentials.
        case keyLookupWithLike, tokenCarriesUserRow, corsReflectsOriginWithCredentials
    }

    var regression: Regression?

    static let secret = "your-secret-key"

    actor Store {
        struct Key {
            let id: String
            let userId: String
            let key: String
            let name: String
            var active: Int
            let createdAt: String
        }

        var users: [String: (id: String, password: String)] = [:]
        var keys: [Key] = []

        func register(email: String, password: String) -> String? {
            guard users[email] == nil else { return nil }
            let id = Self.nanoid()
            users[email] = (id, password)
            return id
        }

        func user(email: String) -> (id: String, password: String)? { users[email] }
        func userExists(id: String) -> Bool { users.values.contains { $0.id == id } }

        func createKey(userId: String, name: String, length: Int) -> String {
            let key = "sk-" + Self.nanoid(length)
            let stamp = Date().formatted(.iso8601.year().month().day().dateSeparator(.dash).time(includingFractionalSeconds: false).timeSeparator(.colon))
            keys.append(Key(id: Self.nanoid(), userId: userId, key: key, name: name, active: 1, createdAt: stamp.replacingOccurrences(of: "T", with: " ")))
            return key
        }

        func userId(forKey key: String, evenRevoked: Bool, like: Bool) -> String? {
            keys.first { (like ? Self.sqlLike($0.key, key) : $0.key == key) && ($0.active == 1 || evenRevoked) }?.userId
        }

        /// SQLite's `value LIKE pattern`: `%` any run, `_` any one character, ASCII letters in any case.
        static func sqlLike(_ value: String, _ pattern: String) -> Bool {
            let expression = "^" + pattern.map { $0 == "%" ? ".*" : $0 == "_" ? "." : NSRegularExpression.escapedPattern(for: String($0)) }.joined() + "$"
            return value.range(of: expression, options: [.regularExpression, .caseInsensitive]) != nil
        }
        func list(userId: String?) -> [Key] { keys.filter { userId == nil || $0.userId == userId } }

        func revoke(id: String, userId: String?) {
            for index in keys.indices where keys[index].id == id && (userId == nil || keys[index].userId == userId) {
                keys[index].active = 0
            }
        }

        static func nanoid(_ length: Int = 21) -> String {
            let alphabet = Array("useandom-26T198340PX75pxJACKVERYMINDBUSHWOLF_GQZbfghjklqvwyzrict")
            return String((0..<length).map { _ in alphabet.randomElement()! })
        }
    }

    func application() -> some ApplicationProtocol {
        let store = Store()
        let router = Router()
        router.add(middleware: OriginalMiddleware(store: store, regression: regression))
        let regression = regression
        let duplicateStatus: HTTPResponse.Status = regression == .duplicateEmailIs500 ? .internalServerError : .badRequest
        router.post("users/register") { request, _ -> Response in
            guard let body = try? await Self.json(request) else { return Self.internalError() }
            guard let email = Self.boundText(body["email"]), regression != .emailOfWrongTypeRefused || body["email"] is String else {
                return Self.json(["error": "User creation failed"], status: .badRequest)
            }
            guard let id = await store.register(email: email, password: Self.hash(Self.boundText(body["password"]) ?? "")) else {
                return Self.json(["error": "User creation failed"], status: duplicateStatus)
            }
            let row = regression == .tokenCarriesUserRow ? ["email": email, "password": await store.user(email: email)?.password ?? ""] : [:]
            return Self.json(["message": "User created", "token": Self.token(userId: id, lifetime: regression == .tokensValidFor30Days ? 30 * 86_400 : 86_400, row: row)])
        }
        router.post("users/login") { request, _ -> Response in
            guard let body = try? await Self.json(request), let email = body["email"] as? String else { return Self.internalError() }
            guard let user = await store.user(email: email), user.password == Self.hash(Self.boundText(body["password"]) ?? "") else {
                return Self.json(["error": "Invalid credentials"], status: .unauthorized)
            }
            let row = regression == .tokenCarriesUserRow ? ["email": email, "password": user.password] : [:]
            return Self.json(["token": Self.token(userId: user.id, lifetime: regression == .tokensValidFor30Days ? 30 * 86_400 : 86_400, row: row)])
        }
        router.post("api-keys/create") { request, context -> Response in
            let userId = request.headers[.standInUser]!
            guard let body = try? await Self.json(request), let name = body["name"] as? String, await store.userExists(id: userId) else {
                return Self.json(["error": "Failed to create API key"], status: .badRequest)
            }
            let key = await store.createKey(userId: userId, name: name, length: regression == .keyOf16Characters ? 16 : 32)
            let message = regression == .createKeyMessageChanged
                ? "API key created successfully." : "API key created successfully. Save this key as it won't be shown again."
            return Self.json(["key": key, "message": message])
        }
        router.get("api-keys/list") { request, _ -> Response in
            var keys = await store.list(userId: regression == .listShowsEveryonesKeys ? nil : request.headers[.standInUser]!)
            if regression == .keysListedByName { keys.sort { $0.name < $1.name } }
            return Self.json(keys.map { key in
                var entry: [String: Any] = ["id": key.id, "name": key.name, "active": key.active, "created_at": key.createdAt]
                if regression == .listWithoutCreatedAt { entry["created_at"] = nil }
                return entry
            })
        }
        router.post("api-keys/revoke/:keyId") { request, context -> Response in
            await store.revoke(
                id: try context.parameters.require("keyId"), userId: regression == .foreignRevokeRevokes ? nil : request.headers[.standInUser]!)
            return Self.json(["message": "API key revoked successfully"])
        }
        router.post("chat/completions") { request, _ -> Response in
            let body: [String: Any]
            do { body = try await Self.json(request) } catch {
                let details = regression == .chatErrorWithoutDetails ? [:] : ["details": "Unexpected token in JSON"]
                return Self.json(["error": "Internal server error"].merging(details) { $1 }, status: .internalServerError)
            }
            guard let messages = body["messages"] as? [Any] else {
                return Self.json(["error": "Invalid request format. Messages array is required."], status: .badRequest)
            }
            let passed = regression == .onlyFirstMessagesReachTheModel ? Array(messages.prefix(2)) : messages
            let last = passed.compactMap { $0 as? [String: Any] }.last { $0["role"] as? String == "user" }
            let said = last?["content"].map { "\($0)" } ?? ""
            return Self.text("[mock @cf/meta/llama-3-8b-instruct] You said: \(said)")
        }
        return Application(router: router, configuration: .init(address: .hostname("127.0.0.1", port: 0)))
    }

    /// CORS as the original sets it, the authentication of `/api-keys/*` and `/chat/*`, and Hono's 404.
    struct OriginalMiddleware: RouterMiddleware {
        typealias Context = BasicRequestContext
        let store: Store
        let regression: Regression?

        func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
            var response = try await respond(request, context: context, next: next)
            response.headers[.accessControlAllowOrigin] = "*"
            if regression == .corsReflectsOriginWithCredentials {
                response.headers[.accessControlAllowOrigin] = request.headers[.origin] ?? "*"
                response.headers[.accessControlAllowCredentials] = "true"
            }
            response.headers[.accessControlExposeHeaders] = "Content-Length"
            return response
        }

        private func respond(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
            if request.method == .options {
                var headers: HTTPFields = [
                    .accessControlAllowMethods: "GET,POST,OPTIONS", .accessControlAllowHeaders: "Content-Type,X-API-Key",
                    .accessControlMaxAge: "600", .vary: "Access-Control-Request-Headers",
                ]
                if regression == .corsPreflightWithoutMaxAge { headers[.accessControlMaxAge] = nil }
                return Response(status: .noContent, headers: headers)
            }
            var request = request
            if request.uri.path.hasPrefix("/api-keys/") || request.uri.path.hasPrefix("/chat/") {
                var userId = await request.headers[.standInAPIKey].asyncFlatMap {
                    await store.userId(forKey: $0, evenRevoked: regression == .revokedKeyStillWorks, like: regression == .keyLookupWithLike)
                }
                if userId == nil, let header = request.headers[.authorization], header.hasPrefix("Bearer ") {
                    userId = OriginalWorkerStandIn.verify(String(header.dropFirst(7)), checkExpiry: regression != .expiredTokensAccepted)
                }
                guard let userId else { return OriginalWorkerStandIn.json(["error": "Authentication required"], status: .unauthorized) }
                var head = request.head
                head.headerFields[.standInUser] = userId
                request = Request(head: head, body: request.body)
            }
            do {
                return try await next(request, context)
            } catch let error as HTTPError where error.status == .notFound {
                if regression == .unknownRoutesAnswerJSON { return OriginalWorkerStandIn.json(["error": "Not Found"], status: .notFound) }
                return OriginalWorkerStandIn.text("404 Not Found", status: .notFound)
            }
        }
    }

    static func json(_ request: Request) async throws -> [String: Any] {
        let buffer = try await request.body.collect(upTo: 64 << 20)
        guard let object = try JSONSerialization.jsonObject(with: Data(buffer.readableBytesView)) as? [String: Any] else {
            throw HTTPError(.badRequest)
        }
        return object
    }

    static func json(_ value: Any, status: HTTPResponse.Status = .ok) -> Response {
        let data = (try? JSONSerialization.data(withJSONObject: value, options: [.withoutEscapingSlashes])) ?? Data()
        return Response(status: status, headers: [.contentType: "application/json; charset=UTF-8"], body: .init(byteBuffer: ByteBuffer(bytes: data)))
    }

    static func text(_ text: String, status: HTTPResponse.Status = .ok) -> Response {
        Response(status: status, headers: [.contentType: "text/plain; charset=UTF-8"], body: .init(byteBuffer: ByteBuffer(string: text)))
    }

    static func internalError() -> Response {
        text("Internal Server Error", status: .internalServerError)
    }

    /// A JSON value as D1 stores it in a TEXT column: strings as they are, numbers as their text, booleans as 1 or 0;
    /// nil for what D1 refuses to bind (null, objects, arrays), which fails the insert.
    static func boundText(_ value: Any?) -> String? {
        switch value {
        case let text as String: text
        case let number as NSNumber: number.stringValue  // JSONSerialization's booleans are NSNumbers: "1" and "0"
        default: nil
        }
    }

    /// The original's password hash: unsalted SHA-256, base64.
    static func hash(_ password: String) -> String {
        Data(SHA256.hash(data: Data(password.utf8))).base64EncodedString()
    }

    static func base64URL(_ data: Data) -> String {
        data.base64EncodedString().replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_").replacingOccurrences(of: "=", with: "")
    }

    static func signature(_ input: String) -> String {
        base64URL(Data(HMAC<SHA256>.authenticationCode(for: Data(input.utf8), using: SymmetricKey(data: Data(secret.utf8)))))
    }

    /// `{"userId","iat","exp": iat + lifetime}` signed HS256 with the hard-coded secret (24 hours in the original);
    /// `row` adds claims (the user's row, in a regression).
    static func token(userId: String, lifetime: Int, row: [String: String] = [:]) -> String {
        let now = Int(Date().timeIntervalSince1970)
        let header = base64URL(Data(#"{"alg":"HS256","typ":"JWT"}"#.utf8))
        let claims: [String: Any] = ["userId": userId, "iat": now, "exp": now + lifetime].merging(row) { $1 }
        let payload = base64URL(try! JSONSerialization.data(withJSONObject: claims))
        return "\(header).\(payload).\(signature("\(header).\(payload)"))"
    }

    /// The user id of a token signed with the secret and not expired (a token without `exp` passes, as in the original).
    static func verify(_ token: String, checkExpiry: Bool) -> String? {
        let parts = token.split(separator: ".", omittingEmptySubsequences: false).map(String.init)
        guard parts.count == 3, signature("\(parts[0]).\(parts[1])") == parts[2] else { return nil }
        var base64 = parts[1].replacingOccurrences(of: "-", with: "+").replacingOccurrences(of: "_", with: "/")
        base64 += String(repeating: "=", count: (4 - base64.count % 4) % 4)
        guard let data = Data(base64Encoded: base64), let claims = try? JSONSerialization.jsonObject(with: data) as? [String: Any] else { return nil }
        if checkExpiry, let exp = claims["exp"] as? Double, exp < Date().timeIntervalSince1970 { return nil }
        return claims["userId"] as? String
    }
}

extension Optional {
    func asyncFlatMap<T>(_ transform: (Wrapped) async -> T?) async -> T? {
        guard let self else { return nil }
        return await transform(self)
    }
}

extension HTTPField.Name {
    static let standInAPIKey = Self("X-API-Key")!
    /// Carries the authenticated user from the middleware to the handlers inside the stand-in.
    static let standInUser = Self("X-Stand-In-User")!
}
