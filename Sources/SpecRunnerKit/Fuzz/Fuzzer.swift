import Crypto
import Foundation
import JSONValues

/// Positive and negative testing generated from the spec. For each operation it sends valid requests (bodies and
/// parameters from the schemas, credentials placed as the operation's `security` says), requests that break one
/// keyword of the request schema, broken encodings, missing, garbage and forged credentials, and methods the
/// path does not list. Each finding has a class (`FindingClass`) saying which promise of the spec was broken.
struct Fuzzer: Sendable {
    /// What one generated request tries.
    enum Case: String, CaseIterable, Sendable {
        case valid, oddValues, schemaViolation, invalidJSON, invalidUTF8, wrongContentType, hugeNumber
        case noCredentials, garbageCredentials, forgedToken, otherScheme, unlistedMethod, headLikeGet
        /// A valid credential altered as `CredentialVariant` says.
        case alteredCredential
        /// A valid request, or its CORS preflight, from an origin nobody allowed.
        case foreignOrigin
    }

    /// Which promise of the spec a finding breaks.
    enum FindingClass: String, CaseIterable, Sendable, Comparable {
        /// A 5xx answer, to anything.
        case serverError = "server_error"
        /// A status, content type, header or body the spec does not document for the operation.
        case undocumentedResponse = "undocumented_response"
        /// A request the spec allows, answered with a 4xx the spec documents only for invalid input.
        case rejectedValidRequest = "rejected_valid_request"
        /// A request the spec forbids (broken body, wrong content type, credentials of another scheme), answered 2xx.
        case acceptedInvalidRequest = "accepted_invalid_request"
        /// Missing, garbage or forged credentials on an operation that needs them, not answered 401.
        case credentialsNotRefused = "credentials_not_refused"
        /// A method the path does not list, not answered 405 with an `Allow` header naming the listed ones (or 501
        /// for a method outside HTTP's core).
        case methodNotRefused = "method_not_refused"
        /// HEAD on a GET route not answered like GET without a body.
        case headUnlikeGet = "head_unlike_get"
        /// A valid credential altered (a LIKE wildcard, its case, cut short, padded) not answered 401.
        case alteredCredentialAccepted = "altered_credential_accepted"
        /// An arbitrary origin answered `Access-Control-Allow-Credentials: true` with `*` or that origin allowed.
        case corsCredentialsFromAnyOrigin = "cors_credentials_from_any_origin"
        /// A password hash, the password sent, or a token with secret claims in an answer.
        case secretInResponse = "secret_in_response"
        /// Issued secrets (keys, opaque tokens) that repeat or carry too few bits of entropy across the run.
        case weakSecret = "weak_secret"
        /// A step of the fuzz set-up scenario that did not pass (its status, its captures, or the spec's word on its answer).
        case setupFailed = "setup_failed"
        /// A valid request refused with 401 although its credentials were just issued (one read from the wrong place, say).
        case validCredentialsRefused = "valid_credentials_refused"

        static func < (lhs: Self, rhs: Self) -> Bool { lhs.rawValue < rhs.rawValue }
    }

    /// What the spec says the answer to a plan must be.
    enum Expectation: Sendable, Equatable {
        /// The spec allows the request: no 4xx that only invalid input gets.
        case allowed
        /// The spec forbids the request: no 2xx.
        case forbidden
        /// Credentials are missing or wrong: 401.
        case unauthenticated
        /// The path does not serve the method: 405 with `Allow` naming these.
        case methodNotAllowed(allow: [String])
        /// HEAD on a GET route: the status GET gets, no body.
        case likeGet
        /// Nothing beyond the spec's documentation of the answer (odd values the schema cannot judge).
        case documented
        /// A CORS preflight: only what it allows is judged.
        case preflight
    }

    /// One generated request and what the spec says of it.
    struct Plan: Sendable {
        let index: Int
        let operation: OpenAPISpec.Operation
        let fuzzCase: Case
        /// What exactly was done, e.g. `maxLength at /name`.
        let detail: String
        let request: SentRequest
        let expectation: Expectation
        /// The credentials placed in the request, for writing it as a scenario without them.
        var credentials: [PlacedCredential] = []
    }

