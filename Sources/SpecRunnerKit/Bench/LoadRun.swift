import Foundation

/// Replays a scenario's steps as a load: `connections` virtual users, each with its own copy of the scenario's
/// variables, captures and cookies. The first `once` steps run once per user (its set-up: register, create a
/// key); the others repeat, in order, until `requests` of them were sent or `duration` has passed. With `rate`,
/// requests start on one fixed schedule of `rate` a second shared by all users, and each latency counts from its
/// scheduled start, so a slow answer that delays the next request is not hidden (coordinated omission).
struct LoadRun: Sendable {
    let runner: ScenarioRunner
    let scenario: Scenario
    let once: Int
    let connections: Int
    let requests: Int?
    let duration: Duration
    let rate: Double?
    /// Seconds one request may take.
    var timeout = 30.0

    struct Result: Sendable {
        /// The repeated steps, in order, with their latencies.
        var steps: [(name: String, stats: LatencyStats)]
        /// From the first repeated request to the last answer (set-up not counted).
        var seconds: Double
        /// Why virtual users stopped in their set-up (each at most once).
        var setupFailures: [String]
    }

    /// Hands out request slots: at most `limit`, none once `duration` has passed since the first (set-up time does
    /// not count), and with a rate, when each may start.
    private actor Schedule {
        let limit: Int?
        let duration: Duration
        let interval: Duration?
        let users: Int
        private var issued = 0
        private var arrived = 0
        private var waiting: [CheckedContinuation<Void, Never>] = []
        /// When the first repeated request was due: the start of the measured load.
        private(set) var start: ContinuousClock.Instant?

        init(limit: Int?, duration: Duration, rate: Double?, users: Int) {
            self.limit = limit
            self.duration = duration
            interval = rate.map { .nanoseconds(Int64(1e9 / $0)) }
            self.users = users
        }

        /// Waits until every virtual user has finished its set-up (or given up), so the measured load starts
        /// with all of them and no slot falls due while users are still registering.
        func arrive() async {
            arrived += 1
            if arrived >= users {
                waiting.forEach { $0.resume() }
                waiting = []
                return
            }
            await withCheckedContinuation { waiting.append($0) }
        }

        /// The next slot's intended start (now, without a rate), or nil when the run is over.
        func next() -> ContinuousClock.Instant? {
            let now = ContinuousClock.now
            let first = start ?? now
            start = first
            guard now < first + duration, limit.map({ issued < $0 }) ?? true else { return nil }
            defer { issued += 1 }
            guard let interval else { return now }
            return first + interval * issued
        }
    }

    func run() async -> Result {
        let began = ContinuousClock.now
        let loop = Array(scenario.steps.dropFirst(once))
        let schedule = Schedule(limit: requests, duration: duration, rate: rate, users: connections)
        var merged = loop.map { (name: $0.name, stats: LatencyStats()) }
        var failures: [String] = []
        await withTaskGroup(of: ([LatencyStats], String?).self) { group in
            for _ in 0..<connections {
                group.addTask { await virtualUser(loop: loop, schedule: schedule) }
            }
            for await (stats, failure) in group {
                for index in stats.indices { merged[index].stats.merge(stats[index]) }
                if let failure { failures.append(failure) }
            }
        }
        let measuredFrom = await schedule.start ?? began
        return Result(steps: merged, seconds: (ContinuousClock.now - measuredFrom).seconds, setupFailures: Array(Set(failures)).sorted())
    }

    /// One virtual user: its set-up steps once, then the loop until the schedule ends.
    private func virtualUser(loop: [Step], schedule: Schedule) async -> ([LatencyStats], String?) {
        var stats = loop.map { _ in LatencyStats() }
        var cookies = CookieJar()
        var template: Template
        do {
            template = try runner.initialTemplate(for: scenario)
            for step in scenario.steps.prefix(once) {
                let response = try await send(step, template: &template, cookies: &cookies)
                guard Self.expected(response.status, by: step) else {
                    await schedule.arrive()
                    return (stats, "set-up step '\(step.name)' answered \(response.status): \(Redaction.excerpt(of: response).prefix(120))")
                }
            }
        } catch {
            await schedule.arrive()
            return (stats, "set-up: \(error)")
        }
        await schedule.arrive()
        guard !loop.isEmpty else { return (stats, nil) }
        while true {
            for (index, step) in loop.enumerated() {
                guard let intended = await schedule.next() else { return (stats, nil) }
                if intended > .now { try? await Task.sleep(until: intended) }
                do {
                    let response = try await send(step, template: &template, cookies: &cookies)
                    stats[index].record(seconds: (ContinuousClock.now - intended).seconds, status: response.status, expected: Self.expected(response.status, by: step))
                } catch {
                    stats[index].record(seconds: (ContinuousClock.now - intended).seconds, status: 0, expected: false)
                }
            }
        }
    }

    /// Sends a step and records its captures and cookies.
    private func send(_ step: Step, template: inout Template, cookies: inout CookieJar) async throws -> ReceivedResponse {
        let request = try runner.buildRequest(step, template: template, cookies: cookies)
        let response = try await runner.executor.send(request, timeout: step.timeout ?? timeout)
        cookies.store(response)
        var ignored: [String] = []
        try runner.capture(step.capture, from: response, into: &template, failures: &ignored)
        return response
    }

    /// Whether the step expects this status (any 2xx or 3xx when it names none).
    static func expected(_ status: Int, by step: Step) -> Bool {
        step.expect.status.isEmpty ? (200..<400).contains(status) : step.expect.status.contains(status)
    }
}
