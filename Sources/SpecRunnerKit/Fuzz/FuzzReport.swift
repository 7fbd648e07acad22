import Foundation
import JSONValues

/// What a fuzz run found: each finding by operation and class, with its request and, when saved, its scenario.
struct FuzzReport: Sendable {
    struct Entry: Sendable {
        let operation: String
        let kind: String
        /// The request's (or sequence's) number in the run.
        let index: Int
        /// The request as sent (secrets redacted), or the sequence of steps.
        let request: String
        let problems: [String]
        /// The scenario file it was saved as.
        var saved: String?
        /// A single request's answer, its status and the start of its body (secrets masked); nil for a sequence.
        var response: String? = nil
        /// A single request as a curl command (secrets masked: put yours back to send it); nil for a sequence.
        var curl: String? = nil
    }

    var sent = 0
    /// Requests (or sequences) with at least one finding.
    var failedCount = 0
    var statuses: [Int: Int] = [:]
    var entries: [Entry] = []
    /// Things to know that are not findings (a finding that could not be saved, say).
    var notes: [String] = []
    /// Per operation: requests answered, and answered 2xx (how often the fuzzer reached its success path).
    var reached: [String: (answered: Int, succeeded: Int)] = [:]
    /// Generated requests the runner's HTTP client would not send, by reason: not sent, so not the server's doing.
    var notSent: [String: Int] = [:]
    /// Requests that met a busy answer (429 or 503 with `Retry-After`) and were sent again after the wait.
    var waited = 0
    /// The secrets the run was issued, for their randomness.
    var entropy = SecretEntropy()

    /// Adds another run's counts, findings, notes and issued secrets (the set-up's, a stateful run's two explorers).
    mutating func merge(_ other: FuzzReport) {
        sent += other.sent
        failedCount += other.failedCount
        statuses.merge(other.statuses, uniquingKeysWith: +)
        entries += other.entries
        notes += other.notes
        reached.merge(other.reached) { ($0.answered + $1.answered, $0.succeeded + $1.succeeded) }
        notSent.merge(other.notSent, uniquingKeysWith: +)
        waited += other.waited
        entropy.merge(other.entropy)
    }

    /// Requests answered with no finding.
    var passedCount: Int { sent - failedCount - notSent.values.reduce(0, +) }

    /// Counts one request's outcome.
    mutating func count(_ finding: Fuzzer.Finding) {
        sent += 1
        waited += finding.waits > 0 ? 1 : 0
        entropy.record(finding.issued)
        if let reason = finding.notSent {
            notSent[reason, default: 0] += 1
            return
        }
        statuses[finding.status ?? 0, default: 0] += 1
        if let status = finding.status {
            reached[finding.plan.operation.id, default: (0, 0)].answered += 1
            if (200..<300).contains(status) { reached[finding.plan.operation.id, default: (0, 0)].succeeded += 1 }
        }
    }

    /// `operation 2xx/answered` for every operation, least reached first.
    var reachLine: String {
        reached.sorted { ($0.value.succeeded, $0.key) < ($1.value.succeeded, $1.key) }
            .map { "\($0.key) \($0.value.succeeded)/\($0.value.answered)" }.joined(separator: ", ")
    }