    /// A credential a plan placed: its scheme, the value sent, and how a saved scenario writes that value.
    struct PlacedCredential: Sendable {
        let scheme: String
        let value: String
        let template: String
    }

    struct Finding: Sendable {
        let plan: Plan
        let status: Int?
        var problems: [(FindingClass, String)]
        /// Busy answers waited on before this one.
        var waits = 0
        /// Why the runner's HTTP client would not send the request, if it would not (then nothing was sent).
        var notSent: String?
        /// What the answer leaked (the `secretInResponse` problems), for the saved scenario's checks.
        var leaks: [SecretScan.Leak] = []
        /// Secrets the answer issued, for `SecretEntropy`; never reported.
        var issued: [SecretEntropy.Issued] = []
        /// The answer, for reports to show (only findings are kept, so only theirs is ever read).
        var response: ReceivedResponse?
    }

    /// The finding for a plan's answer (`get`: the same request as GET, for HEAD plans).
    func finding(_ plan: Plan, response: ReceivedResponse, get: ReceivedResponse? = nil) -> Finding {
        let leaks = SecretScan.leaks(in: response, sent: plan.request.body)
        return Finding(
            plan: plan, status: response.status, problems: check(response, for: plan, get: get, leaks: leaks), waits: response.waits.count,
            leaks: leaks,
            issued: SecretEntropy.issued(in: response, method: plan.request.method, operation: plan.operation, spec: spec),
            response: response)
    }

    let spec: OpenAPISpec
    let baseURL: String
    let seed: UInt64
    /// Credentials by security scheme name (e.g. `sessionToken`), placed as each scheme says.
    let credentials: [String: String]
    /// Operations to fuzz, by id, in a fixed order.
    let operations: [OpenAPISpec.Operation]
    /// Values made earlier in the run (the set-up scenario's variables and `--var`), used half the time for
    /// parameters of the same name, e.g. a created `note_id`.
    let knownValues: [String: String]
    /// Parameters some answer feeds through OpenAPI `links` (`operationId/name`), such as a page cursor: a value
    /// only the server can make, so an optional one is sent only with a known value (or broken on purpose).
    let linkFed: Set<String>

    init(
        spec: OpenAPISpec, baseURL: String, seed: UInt64, credentials: [String: String], operations: [OpenAPISpec.Operation]? = nil,
        knownValues: [String: String] = [:]
    ) {
        self.spec = spec
        self.baseURL = baseURL
        self.seed = seed
        self.credentials = credentials
        self.knownValues = knownValues
        linkFed = spec.linkedParameters
        self.operations = operations ?? spec.operations.values.sorted { $0.id < $1.id }
    }

    /// The same fuzzer with values from the set-up run anew: the credentials of the same schemes, and known values.
    func renewed(with fresh: [String: String]) -> Fuzzer {
        Fuzzer(
            spec: spec, baseURL: baseURL, seed: seed, credentials: credentials.reduce(into: [:]) { $0[$1.key] = fresh[$1.key] ?? $1.value },
            operations: operations, knownValues: knownValues.merging(fresh) { $1 })
    }

    static let methods = ["GET", "PUT", "POST", "DELETE", "PATCH", "TRACE"] + extensionMethods
    /// Methods HTTP's core does not define (the new QUERY, WebDAV's PROPFIND): a server that does not know one may
    /// answer 501 (RFC 9110 §15.6.2) as well as 405.
    static let extensionMethods = ["QUERY", "PROPFIND"]

    /// Requests per operation with a body, after the odd strings, that break the body's keywords one after another.
    static let keywordTurns = 12

