import Foundation
import Yams
import JSONValues

/// A finding written as a scenario file that `specrunner --scenarios DIR` replays: the set-up steps that make
/// its credentials, then the shrunk request, expecting what the spec promises, so the replay fails the same way
/// until the deployment is fixed.
struct FailureScenario {
    let spec: OpenAPISpec
    /// The set-up scenario's steps as written (they capture the credentials under the schemes' names).
    let setupSteps: [JSONValue]
    /// Credential values by scheme name, replaced by `{{ scheme }}` in the saved request.
    let credentials: [String: String]

    /// The scenario's file name and YAML text, or nil with the reason when the request cannot be written as text.
    func render(_ finding: Fuzzer.Finding, kind: Fuzzer.FindingClass, seed: UInt64) -> Result<(String, String), FailureScenarioError> {
        let plan = finding.plan
        guard plan.request.bytes == nil else {
            return .failure(FailureScenarioError(description: "#\(plan.index): its body is not UTF-8, which a scenario cannot hold"))
        }
        let name = "fuzz-\(kind.rawValue.replacingOccurrences(of: "_", with: "-"))-\(plan.operation.id)-\(plan.index)"
        var step: [String: JSONValue] = ["name": .string("\(kind.rawValue): \(plan.detail)")]
        var url = URLComponents(string: plan.request.url)
        var headers = plan.request.headers
        if let (auth, placedHeaders, placedQuery) = credentialAuth(plan.credentials.first, headers: headers, query: url?.queryItems ?? []) {
            // Written as the step's `auth`, by template: no credential, altered or not, goes into the file.
            step["auth"] = auth
            headers.removeAll { header in placedHeaders.contains { $0.name == header.name && $0.value == header.value } }
            let remaining = (url?.queryItems ?? []).filter { item in !placedQuery.contains { $0.0 == item.name && $0.1 == item.value } }
            url?.queryItems = remaining.isEmpty ? nil : remaining
        }
        if plan.request.method == plan.operation.method, let url {
            // As an operation step, so that the replay checks the answer against the spec as the fuzzer did.
            step["operation"] = .string(plan.operation.id)
            let names = plan.operation.path.split(separator: "/", omittingEmptySubsequences: false)
            let values = url.percentEncodedPath.split(separator: "/", omittingEmptySubsequences: false)
            let parameters = zip(names, values).filter { $0.0.hasPrefix("{") && $0.0.hasSuffix("}") }.map { name, value in
                (String(name.dropFirst().dropLast()), JSONValue.string(templated(String(value).removingPercentEncoding ?? String(value))))
            }
            if !parameters.isEmpty { step["path"] = .object(Dictionary(parameters, uniquingKeysWith: { $1 })) }
            if let items = url.queryItems, !items.isEmpty {
                step["query"] = .object(Dictionary(items.map { ($0.name, JSONValue.string(templated($0.value ?? ""))) }, uniquingKeysWith: { $1 }))
            }
        } else {
            let path = url.map { $0.percentEncodedPath + ($0.percentEncodedQuery.map { "?\($0)" } ?? "") } ?? plan.request.url
            step["request"] = .object(["method": .string(plan.request.method), "path": .string(templated(path))])
        }
        if !headers.isEmpty {
            step["headers"] = .object(Dictionary(headers.map { ($0.name, JSONValue.string(templated($0.value))) }, uniquingKeysWith: { $1 }))
        }
        if let body = plan.request.body { step["rawBody"] = .string(templated(body)) }
        step["expect"] = .object(expectation(for: plan, kind: kind, leaks: finding.leaks))
        let problems = finding.problems.filter { $0.0 == kind }.map(\.1)
        let scenario: JSONValue = .object([
            "name": .string(name),
            "description": .string("Found by specrunner fuzz --seed \(seed) (request #\(plan.index), \(plan.operation.id), \(plan.fuzzCase.rawValue)) and shrunk: "
                + problems.joined(separator: "; ")),
            "tags": .array([.string("fuzz"), .string(kind.rawValue)]),
            "steps": .array(setupSteps + [.object(step)]),
        ])
        return Self.file(named: name, scenario, label: "#\(plan.index)")
    }

