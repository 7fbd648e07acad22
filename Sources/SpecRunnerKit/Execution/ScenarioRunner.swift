import Foundation
import JSONValues

/// Runs scenarios against a deployment and checks every response against the expectations and the spec.
struct ScenarioRunner: Sendable {
    /// The note of a step whose request went twice (`ReceivedResponse.resent`).
    static let resentNote = "the request was sent again on a new connection: the first closed before any answer"

    let spec: OpenAPISpec
    let executor: HTTPExecutor
    /// The deployment, e.g. `http://127.0.0.1:8787`, without a trailing slash.
    let baseURL: String
    /// Variables from `--var`.
    let variables: [String: String]
    /// Seconds a step may take unless it says otherwise.
    let defaultTimeout: Double
    let runId: String
    /// How the deployment is known to differ from the contract, if it does.
    var profile: ProfileCheck?
    /// The settings the deployment was started with (`--settings`), for scenarios that assume some.
    var settings: DeploymentSettings?

    /// Runs of a scenario with `within` at most: a run longer than `within` is inconclusive, not failed or passed.
    static let attemptsWithin = 3

    /// Runs `scenario` once, or, when it says `within`, until a run ends within that many seconds (a new run starts
    /// from its variables again, so random values are new); if none does, the last run fails, saying so.
    func run(_ scenario: Scenario) async -> ScenarioResult {
        guard let within = scenario.within else { return await runOnce(scenario) }
        var longer: [String] = []
        while true {
            var result = await runOnce(scenario)
            let tooLong = result.outcome != .skipped && result.seconds > within
            if tooLong { longer.append(String(format: "%.1f s", result.seconds)) }
            guard tooLong, longer.count < Self.attemptsWithin else {
                let assumed = "the \(String(format: "%g", within)) s its expectations assume"
                if tooLong {
                    result.outcome = .failed
                    result.note = "each of \(longer.count) runs took longer than \(assumed) (\(longer.joined(separator: ", "))): this machine was too busy to check it"
                } else if !longer.isEmpty {
                    let rerun = "run \(longer.count + 1): the runs before took longer than \(assumed) (\(longer.joined(separator: ", ")))"
                    result.note = [result.note, rerun].compactMap { $0 }.joined(separator: "; ")
                }
                return result
            }
        }
    }

    private func runOnce(_ scenario: Scenario) async -> ScenarioResult {
        let start = ContinuousClock.now
        var result = ScenarioResult(
            name: scenario.name, file: scenario.file, tags: scenario.tags, outcome: .passed, steps: [], note: nil, seconds: 0, calls: [])
        let missing = scenario.requires.filter { variables[$0] == nil }
        if !missing.isEmpty {
            result.outcome = .skipped
            result.note = "needs " + missing.map { "--var \($0)=..." }.joined(separator: " ")
            return result
        }
        if let unmet = DeploymentSettings.unmet(scenario.settings, by: settings) {
            result.outcome = .skipped
            result.note = unmet
            return result
        }
        var template: Template
        do {
            template = try initialTemplate(for: scenario)
        } catch {
            result.outcome = .failed
            result.note = "variables: \(error)"
            return result
        }
        var failed = false
        var cookies = CookieJar()
        var held: [HeldAnswer] = []
        defer { held.forEach { $0.release() } }
        // Background steps: where their results go, and the tasks that send them.
        var background: [(index: Int, task: Task<(StepResult, [OperationCall]), Never>)] = []
        for step in scenario.steps {
            if failed, let reason = scenario.continueOnFailure ? Self.missingCaptures(of: step, in: template) : "an earlier step failed" {
                result.steps.append(Self.skipped(step, reason: reason, isFinally: false))
                continue
            }
            if step.background {
                let (name, waitWhenBusy, known, jar) = (scenario.name, scenario.waitWhenBusy, template, cookies)
                background.append((result.steps.count, Task {
                    var (template, cookies, held, calls) = (known, jar, [HeldAnswer](), [OperationCall]())
                    let stepResult = await run(
                        step, in: name, template: &template, cookies: &cookies, held: &held, isFinally: false, waitWhenBusy: waitWhenBusy, calls: &calls)
                    return (stepResult, calls)
                }))
                result.steps.append(Self.skipped(step, reason: "still in the background", isFinally: false))
                continue
            }
            let stepResult = await run(
                step, in: scenario.name, template: &template, cookies: &cookies, held: &held, isFinally: false, waitWhenBusy: scenario.waitWhenBusy,
                calls: &result.calls)
            failed = failed || stepResult.outcome == .failed
            result.steps.append(stepResult)
        }
        for (index, task) in background {
            let (stepResult, calls) = await task.value
            result.steps[index] = stepResult
            result.calls += calls
            failed = failed || stepResult.outcome == .failed
        }
        for step in scenario.finally {
            // Clean-up that needs a value an earlier, failed step never captured has nothing to clean up.
            if failed, let reason = Self.missingCaptures(of: step, in: template) {
                result.steps.append(Self.skipped(step, reason: reason, isFinally: true))
                continue
            }
            let stepResult = await run(
                step, in: scenario.name, template: &template, cookies: &cookies, held: &held, isFinally: true, waitWhenBusy: scenario.waitWhenBusy,
                calls: &result.calls)
            failed = failed || stepResult.outcome == .failed
            result.steps.append(stepResult)
        }
        result.outcome = failed ? .failed : .passed
        result.seconds = (ContinuousClock.now - start).seconds
        result.variables = template.variables
        result.runId = runId
        return result
    }