    /// The report for the terminal: statuses, then findings grouped by operation and class (five shown per group).
    func console() -> String {
        var lines: [String] = []
        if !statuses.isEmpty {
            lines.append("Statuses: " + statuses.sorted { $0.key < $1.key }.map { "\($0.key == 0 ? "no answer" : String($0.key)): \($0.value)" }.joined(separator: ", "))
        }
        let groups = Dictionary(grouping: entries) { "\($0.operation) · \($0.kind)" }
        for key in groups.keys.sorted() {
            let group = groups[key]!.sorted { $0.index < $1.index }
            lines.append("✘ \(key): \(group.count) finding\(group.count == 1 ? "" : "s")")
            for entry in group.prefix(5) {
                lines.append("    #\(entry.index) \(entry.request)")
                for problem in entry.problems { lines.append("      - \(problem)") }
                if let saved = entry.saved { lines.append("      saved as \(saved)") }
            }
            if group.count > 5 { lines.append("    … and \(group.count - 5) more (all in --report json=PATH)") }
        }
        if !reached.isEmpty { lines.append("Success paths reached (2xx of answered): " + reachLine) }
        for estimate in entropy.estimates {
            lines.append("Issued secrets, \(estimate.line)" + (estimate.samples < SecretEntropy.minimumSamples ? " (too few to judge)" : ""))
        }
        if waited > 0 { lines.append("\(waited) requests met a busy answer (429 or 503 with Retry-After), waited as asked and were sent again") }
        for (reason, count) in notSent.sorted(by: { $0.key < $1.key }) {
            lines.append("\(count) generated request\(count == 1 ? " was" : "s were") not sent (the runner's HTTP client refuses them: \(reason)); not a finding")
        }
        let byClass = Dictionary(grouping: entries, by: \.kind).mapValues(\.count).sorted { $0.key < $1.key }
        if !byClass.isEmpty { lines.append("Findings by class: " + byClass.map { "\($0.key) \($0.value)" }.joined(separator: ", ")) }
        lines += notes.map { "note: \($0)" }
        return lines.joined(separator: "\n")
    }

    /// Every finding as JSON, grouped by operation and class.
    func json(seed: UInt64, baseURL: String) -> String {
        let groups = Dictionary(grouping: entries, by: \.operation)
        return JSONValue.object([
            "baseURL": .string(baseURL), "seed": .number(Double(seed)), "sent": .number(Double(sent)), "failed": .number(Double(failedCount)),
            "statuses": .object(Dictionary(uniqueKeysWithValues: statuses.map { (String($0.key), JSONValue.number(Double($0.value))) })),
            "findings": .object(groups.mapValues { entries in
                .object(Dictionary(grouping: entries, by: \.kind).mapValues { group in
                    .array(group.sorted { $0.index < $1.index }.map { entry in
                        .object([
                            "index": .number(Double(entry.index)), "request": .string(entry.request),
                            "problems": .array(entry.problems.map(JSONValue.string)), "saved": entry.saved.map(JSONValue.string) ?? .null,
                            "response": entry.response.map(JSONValue.string) ?? .null, "curl": entry.curl.map(JSONValue.string) ?? .null,
                        ])
                    })
                })
            }),
            "notes": .array(notes.map(JSONValue.string)),
            "reached": .object(reached.mapValues { .object(["answered": .integer(Int64($0.answered)), "succeeded": .integer(Int64($0.succeeded))]) }),
            "waitedForRetryAfter": .integer(Int64(waited)),
            "issuedSecrets": .array(entropy.estimates.map { estimate in
                .object(["place": .string(estimate.place), "samples": .integer(Int64(estimate.samples)), "bits": .number(estimate.bits.rounded()),
                         "repeats": .integer(Int64(estimate.repeats)), "promisedBits": estimate.promised.map { .number($0.rounded()) } ?? .null])
            }),
            "notSent": .object(notSent.mapValues { .integer(Int64($0)) }),
        ]).jsonText + "\n"
    }