    /// A scenario as its file name and YAML text, or why it cannot be written (`label` names the finding).
    static func file(named name: String, _ scenario: JSONValue, label: String) -> Result<(String, String), FailureScenarioError> {
        do {
            return .success(("\(name).yaml", try Yams.dump(object: scenario.anyValue, width: -1, sortKeys: true)))
        } catch {
            return .failure(FailureScenarioError(description: "\(label): \(error)"))
        }
    }

    /// What the spec promises for the request, as a step's `expect`.
    private func expectation(for plan: Fuzzer.Plan, kind: Fuzzer.FindingClass, leaks: [SecretScan.Leak]) -> [String: JSONValue] {
        let documented = plan.operation.statuses.compactMap(Int.init)
        func statuses(_ keep: (Int) -> Bool) -> JSONValue { .array(documented.filter(keep).map { .number(Double($0)) }) }
        switch (kind, plan.expectation) {
        case (_, .methodNotAllowed(let allow)):
            let lookaheads = allow.map { "(?=.*\\b\($0)\\b)" }.joined()
            return ["status": .number(405), "headers": .object(["Allow": .object(["matches": .string("(?i)^\(lookaheads)")])])]
        case (.headUnlikeGet, _):
            return ["text": .string("")]
        case (.credentialsNotRefused, _), (.alteredCredentialAccepted, _):
            return ["status": .number(401)]
        case (.corsCredentialsFromAnyOrigin, _):
            return ["headers": .object(["Access-Control-Allow-Credentials": .object(["exists": .bool(false)])])]
        case (.secretInResponse, _):
            // Each leak as a check that fails while it is there (the status as documented).
            return leaks.reduce(into: ["status": statuses { $0 < 500 }]) { expect, leak in
                expect.merge(leak.expectation) { first, second in first.merging(second) }
            }
        case (.acceptedInvalidRequest, _):
            return ["status": statuses { (400..<500).contains($0) }]
        case (.validCredentialsRefused, _):
            return ["status": statuses { (200..<300).contains($0) }]
        case (.rejectedValidRequest, _):
            return ["status": statuses { (200..<300).contains($0) || [401, 403, 404, 409, 429].contains($0) }]
        default:
            // A 5xx or an undocumented answer: any documented status below 500 (the replay checks the rest against the spec).
            return ["status": statuses { $0 < 500 }]
        }
    }

    /// A placed credential as a step's `auth` (scheme and template), with the headers and query items it put in the
    /// request; nil when the request no longer holds them (the shrinker took them out) or it went into a cookie.
    private func credentialAuth(
        _ placed: Fuzzer.PlacedCredential?, headers: [(name: String, value: String)], query: [URLQueryItem]
    ) -> (JSONValue, [(name: String, value: String)], [(String, String)])? {
        guard let placed, let placement = spec.placement(ofScheme: placed.scheme) else { return nil }
        if case .cookie = placement { return nil }
        var placedHeaders: [(name: String, value: String)] = []
        var placedQuery: [(String, String)] = []
        placement.apply(placed.value, headers: &placedHeaders, query: &placedQuery)
        let present = placedHeaders.allSatisfy { added in headers.contains { $0.name == added.name && $0.value == added.value } }
            && placedQuery.allSatisfy { added in query.contains { $0.name == added.0 && $0.value == added.1 } }
        guard present else { return nil }
        return (.object(["scheme": .string(placed.scheme), "value": .string(placed.template)]), placedHeaders, placedQuery)
    }

    /// `text` with each credential value replaced by the template of its scheme's variable.
    private func templated(_ text: String) -> String {
        credentials.sorted { $0.value.count > $1.value.count }.reduce(text) { text, credential in
            credential.value.isEmpty ? text : text.replacingOccurrences(of: credential.value, with: "{{ \(credential.key) }}")
        }
    }
}

/// Why a finding could not be written as a scenario.
struct FailureScenarioError: Error, CustomStringConvertible {
    let description: String
}

extension JSONValue {
    /// The value as Foundation types (for YAML output); whole numbers as `Int`.
    var anyValue: Any {
        switch self {
        case .null: NSNull()
        case .bool(let value): value
        case .integer(let value): Int(value)
        case .number(let value): value.isWholeNumber && abs(value) < 1e15 ? Int(value) as Any : value
        case .string(let value): value
        case .array(let array): array.map(\.anyValue)
        case .object(let object): object.mapValues(\.anyValue)
        }
    }
}