    /// The variables a run of `scenario` starts with: `--var`s, then the scenario's own, in order.
    func initialTemplate(for scenario: Scenario) throws -> Template {
        var template = Template(runId: runId, variables: variables.mapValues(JSONValue.string))
        for variable in scenario.variables {
            template.variables[variable.name] = try template.render(variable.value)
        }
        return template
    }

    /// Why a step cannot run after a failure: the variables it reads that no step captured; nil when it has them all.
    private static func missingCaptures(of step: Step, in template: Template) -> String? {
        let missing = Set(step.references).subtracting(template.variables.keys).sorted()
        return missing.isEmpty ? nil : "\(missing.joined(separator: ", ")) was never captured (an earlier step failed)"
    }

    private static func skipped(_ step: Step, reason: String, isFinally: Bool) -> StepResult {
        StepResult(name: step.name, operation: step.operation, outcome: .skipped, failures: ["not run: \(reason)"], seconds: 0, isFinally: isFinally)
    }

    /// Runs one step, with its retries, and records its captures in `template`, its cookies in `cookies` and, for a
    /// `hold` step that passed, its answer in `held`.
    private func run(
        _ step: Step, in scenario: String, template: inout Template, cookies: inout CookieJar, held: inout [HeldAnswer], isFinally: Bool,
        waitWhenBusy: Bool, calls: inout [OperationCall]
    ) async -> StepResult {
        let start = ContinuousClock.now
        var result = StepResult(name: step.name, operation: step.operation, outcome: .passed, failures: [], seconds: 0, isFinally: isFinally)
        let attempts = max(1, step.retry?.attempts ?? 1)
        if step.release {
            held.forEach { $0.release() }
            held = []
        }
        if let delay = step.delay, delay > 0 { try? await Task.sleep(for: .seconds(delay)) }
        for attempt in 1...attempts {
            result.failures = []
            result.waits = []
            result.deviation = nil
            result.fixed = []
            do {
                let request = try buildRequest(step, template: template, cookies: cookies)
                result.request = Redaction.request(request)
                // A busy answer the step does not expect (429 or 503 with Retry-After) is waited on within the step's
                // time, unless the scenario pins limits.
                let timeout = step.timeout ?? defaultTimeout
                let response: ReceivedResponse
                var answer: HeldAnswer?
                if step.hold {
                    (response, answer) = try await executor.hold(request, timeout: timeout)
                } else {
                    response = try await executor.send(
                        request, timeout: timeout, retryAfterBudget: waitWhenBusy ? timeout : 0, unless: Set(step.expect.status))
                }
                defer { if let answer { result.failures.isEmpty ? held.append(answer) : answer.release() } }
                cookies.store(response)
                if response.resent { result.notes.append(Self.resentNote) }
                result.waits += response.waits
                result.notes += response.waits.map(\.note)
                result.exchange = RecordedExchange(request: request, response: response)
                result.status = response.status
                result.responseExcerpt = Redaction.excerpt(of: response)
                let reference = try check(response, for: step, expectation: step.expect, spec: spec, template: template)
                if let profile {
                    let verdict = try profile.judge(
                        response, step: step, scenario: scenario, referenceFailures: reference,
                        check: { try check(response, for: step, expectation: $0, spec: $1, template: template) },
                        matcherFails: { step, rule in try Self.matcherFails(rule, in: step, response: response, template: template) })
                    result.failures = verdict.failures
                    result.deviation = verdict.deviation
                    result.fixed = verdict.fixed
                } else {
                    result.failures = reference
                }
                if let name = step.operation, let operation = spec.operation(named: name) {
                    let documented = spec.response(for: operation, status: response.status) != nil
                    calls.append(OperationCall(operation: operation.id, status: response.status, passed: result.failures.isEmpty, documented: documented))
                }
                if result.failures.isEmpty {
                    try capture(step.capture, from: response, into: &template, failures: &result.failures)
                }
            } catch where step.expect.closed && HTTPExecutor.closedBeforeAnswer(error) {
                result.failures = []
                result.notes.append("the connection was closed without an answer, as expected")
            } catch let error as TemplateError {
                result.failures = ["template: \(error)"]
            } catch let error as SpecError {
                result.failures = [error.description]
            } catch {
                let words = HTTPExecutor.words(for: error, timeout: step.timeout ?? defaultTimeout)
                result.failures = [HTTPExecutor.isUnreachable(error) ? "cannot reach \(baseURL): \(words)" : "request failed: \(words)"]
            }
            if result.failures.isEmpty || attempt == attempts { break }
            try? await Task.sleep(for: .seconds(step.retry?.delay ?? 1))
        }
        result.outcome = result.failures.isEmpty ? .passed : .failed
        result.seconds = (ContinuousClock.now - start).seconds
        return result
    }

