import Foundation
import Hummingbird

/// Creating, listing and revoking API keys; only with the session token (see `AuthenticationMiddleware`).
struct APIKeyController {
    let apiKeys: any APIKeyRepository
    /// Uses of keys not yet written, shown in the list all the same.
    let usage: APIKeyUsageRecorder
    let authentication: AuthenticationMiddleware
    /// Active keys a user may hold (`API_KEYS_PER_USER`).
    let maxActiveKeys: Int

    static let maxNameLength = 100
    /// The largest page of `GET /api-keys/list?limit=`.
    static let maxPageSize = 1_000

    struct CreateRequest: Decodable {
        let name: String
    }

    struct CreateResponse: ResponseEncodable {
        let key: String
        let message: String
        let id: String
        let name: String
        let prefix: String
        let created_at: String
    }

    struct KeySummary: ResponseEncodable {
        let id: String
        let name: String
        let active: Bool
        let prefix: String
        let created_at: String
        let last_used_at: String?

        init(_ key: APIKey) {
            id = key.id
            name = key.name
            active = key.active
            prefix = key.prefix
            created_at = key.createdAt
            last_used_at = key.lastUsedAt
        }

        private enum CodingKeys: String, CodingKey {
            case id, name, active, prefix, created_at, last_used_at
        }

        /// Writes `last_used_at: null` rather than leaving it out, so every listed key has the same fields.
        func encode(to encoder: any Encoder) throws {
            var container = encoder.container(keyedBy: CodingKeys.self)
            try container.encode(id, forKey: .id)
            try container.encode(name, forKey: .name)
            try container.encode(active, forKey: .active)
            try container.encode(prefix, forKey: .prefix)
            try container.encode(created_at, forKey: .created_at)
            try container.encode(last_used_at, forKey: .last_used_at)
        }
    }

    struct MessageResponse: ResponseEncodable {
        let message: String
    }

    func addRoutes(to group: RouterGroup<AppRequestContext>) {
        let authenticated = group.add(middleware: authentication).group(context: AuthenticatedContext.self)
        authenticated.post("create", use: create)
        authenticated.get("list", use: list)
        authenticated.post("revoke/:keyId", use: revoke)
    }

    /// Creates a key; the key itself is in this answer only.
    @Sendable func create(_ request: Request, context: AuthenticatedContext) async throws -> CreateResponse {
        let principal = context.principal
        let input = try await request.decode(as: CreateRequest.self, context: context)
        // Exactly the spec's rule (1 to 100 characters, as JSON Schema counts them): kept as written.
        let name = input.name
        guard (1...Self.maxNameLength).contains(name.unicodeScalars.count), !name.contains("\0") else {
            throw APIError.badRequest("Field 'name' must be 1 to \(Self.maxNameLength) characters, without U+0000.", code: "invalid_field")
        }
        let generated = APIKeySecret.make()
        let key: APIKey
        do {
            key = try await apiKeys.create(
                userId: principal.userId, name: name, keyHash: generated.hash, prefix: generated.prefix, maxActive: maxActiveKeys)
        } catch APIKeyRepositoryError.limitReached {
            throw APIError(
                status: .conflict, code: "api_key_limit",
                message: "You have \(maxActiveKeys) active API keys, the most allowed. Revoke one you no longer use, then create this one.")
        }
        context.logger.info("API key created", metadata: ["key_id": "\(key.id)"])
        return CreateResponse(
            key: generated.key,
            message: "API key created successfully. Save this key as it won't be shown again.",
            id: key.id, name: key.name, prefix: key.prefix, created_at: key.createdAt)
    }

    /// The caller's keys, active and revoked, without the keys themselves: all of them as a plain array, or with
    /// `limit` (and the `cursor` of a `Link: rel="next"` header) a page of that array.
    @Sendable func list(_ request: Request, context: AuthenticatedContext) async throws -> EditedResponse<[KeySummary]> {
        let principal = context.principal
        let query = request.uri.queryParameters
        let limit = try query.get("limit").map { text in
            guard let limit = Int(text), (1...Self.maxPageSize).contains(limit) else {
                throw APIError.badRequest("Query parameter 'limit' must be an integer from 1 to \(Self.maxPageSize).", code: "invalid_query")
            }
            return limit
        }
        let cursor = query.get("cursor")
        let keys: [APIKey]
        do {
            // One more than the page, to know whether another follows.
            keys = try await apiKeys.list(userId: principal.userId, after: cursor, limit: limit.map { $0 + 1 })
        } catch APIKeyRepositoryError.unknownCursor {
            // Well-formed but naming no key of the caller's: not found, as an unknown key id is on revoke.
            throw APIError(
                status: .notFound, code: "cursor_not_found",
                message: "Query parameter 'cursor' is not one of your keys; use the Link header of the previous page.")
        }
        var headers: HTTPFields = [:]
        var page = keys
        if let limit, keys.count > limit {
            page = Array(keys.prefix(limit))
            headers[.link] = "</api-keys/list?limit=\(limit)&cursor=\(page[limit - 1].id)>; rel=\"next\""
        }
        return EditedResponse(headers: headers, response: usage.merge(page).map(KeySummary.init))
    }

    /// Revokes one of the caller's keys; 404 alike for an unknown key and another user's.
    @Sendable func revoke(_ request: Request, context: AuthenticatedContext) async throws -> MessageResponse {
        let principal = context.principal
        // The router hands over the segment as sent: `abc%2Ddef` names the same id as `abc-def`.
        let segment = try context.parameters.require("keyId")
        let keyId = segment.removingPercentEncoding ?? segment
        guard try await apiKeys.revoke(id: keyId, userId: principal.userId) else {
            throw APIError.keyNotFound
        }
        context.logger.info("API key revoked", metadata: ["key_id": "\(keyId)"])
        return MessageResponse(message: "API key revoked successfully")
    }
}
