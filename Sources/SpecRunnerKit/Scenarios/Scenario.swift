import Foundation
import JSONValues

// The scenario file format as types, together: Scenario, its steps, and what a step expects and captures. Each
// type's `CodingKeys` is the one list of the keys it takes: decoding reads them, and a test holds
// `spec/scenario.schema.json` (which lint checks files against) to the same lists.

/// One scenario file: a named flow of steps against the API, with `finally` steps that always run.
/// The format is documented in docs/scenario-format.md and described by `spec/scenario.schema.json`.
struct Scenario: Decodable, Sendable {
    var name: String
    var description: String?
    var tags: [String]
    /// Variables set before the first step, in order; values may use templates.
    var variables: [(name: String, value: JSONValue)]
    /// Variables that must come from `--var`; without them the scenario is skipped, saying which are missing.
    var requires: [String]
    /// The deployment settings the scenario assumes, name -> value (e.g. `API_KEYS_PER_USER: 3`): it pins what a
    /// setting does at its edge, so it runs only against a deployment that `--settings` says was started with
    /// each of them, and is skipped otherwise, saying which.
    var settings: [String: String]
    var steps: [Step]
    var finally: [Step]
    /// Run every step even after one fails (for lists of independent checks); captures of a failed step are
    /// missing, so a later step that needs them is skipped with a note.
    var continueOnFailure: Bool
    /// Whether a busy answer a step does not expect (429 or 503 with `Retry-After`) is waited on and the request
    /// sent again (the default); `false` in scenarios that pin limits, where such an answer is what they check.
    var waitWhenBusy: Bool
    /// Seconds within which a run must end for its expectations to hold (a rate limit's window, a lock's length):
    /// a run that takes longer, on a busy machine, proves nothing either way and is run again, at most
    /// `ScenarioRunner.attemptsWithin` times in all.
    var within: Double?
    /// The file it came from.
    var file: String = ""

    enum CodingKeys: String, CodingKey, CaseIterable {
        case name, description, tags, variables, requires, settings, steps, finally, continueOnFailure, waitWhenBusy, within
    }

    init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        name = try container.decodeIfPresent(String.self, forKey: .name) ?? ""
        description = try container.decodeIfPresent(String.self, forKey: .description)
        tags = try container.decodeIfPresent([String].self, forKey: .tags) ?? []
        // A list of one-entry maps keeps the order in which variables are defined; a plain map is taken
        // in key order, so its values must not refer to each other.
        if let list = try? container.decodeIfPresent([[String: JSONValue]].self, forKey: .variables) {
            variables = list.flatMap { $0.sorted { $0.key < $1.key }.map { (name: $0.key, value: $0.value) } }
        } else {
            let map = try container.decodeIfPresent([String: JSONValue].self, forKey: .variables) ?? [:]
            variables = map.sorted { $0.key < $1.key }.map { (name: $0.key, value: $0.value) }
        }
        requires = try container.decodeIfPresent([String].self, forKey: .requires) ?? []
        settings = try (container.decodeIfPresent([String: JSONValue].self, forKey: .settings) ?? [:]).mapValues(\.displayText)
        steps = try container.decode([Step].self, forKey: .steps)
        finally = try container.decodeIfPresent([Step].self, forKey: .finally) ?? []
        continueOnFailure = try container.decodeIfPresent(Bool.self, forKey: .continueOnFailure) ?? false
        waitWhenBusy = try container.decodeIfPresent(Bool.self, forKey: .waitWhenBusy) ?? true
        within = try container.decodeIfPresent(Double.self, forKey: .within)
        if let within, !(within > 0) {
            throw DecodingError.dataCorruptedError(forKey: .within, in: container, debugDescription: "within must be a number of seconds above 0")
        }
    }
}