    /// The request a step describes, with templates rendered and the method and path taken from the spec.
    func buildRequest(_ step: Step, template: Template, cookies: CookieJar = CookieJar()) throws -> SentRequest {
        let method: String
        var path: String
        var operation: OpenAPISpec.Operation?
        if let operationId = step.operation {
            guard let found = spec.operation(named: operationId) else {
                throw SpecError("operation '\(operationId)' is not in \(spec.source)")
            }
            operation = found
            method = found.method
            path = profile?.profile.paths[operationId]?.path ?? found.path
        } else {
            method = step.request!.method.uppercased()
            path = step.request!.path
        }
        // Parameters the spec describes are written as their style says (arrays and objects included); others as text.
        func style(_ location: String, _ name: String) -> ParameterStyle {
            operation.flatMap { spec.parameter(of: $0, in: location, named: name)?.style } ?? ParameterStyle(location: location, style: "form", explode: true)
        }
        let pathSegment = CharacterSet.urlPathAllowed.subtracting(CharacterSet(charactersIn: "/;,="))
        for (name, value) in step.path {
            let text = style("path", name).text(name: name, value: try template.render(value)) { $0.addingPercentEncoding(withAllowedCharacters: pathSegment) ?? $0 }
            path = path.replacingOccurrences(of: "{\(name)}", with: text)
        }
        path = try template.renderString(path)
        // A captured target (a Location header) replaces the path: absolute as it is, relative under the base URL.
        var base = baseURL
        if let url = step.url {
            let target = try template.renderString(url)
            if target.contains("://") {
                base = ""
                path = target
            } else {
                path = target.hasPrefix("/") ? target : "/" + target
            }
        }
        let styledQuery = try step.query.sorted { $0.key < $1.key }.flatMap { try style("query", $0.key).items(name: $0.key, value: template.render($0.value)) }
        var query: [(String, String)] = []
        var headers: [(name: String, value: String)] = try step.headers.sorted { $0.key < $1.key }.map { entry in
            let value = try template.render(entry.value)
            return (entry.key, operation.flatMap { spec.parameter(of: $0, in: "header", named: entry.key) }.map { $0.style.text(name: entry.key, value: value) } ?? value.displayText)
        }
        if let auth = step.auth {
            try credentials(auth, template: template, headers: &headers, query: &query)
        }
        cookies.apply(to: &headers)
        let items = styledQuery + query.map { FormEncoding.encode([$0]) }
        if !items.isEmpty { path += (path.contains("?") ? "&" : "?") + items.joined(separator: "&") }
        var body: String?
        if let form = step.form {
            body = FormEncoding.encode(try form.sorted { $0.key < $1.key }.map { ($0.key, try template.render($0.value).displayText) })
            if !headers.contains(where: { $0.name.caseInsensitiveCompare("Content-Type") == .orderedSame }) {
                headers.append(("Content-Type", "application/x-www-form-urlencoded"))
            }
        } else if let rawBody = step.rawBody {
            body = try template.renderString(rawBody)
        } else if let json = step.body {
            body = try template.render(json).jsonText
        }
        if body != nil, !headers.contains(where: { $0.name.caseInsensitiveCompare("Content-Type") == .orderedSame }) {
            headers.append(("Content-Type", "application/json"))
        }
        return SentRequest(
            method: method, url: base + path, headers: headers, body: body, bodyStopsAfter: step.stopBodyAfter, headStopsAfter: step.stopHeadAfter)
    }