    /// The `index`th request of the run: the same for the same seed, whatever order requests are sent in.
    func plan(_ index: Int) -> Plan {
        var random = SeededRandom.forRequest(seed: seed, index: index)
        let operation = operations[index % operations.count]
        var sampler = SchemaSampler(document: spec.document, validator: spec.validator, random: SeededRandom(seed: random.next()))
        let requestBody = Self.requestBody(of: operation, in: spec.document)
        let bodyPointer = requestBody?.schema
        let protected = Self.requiresCredentials(operation, in: spec.document)
        var cases = Case.allCases.filter { fuzzCase in
            switch fuzzCase {
            case .invalidJSON, .hugeNumber: requestBody?.encoding == .json
            case .invalidUTF8, .wrongContentType, .oddValues: bodyPointer != nil
            case .schemaViolation: bodyPointer != nil || !parameterSchemas(of: operation).isEmpty
            case .noCredentials, .garbageCredentials, .forgedToken: protected
            case .otherScheme: protected && !otherSchemes(for: operation).isEmpty
            case .unlistedMethod: !unlistedMethods(operation).isEmpty
            case .headLikeGet: operation.method == "GET"
            case .alteredCredential: protected && !Self.satisfiable(operation, in: spec.document, having: Set(credentials.keys)).isEmpty
            case .valid, .foreignOrigin: true
            }
        }
        // Valid requests and broken schemas are where most defects hide: they get three shares each.
        cases += [.valid, .valid] + (cases.contains(.schemaViolation) ? [.schemaViolation, .schemaViolation] : [])
        // The first requests go through every odd string for every operation with a body, then choices are random.
        let systematic = index < operations.count * SchemaSampler.oddStrings.count && bodyPointer != nil
        // Then every keyword of every body schema is broken once, in turn, before violations are chosen at random.
        let oddPhase = operations.count * SchemaSampler.oddStrings.count
        let keywordTurn = (oddPhase..<oddPhase + operations.count * Self.keywordTurns).contains(index) && bodyPointer != nil
            ? (index - oddPhase) / operations.count : nil
        let fuzzCase = systematic ? .oddValues : keywordTurn != nil ? .schemaViolation : cases.randomElement(using: &random)!
        let odd = systematic ? SchemaSampler.oddStrings[index / operations.count] : SchemaSampler.oddStrings.randomElement(using: &random)!

        var detail = fuzzCase.rawValue
        var parameterViolated = false
        var headers: [(name: String, value: String)] = []
        var query: [(String, String)] = []
        var path = operation.path
        var placed: [PlacedCredential] = []
        var parameterValues: [(parameter: OpenAPISpec.Parameter, value: JSONValue)] = []
        var styledQuery: [String] = []
        // Link-fed parameters taken only so that one of them may be the parameter broken; the others are dropped.
        var onlyIfBroken: Set<String> = []
        for parameter in spec.parameters(of: operation) {
            guard let name = parameter.name, parameter.location != nil else { continue }
            let fedByLink = linkFed.contains("\(operation.id)/\(name)") && knownValues[name] == nil
            guard parameter.isRequired || (fedByLink ? fuzzCase == .schemaViolation : Bool.random(using: &random)) else { continue }
            // A value the run made earlier (a set-up capture named like the parameter) three times in four, so that
            // requests reach real resources; otherwise one generated from the schema. DELETE gets generated values
            // only, so the resource stays there for the rest of the run.
            let known = operation.method == "DELETE" ? nil : knownValues[name].flatMap { random.next() % 4 == 0 ? nil : $0 }
            let value = known.map { ParameterStyle.typed($0, schemaAt: parameter.schema, in: spec) }
                ?? (parameter.schema.resolve(in: spec.document) == nil ? .string("x") : (sampler.valid(at: parameter.schema) ?? .string("x")))
            parameterValues.append((parameter, value))
            if fedByLink, !parameter.isRequired { onlyIfBroken.insert(name) }
        }
        if fuzzCase == .schemaViolation, keywordTurn == nil, bodyPointer == nil || random.next() % 3 == 0 {
            // Break one keyword of one parameter's schema instead of the body.
            let candidates = parameterValues.indices.flatMap { index -> [(Int, SchemaSampler.Violation)] in
                let entry = parameterValues[index]
                guard entry.parameter.schema.resolve(in: spec.document) != nil else { return [] }
                return sampler.violations(of: entry.value, at: entry.parameter.schema)
                    .filter { Self.serializable($0, as: entry.value) && !spec.validator.validate(Self.onTheWire($0.value, schemaAt: entry.parameter.schema, in: spec), schemaAt: entry.parameter.schema).isEmpty }
                    .map { (index, $0) }
            }
            if let keyword = Self.pick(candidates.map(\.1), using: &random)?.keyword,
               let (index, violation) = candidates.filter({ $0.1.keyword == keyword }).randomElement(using: &random) {
                parameterValues[index].value = violation.value
                let parameter = parameterValues[index].parameter
                onlyIfBroken.remove(parameter.name ?? "")
                detail = "\(violation.keyword) of the \(parameter.location ?? "") parameter \(parameter.name ?? "")"
                parameterViolated = true
            }
        }
        for (parameter, value) in parameterValues {
            guard let name = parameter.name, !onlyIfBroken.contains(name) else { continue }
            let style = parameter.style
            switch parameter.location {
            case "path": path = path.replacingOccurrences(of: "{\(name)}", with: style.text(name: name, value: value, encode: FormEncoding.component))
            case "query": styledQuery += style.items(name: name, value: value)
            case "header": headers.append((name, style.text(name: name, value: value)))
            case "cookie":
                for item in style.items(name: name, value: value) {
                    let parts = item.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false).map(String.init)
                    CookieJar.add(name: parts[0], value: parts.count > 1 ? parts[1] : "", to: &headers)
                }
            default: break
            }
        }
        switch fuzzCase {
        case .noCredentials: break
        case .alteredCredential:
            let chosen = Self.satisfiable(operation, in: spec.document, having: Set(credentials.keys)).randomElement(using: &random)!
            let altered = chosen.randomElement(using: &random)!
            let basic = spec.placement(ofScheme: altered) == .authorization(scheme: "Basic")
            let variants = CredentialVariant.allCases.compactMap { variant in credentials[altered].flatMap { variant.apply(to: $0, basic: basic) }.map { (variant, $0) } }
            if let (variant, value) = variants.randomElement(using: &random) {
                detail = "the \(altered) credential with \(variant.rawValue)"
                for scheme in chosen {
                    placed += place(scheme, value: scheme == altered ? value : nil, template: variant.template(variable: altered, altered: value), into: &headers, query: &query)
                }
            }
        case .garbageCredentials: headers.append(("Authorization", "Bearer garbage.\(random.next())"))
        case .forgedToken: headers.append(("Authorization", "Bearer \(Self.forgedToken(random: &random))"))
        case .otherScheme:
            let scheme = otherSchemes(for: operation).randomElement(using: &random)!
            detail = "credentials of the scheme \(scheme), which \(operation.id) does not accept"
            placed += place(scheme, into: &headers, query: &query)
        default:
            if let chosen = Self.satisfiable(operation, in: spec.document, having: Set(credentials.keys)).randomElement(using: &random) {
                for scheme in chosen { placed += place(scheme, into: &headers, query: &query) }
            }
        }

