import JSONValues
/// Makes a finding's request as small as it can while the same kind of finding still happens: drops body
/// properties and items and query parameters, and shortens long strings, one change at a time, re-sending each
/// candidate (at most `budget` requests). A smaller body is judged again against the schema.
struct Shrinker: Sendable {
    let fuzzer: Fuzzer
    let executor: HTTPExecutor
    var budget = 40

    /// The smallest plan found that still shows a finding of `kind`, and its finding.
    func shrink(_ finding: Fuzzer.Finding, kind: Fuzzer.FindingClass) async -> Fuzzer.Finding {
        var best = finding
        var attempts = 0
        var improved = true
        while improved, attempts < budget {
            improved = false
            for candidate in candidates(of: best.plan) {
                guard attempts < budget else { break }
                attempts += 1
                guard let response = try? await executor.send(candidate.request, timeout: 30) else { continue }
                let get = candidate.expectation == .likeGet ? try? await executor.send(candidate.asGet.request, timeout: 30) : nil
                let found = fuzzer.finding(candidate, response: response, get: get)
                if found.problems.contains(where: { $0.0 == kind }) {
                    best = found
                    improved = true
                    break
                }
            }
        }
        return best
    }

    /// Plans one step smaller than `plan`, each still judged by what the spec says of it.
    func candidates(of plan: Fuzzer.Plan) -> [Fuzzer.Plan] {
        var plans: [Fuzzer.Plan] = []
        let request = plan.request
        // Dropping a query parameter keeps a forbidden request forbidden; an allowed one might not stay allowed.
        if plan.expectation != .allowed, let (base, query) = Self.splitQuery(request.url) {
            for index in query.indices {
                var rest = query
                rest.remove(at: index)
                let url = rest.isEmpty ? base : base + "?" + rest.joined(separator: "&")
                plans.append(plan.with(SentRequest(method: request.method, url: url, headers: request.headers, body: request.body, bytes: request.bytes)))
            }
        }
        guard request.bytes == nil, let text = request.body, let body = try? JSONValue.parse(text),
              [.valid, .oddValues, .schemaViolation].contains(plan.fuzzCase),
              let pointer = Fuzzer.jsonBody(of: plan.operation, in: fuzzer.spec.document)
        else { return plans }
        for smaller in Self.smaller(body) {
            // A smaller body may cross the line between allowed and forbidden: judge it again.
            let valid = fuzzer.spec.validator.validate(smaller, schemaAt: pointer, direction: .request).isEmpty
            let expectation: Fuzzer.Expectation = valid ? .allowed : .forbidden
            guard expectation == plan.expectation || plan.expectation == .documented else { continue }
            plans.append(plan.with(
                SentRequest(method: request.method, url: request.url, headers: request.headers, body: smaller.jsonText), expectation: expectation))
        }
        return plans
    }

    /// Values one step smaller than `value`: a property or item fewer, or a long string cut to 16 characters.
    static func smaller(_ value: JSONValue) -> [JSONValue] {
        switch value {
        case .object(let object):
            let keys = object.keys.sorted()
            return keys.map { key in .object(object.filter { $0.key != key }) }
                + keys.flatMap { key in smaller(object[key]!).map { .object(object.merging([key: $0]) { $1 }) } }
        case .array(let array):
            return array.indices.map { index in .array(array.enumerated().filter { $0.offset != index }.map(\.element)) }
        case .string(let text) where text.unicodeScalars.count > 16:
            return [.string(String(String.UnicodeScalarView(text.unicodeScalars.prefix(16))))]
        default:
            return []
        }
    }

    private static func splitQuery(_ url: String) -> (String, [String])? {
        guard let mark = url.firstIndex(of: "?") else { return nil }
        return (String(url[..<mark]), url[url.index(after: mark)...].split(separator: "&").map(String.init))
    }
}

extension Fuzzer.Plan {
    /// The same plan with another request (and, when given, another expectation).
    func with(_ request: SentRequest, expectation: Fuzzer.Expectation? = nil) -> Fuzzer.Plan {
        Fuzzer.Plan(
            index: index, operation: operation, fuzzCase: fuzzCase, detail: detail, request: request, expectation: expectation ?? self.expectation,
            credentials: credentials)
    }

    /// The GET that a HEAD plan is compared with.
    var asGet: Fuzzer.Plan {
        with(SentRequest(method: "GET", url: request.url, headers: request.headers, body: nil), expectation: .documented)
    }
}