    /// Adds a step's credentials where its `auth` says.
    private func credentials(_ auth: Step.Auth, template: Template, headers: inout [(name: String, value: String)], query: inout [(String, String)]) throws {
        if let bearer = auth.bearer {
            OpenAPISpec.CredentialPlacement.authorization(scheme: "Bearer").apply(try template.renderString(bearer), headers: &headers, query: &query)
        }
        if let apiKey = auth.apiKey {
            spec.apiKeyPlacement.apply(try template.renderString(apiKey), headers: &headers, query: &query)
        }
        if let basic = auth.basic {
            let value = "\(try template.renderString(basic.username)):\(try template.renderString(basic.password))"
            OpenAPISpec.CredentialPlacement.authorization(scheme: "Basic").apply(value, headers: &headers, query: &query)
        }
        if let scheme = auth.scheme {
            guard let placement = spec.placement(ofScheme: scheme) else {
                throw SpecError("auth scheme '\(scheme)' is not a security scheme of \(spec.source)")
            }
            placement.apply(try template.renderString(auth.value ?? ""), headers: &headers, query: &query)
        }
    }

    /// Everything wrong with a response: against `spec` (the reference contract, or a deployment's) first, then
    /// against `expect` (the step's expectation, or what a profile makes of it).
    func check(_ response: ReceivedResponse, for step: Step, expectation expect: Expectation, spec: OpenAPISpec, template: Template) throws -> [String] {
        var failures: [String] = []
        if expect.closed {
            failures.append("expected the connection closed without an answer, got \(response.status)")
        }
        if !expect.status.isEmpty, !expect.status.contains(response.status) {
            failures.append("status: expected \(expect.status.map(String.init).joined(separator: " or ")), got \(response.status)")
        }
        if let operationId = step.operation, let operation = spec.operation(named: operationId) {
            failures += spec.check(response, operation: operation)
        }
        if let schema = expect.schema {
            guard let pointer = JSONPointer(schema), pointer.resolve(in: spec.document) != nil else {
                throw SpecError("step '\(step.name)': schema '\(schema)' is not in \(spec.source)")
            }
            if let json = response.json {
                failures += spec.validator.validate(json, schemaAt: pointer, direction: .response).map { "schema: \($0)" }
            } else {
                failures.append("schema: expected a JSON body matching \(schema), got \(response.mediaType ?? "no content type"): \(response.text.prefix(100))")
            }
        }
        if let contentType = expect.contentType, response.mediaType != contentType.lowercased() {
            failures.append("content type: expected \(contentType), got \(response.mediaType ?? "none")")
        }
        for (name, matcher) in expect.headers.sorted(by: { $0.key < $1.key }) {
            if let problem = try matcher.failure(for: response.header(name).map(JSONValue.string), render: template.render) {
                failures.append("header \(name): \(problem)")
            }
        }
        if !expect.body.isEmpty || expect.bodySubset != nil {
            if let json = response.json {
                for (pointerText, matcher) in expect.body.sorted(by: { $0.key < $1.key }) {
                    guard let pointer = JSONPointer(pointerText) else { throw SpecError("step '\(step.name)': '\(pointerText)' is not a JSON Pointer") }
                    if let problem = try matcher.failure(for: pointer.resolve(in: json), render: template.render) {
                        failures.append("body \(pointerText.isEmpty ? "/" : pointerText): \(problem)")
                    }
                }
                if let subset = expect.bodySubset {
                    failures += BodySubset.differences(expected: try template.render(subset), actual: json, at: .root)
                }
            } else {
                failures.append("body: expected JSON, got \(response.mediaType ?? "no content type"): \(response.text.prefix(100))")
            }
        }
        if let matcher = expect.text, let problem = try matcher.failure(for: .string(response.text), render: template.render) {
            failures.append("body text: \(problem)")
        }
        for (expression, matcher) in expect.values.sorted(by: { $0.key < $1.key }) {
            if let problem = try matcher.failure(for: try template.render(expression), render: template.render) {
                failures.append("value \(expression): \(problem)")
            }
        }
        if let stream = expect.stream {
            if let events = response.events {
                failures += try StreamCheck.expectations(events, stream, render: template.render)
            } else {
                failures.append("stream: expected text/event-stream, got \(response.mediaType ?? "no content type")")
            }
        }
        return failures
    }