        var expectation: Expectation = switch fuzzCase {
        case .noCredentials, .garbageCredentials, .forgedToken, .alteredCredential: .unauthenticated
        case .otherScheme, .invalidJSON, .invalidUTF8, .wrongContentType, .hugeNumber, .schemaViolation: .forbidden
        case .unlistedMethod: .methodNotAllowed(allow: listedMethods(operation))
        case .headLikeGet: .likeGet
        case .valid, .foreignOrigin: .allowed
        case .oddValues: .documented
        }
        if fuzzCase == .schemaViolation, !parameterViolated, bodyPointer == nil {
            expectation = .documented  // nothing could be broken: the request is as valid as any
        }
        if protected, Self.satisfiable(operation, in: spec.document, having: Set(credentials.keys)).isEmpty, expectation == .allowed {
            expectation = .documented  // no credentials for it were given: a valid request cannot be made
        }
        var body: String?
        var bytes: [UInt8]?
        if let requestBody, let bodyPointer, ![.unlistedMethod, .headLikeGet].contains(fuzzCase) {
            var value = sampler.valid(at: bodyPointer).map { withKnownValues($0, schemaAt: bodyPointer, random: &random) }
            if value == nil, expectation == .allowed { expectation = .documented }
            switch fuzzCase {
            case .schemaViolation where !parameterViolated:
                let violations = sampler.violations(of: value ?? .object([:]), at: bodyPointer)
                    .filter { requestBody.encoding == .json || Self.formBreakable.contains($0.keyword) }
                if let violation = Self.pick(violations, turn: keywordTurn, using: &random) {
                    value = violation.value
                    detail = "\(violation.keyword) at \(violation.at.description.isEmpty ? "/" : violation.at.description)"
                } else {
                    expectation = .documented
                }
            case .oddValues:
                // The odd string wherever the schema allows it, so the request still reaches the handler.
                value = Self.stringPointers(in: value ?? .object([:])).reduce(value ?? .object([:])) { body, pointer in
                    let changed = body.editing(at: pointer) { _ in .string(odd) }
                    return spec.validator.validate(changed, schemaAt: bodyPointer, direction: .request).isEmpty ? changed : body
                }
                detail = "odd string \(JSONValue.string(odd).jsonText.prefix(24))"
                if let value, spec.validator.validate(value, schemaAt: bodyPointer, direction: .request).isEmpty { expectation = .allowed }
            default:
                break
            }
            let text = requestBody.encoding.encode(value ?? .object([:]))
            switch fuzzCase {
            case .invalidJSON: body = String(text.dropLast(max(1, text.count / 3)))
            case .invalidUTF8:
                // The valid body with bytes that are not UTF-8 inside its first string or value (or at its start).
                let utf8 = Array(text.utf8)
                let at = (utf8.firstIndex { $0 == UInt8(ascii: "\"") || $0 == UInt8(ascii: "=") }.map { utf8.index(after: $0) }) ?? 0
                bytes = Array(utf8[..<at]) + [0xFF, 0xFE, 0xC3] + Array(utf8[at...])
            case .hugeNumber:
                let replaced = text.replacingOccurrences(of: #"(:\s*)-?[0-9.]+"#, with: "$11e309", options: .regularExpression)
                body = replaced == text ? #"{"n":1e309}"# : replaced
            default: body = text
            }
            let wrongTypes = ["text/plain", "application/xml", "application/json", "application/x-www-form-urlencoded", "multipart/form-data; boundary=x"]
                .filter { !$0.hasPrefix(requestBody.mediaType) }
            headers.append(("Content-Type", fuzzCase == .wrongContentType ? wrongTypes.randomElement(using: &random)! : requestBody.encoding.contentType))
        }
        var method = operation.method
        if fuzzCase == .unlistedMethod { method = unlistedMethods(operation).randomElement(using: &random)! }
        if fuzzCase == .headLikeGet { method = "HEAD" }
        if fuzzCase == .foreignOrigin {
            let origin = "https://specrunner-probe-\(random.next() % 100_000).example"
            if Bool.random(using: &random) {
                // The preflight a browser sends first: nothing but what it asks to be allowed.
                method = "OPTIONS"
                headers = [("Origin", origin), ("Access-Control-Request-Method", operation.method),
                           ("Access-Control-Request-Headers", "authorization,content-type")]
                body = nil
                bytes = nil
                expectation = .preflight
                detail = "CORS preflight from \(origin)"
            } else {
                headers.append(("Origin", origin))
                detail = "a valid request from \(origin)"
            }
        }
        let items = styledQuery + query.map { FormEncoding.encode([$0]) }
        if !items.isEmpty { path += "?" + items.joined(separator: "&") }
        return Plan(
            index: index, operation: operation, fuzzCase: fuzzCase, detail: detail,
            request: SentRequest(method: method, url: baseURL + path, headers: headers, body: bytes == nil ? body : nil, bytes: bytes),
            expectation: expectation, credentials: fuzzCase == .foreignOrigin && expectation == .preflight ? [] : placed)
    }