/// One request and what its response must be.
struct Step: Decodable, Sendable {
    var name: String
    /// The spec operation; method and path come from the spec.
    var operation: String?
    /// A request outside the spec (unknown routes, wrong methods, CORS preflight).
    var request: RawRequest?
    var path: [String: JSONValue]
    /// A target taken from the run (templated): a captured URL such as a `Location` header, absolute or relative to
    /// the base URL. It replaces the operation's path and its path parameters.
    var url: String?
    var query: [String: JSONValue]
    var headers: [String: JSONValue]
    var auth: Auth?
    /// A JSON body (templated).
    var body: JSONValue?
    /// A body sent exactly as written (templated), e.g. invalid JSON.
    var rawBody: String?
    /// A form body (`application/x-www-form-urlencoded`), field -> value (templated).
    var form: [String: JSONValue]?
    /// Seconds before the request is abandoned.
    var timeout: Double?
    /// Sends only this many bytes of the body (the head announces the whole body) and waits for the answer with the
    /// connection left open: how the deployment treats a client that stalls mid-body (HTTP_BODY_TIMEOUT).
    var stopBodyAfter: Int?
    /// Sends only this many bytes of the request's head and waits with the connection left open: how the deployment
    /// treats a client that stalls before its request is whole (HTTP_IDLE_TIMEOUT); see `Expectation.closed`.
    var stopHeadAfter: Int?
    /// Seconds to wait before the step's request (for a lock-out or a cache to expire).
    var delay: Double?
    var retry: Retry?
    /// The step waits for the answer's head only (status and headers are checked, captures come from headers) and
    /// its body goes on being read in the background until it ends, the step's timeout passes, a later step
    /// `release`s it or the scenario ends: a stream left open while other steps run (concurrency caps).
    var hold: Bool
    /// Before this step's request, every answer held by an earlier `hold` step is dropped (its connection closed),
    /// as a client that leaves.
    var release: Bool
    /// The request goes out and the scenario goes on at once: the answer is awaited, and checked, after the last
    /// step (before `finally`), so later steps run while it is in flight (one request holds a password check while
    /// others meet the limit on them). It captures nothing and stores no cookie.
    var background: Bool
    var expect: Expectation
    /// Variable name -> where to take it from the response.
    var capture: [String: Capture]

    struct RawRequest: Decodable, Sendable {
        var method: String
        var path: String

        enum CodingKeys: String, CodingKey, CaseIterable {
            case method, path
        }
    }

    /// Credentials, each templated: `bearer` as `Authorization: Bearer`; `apiKey` where the spec's one `apiKey`
    /// security scheme says (`X-API-Key` when it has none or several); `basic` as HTTP Basic; or `scheme` and
    /// `value`, placed as that security scheme of the spec says (for HTTP Basic the value is `user:password`).
    struct Auth: Decodable, Sendable {
        var bearer: String?
        var apiKey: String?
        var basic: Basic?
        var scheme: String?
        var value: String?

        enum CodingKeys: String, CodingKey, CaseIterable {
            case bearer, apiKey, basic, scheme, value
        }

        struct Basic: Decodable, Sendable {
            var username: String
            var password: String
        }

        /// Every templated text, for finding the variables a step reads.
        var texts: [String] {
            [bearer, apiKey, basic?.username, basic?.password, value].compactMap { $0 }
        }
    }

    /// Tries a step again until its expectations hold, for eventually consistent deployments.
    struct Retry: Decodable, Sendable {
        var attempts: Int
        /// Seconds between attempts.
        var delay: Double?

        enum CodingKeys: String, CodingKey, CaseIterable {
            case attempts, delay
        }
    }

    enum CodingKeys: String, CodingKey, CaseIterable {
        case name, operation, request, path, url, query, headers, auth, body, rawBody, form, timeout, stopBodyAfter, stopHeadAfter, delay, retry, hold,
            release, background, expect, capture
    }