    /// Whether the scenario's own matcher that `rule` replaces fails on the response.
    static func matcherFails(_ rule: Profile.MatcherRule, in step: Step, response: ReceivedResponse, template: Template) throws -> Bool {
        if let pointerText = rule.body, let matcher = step.expect.body[pointerText] {
            let value = JSONPointer(pointerText).flatMap { pointer in response.json.flatMap { pointer.resolve(in: $0) } }
            return try matcher.failure(for: value, render: template.render) != nil
        }
        if let header = rule.header, let matcher = step.expect.headers.first(where: { $0.key.caseInsensitiveCompare(header) == .orderedSame })?.value {
            return try matcher.failure(for: response.header(header).map(JSONValue.string), render: template.render) != nil
        }
        return false
    }

    /// Records a step's captures from its response into `template`; what cannot be captured goes to `failures`.
    func capture(_ captures: [String: Capture], from response: ReceivedResponse, into template: inout Template, failures: inout [String]) throws {
        for (name, source) in captures.sorted(by: { $0.key < $1.key }) {
            if let header = source.header {
                guard let value = response.header(header) else {
                    failures.append("capture \(name): header \(header) is missing")
                    continue
                }
                template.variables[name] = .string(value)
            } else if let cookie = source.cookie {
                var jar = CookieJar()
                jar.store(response)
                guard let value = jar.cookies.first(where: { $0.name == cookie })?.value else {
                    failures.append("capture \(name): the response sets no cookie \(cookie)")
                    continue
                }
                template.variables[name] = .string(value)
            } else if let pointerText = source.body {
                guard let pointer = JSONPointer(pointerText), let json = response.json, let value = pointer.resolve(in: json) else {
                    failures.append("capture \(name): nothing at \(pointerText) in the body")
                    continue
                }
                template.variables[name] = value
            }
        }
    }
}