    /// `body` with each property named like a value the run made (a set-up capture such as `account_id`) set to that
    /// value three times in four, where the schema still allows it, so that bodies refer to real resources as
    /// parameters do.
    func withKnownValues(_ body: JSONValue, schemaAt pointer: JSONPointer, random: inout SeededRandom) -> JSONValue {
        Self.memberPointers(in: body).reduce(body) { body, member in
            guard let name = member.tokens.last, let text = knownValues[name], random.next() % 4 != 0 else { return body }
            let candidates = [Int64(text).map(JSONValue.integer), Double(text).map(JSONValue.number), .string(text)].compactMap { $0 }
            return candidates.lazy.map { value in body.editing(at: member) { _ in value } }
                .first { spec.validator.validate($0, schemaAt: pointer, direction: .request).isEmpty } ?? body
        }
    }

    /// The pointers of every object member in `value`, in document order.
    static func memberPointers(in value: JSONValue, at pointer: JSONPointer = .root) -> [JSONPointer] {
        switch value {
        case .object(let object): object.keys.sorted().flatMap { [pointer.appending($0)] + memberPointers(in: object[$0]!, at: pointer.appending($0)) }
        case .array(let array): array.indices.flatMap { memberPointers(in: array[$0], at: pointer.appending($0)) }
        default: []
        }
    }