    init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        operation = try container.decodeIfPresent(String.self, forKey: .operation)
        request = try container.decodeIfPresent(RawRequest.self, forKey: .request)
        name = try container.decodeIfPresent(String.self, forKey: .name)
            ?? operation ?? request.map { "\($0.method) \($0.path)" } ?? "step"
        path = try container.decodeIfPresent([String: JSONValue].self, forKey: .path) ?? [:]
        url = try container.decodeIfPresent(String.self, forKey: .url)
        query = try container.decodeIfPresent([String: JSONValue].self, forKey: .query) ?? [:]
        headers = try container.decodeIfPresent([String: JSONValue].self, forKey: .headers) ?? [:]
        auth = try container.decodeIfPresent(Auth.self, forKey: .auth)
        body = try container.decodeIfPresent(JSONValue.self, forKey: .body)
        rawBody = try container.decodeIfPresent(String.self, forKey: .rawBody)
        form = try container.decodeIfPresent([String: JSONValue].self, forKey: .form)
        timeout = try container.decodeIfPresent(Double.self, forKey: .timeout)
        stopBodyAfter = try container.decodeIfPresent(Int.self, forKey: .stopBodyAfter)
        stopHeadAfter = try container.decodeIfPresent(Int.self, forKey: .stopHeadAfter)
        delay = try container.decodeIfPresent(Double.self, forKey: .delay)
        retry = try container.decodeIfPresent(Retry.self, forKey: .retry)
        hold = try container.decodeIfPresent(Bool.self, forKey: .hold) ?? false
        release = try container.decodeIfPresent(Bool.self, forKey: .release) ?? false
        background = try container.decodeIfPresent(Bool.self, forKey: .background) ?? false
        expect = try container.decodeIfPresent(Expectation.self, forKey: .expect) ?? Expectation()
        capture = try container.decodeIfPresent([String: Capture].self, forKey: .capture) ?? [:]
        if (operation == nil) == (request == nil) {
            throw DecodingError.dataCorruptedError(
                forKey: .operation, in: container, debugDescription: "step '\(name)' needs exactly one of 'operation' or 'request'")
        }
    }
}

/// What a response must look like, besides matching its documented schema.
struct Expectation: Decodable, Sendable {
    /// Allowed statuses; empty means any documented one.
    var status: [Int] = []
    /// The media type, without parameters.
    var contentType: String?
    var headers: [String: Matcher] = [:]
    /// JSON Pointer into the body -> matcher.
    var body: [String: Matcher] = [:]
    /// A JSON value whose fields must all appear in the body with equal values.
    var bodySubset: JSONValue?
    /// A matcher on the raw body text.
    var text: Matcher?
    /// For `request` steps: the schema the body must match, as `#/components/...`.
    var schema: String?
    /// For `text/event-stream` answers.
    var stream: StreamExpectation?
    /// Template -> matcher, with the variables known before the step: e.g. `"{{ token | jwtLifetime }}": 86400`.
    var values: [String: Matcher] = [:]
    /// The deployment closes the connection without an answer (a request it gave up waiting for).
    var closed = false

    enum CodingKeys: String, CodingKey, CaseIterable {
        case status, contentType, headers, body, bodySubset, text, schema, stream, values, closed
    }

    init() {}

    init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        if let single = try? container.decode(Int.self, forKey: .status) {
            status = [single]
        } else {
            status = try container.decodeIfPresent([Int].self, forKey: .status) ?? []
        }
        contentType = try container.decodeIfPresent(String.self, forKey: .contentType)
        headers = try container.decodeIfPresent([String: Matcher].self, forKey: .headers) ?? [:]
        body = try container.decodeIfPresent([String: Matcher].self, forKey: .body) ?? [:]
        bodySubset = try container.decodeIfPresent(JSONValue.self, forKey: .bodySubset)
        text = try container.decodeIfPresent(Matcher.self, forKey: .text)
        schema = try container.decodeIfPresent(String.self, forKey: .schema)
        stream = try container.decodeIfPresent(StreamExpectation.self, forKey: .stream)
        values = try container.decodeIfPresent([String: Matcher].self, forKey: .values) ?? [:]
        closed = try container.decodeIfPresent(Bool.self, forKey: .closed) ?? false
    }

    /// The keys this expectation states, in the order of `CodingKeys`.
    var stated: [CodingKeys] {
        CodingKeys.allCases.filter { key in
            switch key {
            case .status: !status.isEmpty
            case .contentType: contentType != nil
            case .headers: !headers.isEmpty
            case .body: !body.isEmpty
            case .bodySubset: bodySubset != nil
            case .text: text != nil
            case .schema: schema != nil
            case .stream: stream != nil
            case .values: !values.isEmpty
            case .closed: closed
            }
        }
    }

    /// This expectation with what `other` states put in its place (a profile's override): the status, content type,
    /// text, schema, stream and body subset it gives, and its header, body and value matchers by name. What it does
    /// not state stays, so an override that changes a status keeps the scenario's checks of names and order. A
    /// content type it states that is not JSON (or not an event stream) ends the checks that need one.
    func overridden(by other: Expectation) -> Expectation {
        var merged = self
        if !other.status.isEmpty { merged.status = other.status }
        merged.contentType = other.contentType ?? contentType
        merged.text = other.text ?? text
        for (name, matcher) in other.headers {
            merged.headers = merged.headers.filter { $0.key.caseInsensitiveCompare(name) != .orderedSame }
            merged.headers[name] = matcher
        }
        let type = other.contentType?.lowercased()
        if let type, !type.contains("json") {
            (merged.body, merged.bodySubset, merged.schema) = ([:], nil, nil)
        }
        if let type, type != "text/event-stream" { merged.stream = nil }
        merged.schema = other.schema ?? merged.schema
        merged.stream = other.stream ?? merged.stream
        merged.bodySubset = other.bodySubset ?? merged.bodySubset
        merged.body.merge(other.body) { $1 }
        merged.values.merge(other.values) { $1 }
        return merged
    }
}