    /// JUnit XML: a testcase per fuzzed operation, failed with one `failure` per finding class it has.
    func junit(operations: [String], seed: UInt64) -> String {
        let byOperation = Dictionary(grouping: entries, by: \.operation)
        let names = Set(operations).union(byOperation.keys).sorted()
        var xml = [#"<?xml version="1.0" encoding="UTF-8"?>"#]
        let failing = names.filter { byOperation[$0] != nil }.count
        xml.append(#"<testsuites name="specrunner fuzz" tests="\#(names.count)" failures="\#(failing)">"#)
        xml.append(#"  <testsuite name="fuzz (seed \#(seed))" tests="\#(names.count)" failures="\#(failing)">"#)
        for name in names {
            xml.append(#"    <testcase name="\#(MachineReports.escape(name))" classname="fuzz">"#)
            for (kind, group) in Dictionary(grouping: byOperation[name] ?? [], by: \.kind).sorted(by: { $0.key < $1.key }) {
                let detail = group.sorted { $0.index < $1.index }.map { "#\($0.index) \($0.request)\n" + $0.problems.map { "  - \($0)" }.joined(separator: "\n") }
                xml.append(#"      <failure type="\#(kind)" message="\#(group.count) \#(kind) finding\#(group.count == 1 ? "" : "s")">\#(MachineReports.escape(detail.joined(separator: "\n")))</failure>"#)
            }
            xml.append("    </testcase>")
        }
        xml += ["  </testsuite>", "</testsuites>", ""]
        return xml.joined(separator: "\n")
    }

    /// Writes `text` as `name` into `folder`, returning the path, or a note why it could not.
    static func save(_ text: String, as name: String, in folder: String) -> Result<String, FailureScenarioError> {
        let url = URL(fileURLWithPath: folder).appendingPathComponent(name)
        do {
            try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
            try text.write(to: url, atomically: true, encoding: .utf8)
            return .success(url.path)
        } catch {
            return .failure(FailureScenarioError(description: "cannot write \(url.path): \(error.localizedDescription)"))
        }
    }
}

/// One single-request fuzz run: plans sent `jobs` at a time until `count` or the deadline, findings shrunk and,
/// with a folder, saved as scenarios.
struct FuzzRun: Sendable {
    let fuzzer: Fuzzer
    let executor: HTTPExecutor
    let writer: FailureScenario
    /// Findings shrunk (each costs up to the shrinker's budget of requests); the rest are reported as found.
    var shrinkAtMost = 20
    /// Runs the set-up scenario again and returns its fresh variables: a valid request answered 401 is a finding only
    /// if it is refused again with credentials just issued, not when the run itself ended them (a logout, a revoked key).
    var renew: (@Sendable () async -> [String: String]?)?

    func run(count: Int, deadline: ContinuousClock.Instant, jobs: Int, save folder: String?) async -> FuzzReport {
        var report = FuzzReport()
        var findings: [Fuzzer.Finding] = []
        // Valid requests answered 401, and the last GET each set of schemes got 2xx for (a witness that they still work).
        var refused: [Fuzzer.Finding] = []
        var accepted: [String: Fuzzer.Plan] = [:]
        await withTaskGroup(of: Fuzzer.Finding.self) { group in
            var next = 0
            func startNext() {
                guard next < count, ContinuousClock.now < deadline else { return }
                let plan = fuzzer.plan(next)
                next += 1
                group.addTask { await send(plan) }
            }
            for _ in 0..<jobs { startNext() }
            while let finding = await group.next() {
                report.count(finding)
                if !finding.problems.isEmpty { findings.append(finding) }
                if finding.status == 401, finding.plan.fuzzCase == .valid, finding.plan.expectation == .allowed, !finding.plan.credentials.isEmpty {
                    refused.append(finding)
                }
                if let status = finding.status, (200..<300).contains(status), finding.plan.fuzzCase == .valid, finding.plan.request.method == "GET" {
                    accepted[Self.schemes(of: finding.plan)] = finding.plan
                }
                if report.sent % 250 == 0 { print("  \(report.sent) sent, \(findings.count) with findings") }
                startNext()
            }
        }
        for confirmed in await confirmRefusals(refused, accepted: accepted, notes: &report.notes) {
            if let at = findings.firstIndex(where: { $0.plan.index == confirmed.plan.index }) {
                findings[at].problems += confirmed.problems
            } else {
                findings.append(confirmed)
            }
        }
        report.failedCount = findings.count
        for estimate in report.entropy.estimates where estimate.weak {
            report.failedCount += 1
            report.entries.append(FuzzReport.Entry(
                operation: String(estimate.place.prefix { $0 != " " }), kind: Fuzzer.FindingClass.weakSecret.rawValue, index: -1,
                request: "the secrets issued at \(estimate.place)",
                problems: [estimate.problem]))
        }
        // One shrunk example per operation and class is what a person reads first; the others are listed as found.
        var shrunkKinds: Set<String> = []
        for finding in findings.sorted(by: { $0.plan.index < $1.plan.index }) {
            for kind in Set(finding.problems.map(\.0)).sorted() {
                var shown = finding
                let group = "\(finding.plan.operation.id)/\(kind.rawValue)"
                if shrunkKinds.count < shrinkAtMost, !shrunkKinds.contains(group), kind != .validCredentialsRefused, ContinuousClock.now < deadline + .seconds(60) {
                    shrunkKinds.insert(group)
                    shown = await Shrinker(fuzzer: fuzzer, executor: executor).shrink(finding, kind: kind)
                }
                let request = Redaction.request(shown.plan.request)
                var entry = FuzzReport.Entry(
                    operation: shown.plan.operation.id, kind: kind.rawValue, index: shown.plan.index,
                    request: "\(request.method) \(request.url) (\(shown.plan.detail))" + (request.body.map { " body: \($0.prefix(200))" } ?? ""),
                    problems: shown.problems.filter { $0.0 == kind }.map(\.1), response: shown.response.map { "\($0.status) \(Redaction.excerpt(of: $0))" }, curl: request.curlCommand())
                if let folder {
                    switch writer.render(shown, kind: kind, seed: fuzzer.seed).flatMap({ FuzzReport.save($0.1, as: $0.0, in: folder) }) {
                    case .success(let path): entry.saved = path
                    case .failure(let error): report.notes.append("not saved: \(error)")
                    }
                }
                report.entries.append(entry)
            }
        }
        return report
    }

    /// The refusals of valid requests (401) that happen again when nothing in the run can have ended the credential:
    /// each operation's first one, sent again with credentials the set-up issues anew for it (`renew`; anew for
    /// each, since sending one again may end its credentials: a logout); without a set-up, sent again with the same
    /// credentials, and a finding only if a GET that worked with them still works.
    private func confirmRefusals(_ refused: [Fuzzer.Finding], accepted: [String: Fuzzer.Plan], notes: inout [String]) async -> [Fuzzer.Finding] {
        let firsts = Dictionary(grouping: refused, by: \.plan.operation.id).values.compactMap { $0.min { $0.plan.index < $1.plan.index } }
        var confirmed: [Fuzzer.Finding] = []
        for finding in firsts.sorted(by: { $0.plan.index < $1.plan.index }) {
            let schemes = Self.schemes(of: finding.plan)
            var again = finding.plan
            if let renew {
                guard let variables = await renew() else {
                    notes.append("\(finding.plan.operation.id) refused a valid request with 401; not confirmed, as the set-up scenario failed when run again")
                    continue
                }
                again = fuzzer.renewed(with: variables).plan(finding.plan.index)
            }
            guard let response = try? await executor.send(again.request, timeout: 30, retryAfterBudget: Self.retryAfterBudget), response.status == 401 else { continue }
            let why: String
            if renew != nil {
                why = "credentials of \(schemes) the set-up scenario had just issued"
            } else if let witness = accepted[schemes],
                      let answer = try? await executor.send(witness.request, timeout: 30, retryAfterBudget: Self.retryAfterBudget), (200..<300).contains(answer.status) {
                why = "credentials of \(schemes) that \(witness.operation.id) accepted right after"
            } else {
                notes.append("\(finding.plan.operation.id) refused a valid request with 401; not a finding, as the run may have ended its credentials of \(schemes) (give --setup to tell)")
                continue
            }
            var shown = finding
            shown.problems = [(.validCredentialsRefused, "a valid request (\(finding.plan.detail)) was answered 401, and again with \(why): \(response.text.prefix(160))")]
            confirmed.append(shown)
        }
        return confirmed
    }

    /// The security schemes whose credentials a plan carries, as one name (`a+b`).
    private static func schemes(of plan: Fuzzer.Plan) -> String {
        plan.credentials.map(\.scheme).sorted().joined(separator: "+")
    }

    /// Seconds a request may spend waiting on busy answers (429 or 503 with `Retry-After`) before its answer counts.
    static let retryAfterBudget = 10.0

    private func send(_ plan: Fuzzer.Plan) async -> Fuzzer.Finding {
        do {
            let get = plan.expectation == .likeGet ? try await executor.send(plan.asGet.request, timeout: 30, retryAfterBudget: Self.retryAfterBudget) : nil
            let response = try await executor.send(plan.request, timeout: 30, retryAfterBudget: Self.retryAfterBudget)
            return fuzzer.finding(plan, response: response, get: get)
        } catch {
            if let reason = HTTPExecutor.refusedToSend(error) {
                return Fuzzer.Finding(plan: plan, status: nil, problems: [], notSent: reason)
            }
            return Fuzzer.Finding(plan: plan, status: nil, problems: [(.serverError, "no answer: \(HTTPExecutor.words(for: error, timeout: 30))")])
        }
    }
}
