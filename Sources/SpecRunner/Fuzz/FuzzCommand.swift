import ArgumentParser
import Foundation

/// `specrunner fuzz`: seeded, bounded negative and random testing of a deployment, generated from the spec.
struct FuzzCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "fuzz",
        abstract: "Send generated requests (valid, broken and odd, with good and bad credentials) and report any 5xx, undocumented answer, or accepted request the spec forbids.",
        discussion: "The same --seed and --count send the same requests. Register and createApiKey make the run's user first.")

    @Option(help: "The deployment to fuzz; only loopback addresses unless --allow-remote.")
    var baseURL: String

    @OptionGroup var location: SpecLocation

    @Option(help: "Seed of the generated requests (default: random, printed).")
    var seed: UInt64?

    @Option(help: "Requests to send.")
    var count = 2_000

    @Option(help: "Stop after this many seconds even if --count is not reached.")
    var duration = 120.0

    @Option(help: "Requests in flight at once.")
    var jobs = 4

    @Flag(help: "Allow a base URL that is not on this machine.")
    var allowRemote = false

    func validate() throws {
        guard let host = URL(string: baseURL)?.host else { throw ValidationError("--base-url must be a URL such as http://127.0.0.1:8787") }
        guard allowRemote || ["127.0.0.1", "localhost", "::1", "[::1]"].contains(host) || host.hasPrefix("127.") else {
            throw ValidationError("fuzzing sends thousands of odd requests: only loopback targets unless --allow-remote")
        }
        guard (1...1_000_000).contains(count), duration > 0, (1...64).contains(jobs) else {
            throw ValidationError("--count 1...1000000, --duration > 0 and --jobs 1...64")
        }
    }

    func run() async throws {
        try await Failure.reporting(execute)
    }

    private func execute() async throws {
        let (spec, _) = try location.load()
        let base = try await ConformanceRun.reachableBase(baseURL)
        let seed = self.seed ?? UInt64.random(in: 1...UInt64(UInt32.max))
        let executor = HTTPExecutor()
        defer { Task { try? await executor.shutdown() } }
        let (token, apiKey) = try await credentials(spec: spec, base: base, executor: executor)
        let fuzzer = Fuzzer(spec: spec, baseURL: base, seed: seed, token: token, apiKey: apiKey)
        print("Fuzzing \(base) with seed \(seed): up to \(count) requests in \(Int(duration)) s, \(jobs) at a time")

        let deadline = ContinuousClock.now + .seconds(duration)
        var statuses: [Int: Int] = [:]
        var findings: [Fuzzer.Finding] = []
        var sent = 0
        await withTaskGroup(of: Fuzzer.Finding?.self) { group in
            var next = 0
            func startNext() {
                guard next < count, ContinuousClock.now < deadline else { return }
                let plan = fuzzer.plan(next)
                next += 1
                group.addTask {
                    do {
                        let response = try await executor.send(plan.request, timeout: 30)
                        let problems = fuzzer.check(response, for: plan)
                        return Fuzzer.Finding(plan: plan, status: response.status, problems: problems)
                    } catch {
                        return Fuzzer.Finding(plan: plan, status: nil, problems: ["no answer: \(error)"])
                    }
                }
            }
            for _ in 0..<jobs { startNext() }
            while let result = await group.next() {
                if let result {
                    sent += 1
                    statuses[result.status ?? 0, default: 0] += 1
                    if !result.problems.isEmpty { findings.append(result) }
                    if sent % 250 == 0 { print("  \(sent) sent, \(findings.count) findings") }
                }
                startNext()
            }
        }
        let byStatus = statuses.sorted { $0.key < $1.key }.map { "\($0.key == 0 ? "no answer" : String($0.key)): \($0.value)" }.joined(separator: ", ")
        print("Statuses: \(byStatus)")
        for finding in findings.sorted(by: { $0.plan.index < $1.plan.index }).prefix(25) {
            let request = Redaction.request(finding.plan.request)
            print("✘ #\(finding.plan.index) \(finding.plan.operation.id) (\(finding.plan.mutation.rawValue)): \(request.method) \(request.url)")
            if let body = request.body { print("    body: \(body.prefix(200))") }
            for problem in finding.problems { print("    - \(problem)") }
        }
        if findings.count > 25 { print("… and \(findings.count - 25) more") }
        print("Repeat with: specrunner fuzz --base-url \(base) --seed \(seed) --count \(count)")
        print("Fuzz: \(sent - findings.count) passed, \(findings.count) failed")
        if !findings.isEmpty { throw Failure.conformance }
    }

    /// Registers a user for the run and creates an API key with the spec's `register` and `createApiKey`.
    private func credentials(spec: OpenAPISpec, base: String, executor: HTTPExecutor) async throws -> (String, String) {
        guard let register = spec.operations["register"], let create = spec.operations["createApiKey"] else {
            throw Failure.invalidInput("the spec needs the operations register and createApiKey to make the fuzzing user")
        }
        let email = "fuzz-\(Template.randomCharacters(10).lowercased())@example.com"
        let registered = try await executor.send(
            SentRequest(method: register.method, url: base + register.path, headers: [("Content-Type", "application/json")],
                        body: #"{"email":"\#(email)","password":"fuzz-\#(Template.randomCharacters(16))"}"#), timeout: 30)
        guard let token = registered.json?["token"]?.stringValue else {
            throw Failure.invalidInput("could not register the fuzzing user: \(registered.status) \(registered.text.prefix(200))")
        }
        let created = try await executor.send(
            SentRequest(method: create.method, url: base + create.path, headers: [("Content-Type", "application/json"), ("Authorization", "Bearer \(token)")],
                        body: #"{"name":"fuzz"}"#), timeout: 30)
        guard let key = created.json?["key"]?.stringValue else {
            throw Failure.invalidInput("could not create the fuzzing API key: \(created.status) \(created.text.prefix(200))")
        }
        return (token, key)
    }
}