/// What a streamed answer must hold besides matching its documented event schemas.
struct StreamExpectation: Decodable, Sendable {
    /// A JSON Pointer into each data event whose strings, joined, make the streamed text (e.g. `/response`).
    var pointer: String?
    /// A matcher on that joined text.
    var text: Matcher?
    /// The fewest data events.
    var minEvents: Int?
    /// Whether the stream must end with an `error` event (default: it must not, unless `errorEvent` says what it holds).
    var error: Bool?
    /// JSON Pointer -> matcher on the last data event (e.g. OpenAI's usage chunk).
    var lastEvent: [String: Matcher] = [:]
    /// JSON Pointer -> matcher on the `error` event the stream must end with (e.g. its `/code`).
    var errorEvent: [String: Matcher] = [:]

    /// Whether the stream must end with an `error` event.
    var expectsError: Bool { error ?? !errorEvent.isEmpty }

    enum CodingKeys: String, CodingKey, CaseIterable {
        case pointer, text, minEvents, error, lastEvent, errorEvent
    }
}

extension StreamExpectation {
    init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        pointer = try container.decodeIfPresent(String.self, forKey: .pointer)
        text = try container.decodeIfPresent(Matcher.self, forKey: .text)
        minEvents = try container.decodeIfPresent(Int.self, forKey: .minEvents)
        error = try container.decodeIfPresent(Bool.self, forKey: .error)
        lastEvent = try container.decodeIfPresent([String: Matcher].self, forKey: .lastEvent) ?? [:]
        errorEvent = try container.decodeIfPresent([String: Matcher].self, forKey: .errorEvent) ?? [:]
    }
}

/// A check on one value: a bare value means `equals`; a map combines the checks it names.
struct Matcher: Decodable, Sendable {
    var equals: JSONValue?
    var notEquals: JSONValue?
    /// A regular expression the value's text must match somewhere.
    var matches: String?
    /// A substring of the value's text.
    var contains: String?
    /// A substring the value's text must not hold; for an array, no item's text may hold it.
    var notContains: String?
    /// Whether the value must be present (`false`: absent).
    var exists: Bool?
    /// A JSON type name: null, boolean, integer, number, string, array, object.
    var type: String?
    /// The number of characters, items or properties.
    var length: Int?
    /// For a JWT: a matcher on its claims (kept in an array, the way a struct may hold its own type).
    private var claims: [Matcher] = []
    var jwtClaims: Matcher? { claims.first }

    enum CodingKeys: String, CodingKey, CaseIterable {
        case equals, notEquals, matches, contains, notContains, exists, type, length, jwtClaims
    }