    /// What is wrong with the answer to a plan; `get` is the answer to the same request as GET, for HEAD plans.
    /// `leaks`: the answer's leaks when the caller has scanned for them already.
    func check(_ response: ReceivedResponse, for plan: Plan, get: ReceivedResponse? = nil, leaks: [SecretScan.Leak]? = nil) -> [(FindingClass, String)] {
        var problems: [(FindingClass, String)] = []
        let status = response.status
        // A documented 503 with Retry-After that stayed busy past the wait is the deployment saying "later", not failing.
        let busy = status == 503 && response.header("Retry-After") != nil && spec.response(for: plan.operation, status: 503) != nil
        // 501 to a method outside HTTP's core is the server saying it does not know the method, as it may.
        let unknownMethod = status == 501 && Self.extensionMethods.contains(plan.request.method)
        if status >= 500, !busy, !unknownMethod { problems.append((.serverError, "server error \(status): \(response.text.prefix(200))")) }
        problems += (leaks ?? SecretScan.leaks(in: response, sent: plan.request.body)).map { (.secretInResponse, $0.description) }
        if let origin = plan.request.headers.first(where: { $0.name == "Origin" })?.value,
           response.header("Access-Control-Allow-Credentials")?.lowercased() == "true",
           let allowed = response.header("Access-Control-Allow-Origin"), allowed == "*" || allowed == origin
        {
            problems.append((.corsCredentialsFromAnyOrigin, "\(plan.detail) was answered Access-Control-Allow-Origin: \(allowed) with Access-Control-Allow-Credentials: true, so any site can call it with the user's cookies"))
        }
        if plan.expectation == .preflight { return problems }
        switch plan.expectation {
        case .methodNotAllowed where unknownMethod:
            return problems
        case .methodNotAllowed(let allow):
            if status != 405 {
                problems.append((.methodNotRefused, "\(plan.request.method) is not listed for \(plan.operation.path), but the answer is \(status), not 405"))
            } else {
                let header = Set((response.header("Allow") ?? "").split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces).uppercased() })
                let missing = allow.filter { !header.contains($0) }
                if !missing.isEmpty {
                    problems.append((.methodNotRefused, "405 without \(missing.joined(separator: ", ")) in Allow (got '\(response.header("Allow") ?? "")')"))
                }
            }
            return problems
        case .likeGet:
            if let get, get.status != status { problems.append((.headUnlikeGet, "HEAD answered \(status), GET \(get.status)")) }
            if !response.body.isEmpty { problems.append((.headUnlikeGet, "HEAD answered with a body of \(response.body.count) bytes")) }
            return problems
        default:
            break
        }
        if status < 500 {
            problems += spec.check(response, operation: plan.operation).map { (.undocumentedResponse, $0) }
        }
        switch plan.expectation {
        case .allowed where (400..<500).contains(status) && ![401, 403, 404, 409, 429].contains(status):
            problems.append((.rejectedValidRequest, "the spec allows this request (\(plan.detail)), but it was refused with \(status): \(response.text.prefix(160))"))
        case .forbidden where (200..<300).contains(status):
            problems.append((.acceptedInvalidRequest, "accepted (\(status)) a request the spec forbids (\(plan.detail))"))
        case .unauthenticated where status != 401 && status != 429:
            // 429: a deployment that limits failed authentications refuses them before looking.
            problems.append((plan.fuzzCase == .alteredCredential ? .alteredCredentialAccepted : .credentialsNotRefused, "\(plan.detail) answered \(status), not 401"))
        default:
            break
        }
        return problems
    }

    // MARK: Operations, parameters and credentials as the spec describes them

    /// The pointer of the operation's `application/json` request body schema, if it takes one.
    static func jsonBody(of operation: OpenAPISpec.Operation, in document: JSONValue) -> JSONPointer? {
        requestBody(of: operation, in: document).flatMap { $0.encoding == .json ? $0.schema : nil }
    }

    /// The operation's request body in the first media type the fuzzer can write (JSON, a form, multipart), if any.
    static func requestBody(of operation: OpenAPISpec.Operation, in document: JSONValue) -> RequestBody? {
        let content = operation.pointer.appending("requestBody").appending("content")
        for encoding in BodyEncoding.allCases {
            let pointer = content.appending(encoding.mediaType).appending("schema")
            if pointer.resolve(in: document) != nil { return RequestBody(mediaType: encoding.mediaType, schema: pointer, encoding: encoding) }
        }
        return nil
    }

    /// A violation chosen keyword first (each keyword as likely as any other), then among that keyword's, so that
    /// rare keywords such as `enum` are tried as often as `type`, which every node has.
    /// With a `turn`, the turn-th keyword in order (a random one once the turns pass the keywords there are).
    static func pick(_ violations: [SchemaSampler.Violation], turn: Int? = nil, using random: inout SeededRandom) -> SchemaSampler.Violation? {
        let keywords = Array(Set(violations.map(\.keyword))).sorted()
        guard let keyword = turn.flatMap({ $0 < keywords.count ? keywords[$0] : nil }) ?? keywords.randomElement(using: &random) else { return nil }
        return violations.filter { $0.keyword == keyword }.randomElement(using: &random)
    }

    /// Keywords whose violation a form can carry (its values are all text).
    static let formBreakable: Set<String> = ["required", "minLength", "maxLength", "pattern", "enum", "const", "format", "additionalProperties"]

    /// Whether a broken parameter value still says on the wire what it says as JSON: a primitive for a primitive, a
    /// non-empty array of primitives for an array (an empty one sends nothing, and one value reads as a list of
    /// one, so neither breaks anything); objects are left out.
    static func serializable(_ violation: SchemaSampler.Violation, as original: JSONValue) -> Bool {
        switch (violation.value, original) {
        case (.object, _), (_, .object): false
        case (.array(let items), .array): !items.isEmpty && items.allSatisfy { $0.objectValue == nil && $0.arrayValue == nil }
        case (.array, _), (_, .array): false
        default: true
        }
    }

    /// A parameter value as the server reads it back from its text: `42` breaks a string's `type` as JSON but is the
    /// string "42" in a URL, so such a violation cannot be sent.
    static func onTheWire(_ value: JSONValue, schemaAt pointer: JSONPointer, in spec: OpenAPISpec) -> JSONValue {
        guard case .array(let items) = value else { return ParameterStyle.typed(value.displayText, schemaAt: pointer, in: spec) }
        let itemsAt = SchemaSampler(document: spec.document, validator: spec.validator, random: SeededRandom(seed: 0)).resolved(pointer)?.0.appending("items")
        return .array(items.map { item in itemsAt.map { ParameterStyle.typed(item.displayText, schemaAt: $0, in: spec) } ?? .string(item.displayText) })
    }

    /// The schema pointers of the operation's parameters, by `in/name`.
    func parameterSchemas(of operation: OpenAPISpec.Operation) -> [String: JSONPointer] {
        Dictionary(spec.parameters(of: operation).compactMap { parameter in
            guard let name = parameter.name, let location = parameter.location, parameter.schema.resolve(in: spec.document) != nil else { return nil }
            return ("\(location)/\(name)", parameter.schema)
        }, uniquingKeysWith: { first, _ in first })
    }

    /// The methods the operation's path lists.
    func listedMethods(_ operation: OpenAPISpec.Operation) -> [String] {
        spec.operations.values.filter { $0.path == operation.path }.map(\.method).sorted()
    }

    /// Standard methods the operation's path does not list (HEAD counts as listed where GET is).
    func unlistedMethods(_ operation: OpenAPISpec.Operation) -> [String] {
        let listed = Set(listedMethods(operation))
        return Self.methods.filter { !listed.contains($0) }
    }

    /// Whether every security requirement of the operation needs credentials (none is `{}`).
    static func requiresCredentials(_ operation: OpenAPISpec.Operation, in document: JSONValue) -> Bool {
        let requirements = requirements(of: operation, in: document)
        return !requirements.isEmpty && !requirements.contains { $0.isEmpty }
    }

    /// The operation's security requirements (its own, else the document's): each a set of scheme names.
    static func requirements(of operation: OpenAPISpec.Operation, in document: JSONValue) -> [[String]] {
        let list = operation.pointer.appending("security").resolve(in: document)?.arrayValue ?? document["security"]?.arrayValue ?? []
        return list.map { ($0.objectValue?.keys).map { Array($0).sorted() } ?? [] }
    }

    /// The requirements of the operation that the given schemes satisfy (and need some credential).
    static func satisfiable(_ operation: OpenAPISpec.Operation, in document: JSONValue, having: Set<String>) -> [[String]] {
        requirements(of: operation, in: document).filter { !$0.isEmpty && Set($0).isSubset(of: having) }
    }

    /// Schemes we hold credentials for that none of the operation's requirements names.
    func otherSchemes(for operation: OpenAPISpec.Operation) -> [String] {
        let named = Set(Self.requirements(of: operation, in: spec.document).flatMap { $0 })
        return credentials.keys.sorted().filter { !named.contains($0) }
    }

    /// Puts the credential of `scheme` where its security scheme says: a bearer or basic `Authorization`, or an
    /// API key in a header, the query or a cookie.
    /// `value` replaces the scheme's credential (an altered one, written as `template` in a saved scenario).
    @discardableResult
    func place(
        _ scheme: String, value: String? = nil, template: String? = nil, into headers: inout [(name: String, value: String)], query: inout [(String, String)]
    ) -> [PlacedCredential] {
        guard let sent = value ?? credentials[scheme], let placement = spec.placement(ofScheme: scheme) else { return [] }
        placement.apply(sent, headers: &headers, query: &query)
        return [PlacedCredential(scheme: scheme, value: sent, template: value == nil ? "{{ \(scheme) }}" : template ?? "{{ \(scheme) }}")]
    }

    /// A well-formed HS256 JWT with plausible claims, signed with a secret nobody has.
    static func forgedToken(random: inout SeededRandom) -> String {
        let now = Int(Date().timeIntervalSince1970)
        let header = JWTForgery.encode(.object(["alg": .string("HS256"), "typ": .string("JWT")]))
        let payload = JWTForgery.encode(.object([
            "sub": .string("user-\(random.next() % 1_000_000)"), "userId": .string("user-\(random.next() % 1_000_000)"),
            "iat": .number(Double(now)), "exp": .number(Double(now + 3_600)),
        ]))
        let secret = SymmetricKey(data: Data((0..<32).map { _ in UInt8.random(in: 0...255, using: &random) }))
        let mac = HMAC<SHA256>.authenticationCode(for: Data("\(header).\(payload)".utf8), using: secret)
        return "\(header).\(payload).\(JWTForgery.base64URL(Data(mac)))"
    }

    /// The pointers of every string in `value`, in document order.
    static func stringPointers(in value: JSONValue, at pointer: JSONPointer = .root) -> [JSONPointer] {
        switch value {
        case .object(let object): object.keys.sorted().flatMap { stringPointers(in: object[$0]!, at: pointer.appending($0)) }
        case .array(let array): array.indices.flatMap { stringPointers(in: array[$0], at: pointer.appending($0)) }
        case .string: [pointer]
        default: []
        }
    }
}