    init(from decoder: any Decoder) throws {
        let value = try JSONValue(from: decoder)
        guard case .object(let object) = value, !object.isEmpty, Set(object.keys).isSubset(of: Self.keys) else {
            equals = value
            return
        }
        let container = try decoder.container(keyedBy: CodingKeys.self)
        equals = try container.decodeIfPresent(JSONValue.self, forKey: .equals)
        notEquals = try container.decodeIfPresent(JSONValue.self, forKey: .notEquals)
        matches = try container.decodeIfPresent(String.self, forKey: .matches)
        contains = try container.decodeIfPresent(String.self, forKey: .contains)
        notContains = try container.decodeIfPresent(String.self, forKey: .notContains)
        exists = try container.decodeIfPresent(Bool.self, forKey: .exists)
        type = try container.decodeIfPresent(String.self, forKey: .type)
        length = try container.decodeIfPresent(Int.self, forKey: .length)
        claims = try container.decodeIfPresent(Matcher.self, forKey: .jwtClaims).map { [$0] } ?? []
    }

    /// A map whose keys are all among these is a matcher; any other value (or map) is compared with `equals`.
    static let keys = Set(CodingKeys.allCases.map(\.rawValue))

    /// What is wrong with `value` (nil: absent), or nil when every check holds. Expected values are
    /// templated by the caller before matching.
    func failure(for value: JSONValue?, render: (JSONValue) throws -> JSONValue) rethrows -> String? {
        if let exists {
            if exists, value == nil { return "expected it to exist, but it is absent" }
            if !exists, let value { return "expected it to be absent, found \(value.jsonText.prefix(100))" }
        }
        guard let value else {
            return exists == false ? nil : "expected a value, but it is absent"
        }
        if let equals, case let expected = try render(equals), expected != value {
            return "expected \(expected.jsonText.prefix(200)), found \(value.jsonText.prefix(200))"
        }
        if let notEquals, case let unexpected = try render(notEquals), unexpected == value {
            return "expected anything but \(unexpected.jsonText.prefix(200))"
        }
        if let type, value.typeName != type, !(type == "number" && value.typeName == "integer") {
            return "expected \(Self.article(type)) \(type), found \(value.typeName) \(value.jsonText.prefix(100))"
        }
        if let matches, case .string(let pattern) = try render(.string(matches)), !SchemaValidator.matches(value.displayText, pattern: pattern) {
            return "expected to match /\(pattern)/, found \(value.jsonText.prefix(200))"
        }
        if let contains, case .string(let needle) = try render(.string(contains)), !value.displayText.contains(needle) {
            return "expected to contain \(JSONValue.string(needle).jsonText), found \(value.jsonText.prefix(200))"
        }
        if let notContains, case .string(let needle) = try render(.string(notContains)) {
            let texts = value.arrayValue?.map(\.jsonText) ?? [value.displayText]
            if let offender = texts.first(where: { $0.contains(needle) }) {
                return "expected no \(JSONValue.string(needle).jsonText), found \(offender.prefix(200))"
            }
        }
        if let length {
            let actual: Int? = switch value {
            case .string(let string): string.count
            case .array(let array): array.count
            case .object(let object): object.count
            default: nil
            }
            if actual != length { return "expected length \(length), found \(actual.map(String.init) ?? "a \(value.typeName)")" }
        }
        if let jwtClaims {
            guard let payload = try? JWTForgery(token: value.displayText).payload else {
                return "expected a JWT, found \(value.jsonText.prefix(40))"
            }
            if let problem = try jwtClaims.failure(for: .object(payload), render: render) { return "its claims: \(problem)" }
        }
        return nil
    }
}

extension Matcher {
    /// "a" or "an" before a type name.
    static func article(_ word: String) -> String {
        word.first.map { "aeiou".contains($0) } == true ? "an" : "a"
    }
}

/// Where a captured variable comes from: a JSON Pointer into the body (the shorthand), a header, or a cookie
/// the response sets.
struct Capture: Decodable, Sendable {
    var body: String?
    var header: String?
    var cookie: String?

    enum CodingKeys: String, CodingKey, CaseIterable {
        case body, header, cookie
    }

    init(from decoder: any Decoder) throws {
        if let pointer = try? decoder.singleValueContainer().decode(String.self) {
            body = pointer
            return
        }
        let container = try decoder.container(keyedBy: CodingKeys.self)
        body = try container.decodeIfPresent(String.self, forKey: .body)
        header = try container.decodeIfPresent(String.self, forKey: .header)
        cookie = try container.decodeIfPresent(String.self, forKey: .cookie)
    }
}
