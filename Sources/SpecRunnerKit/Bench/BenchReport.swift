import Foundation
import JSONValues

/// What `specrunner bench` prints and writes: per repeated step, requests, requests/s, latency percentiles and
/// statuses.
struct BenchReport {
    let result: LoadRun.Result
    let baseURL: String
    let scenario: String
    let connections: Int
    let rate: Double?

    var requests: Int { result.steps.reduce(0) { $0 + $1.stats.count } }
    var errors: Int { result.steps.reduce(0) { $0 + $1.stats.errors } }

    func console() -> String {
        let columns = ["requests", "req/s", "p50", "p90", "p99", "p99.9", "max", "errors"]
        let width = max(24, result.steps.map(\.name.count).max() ?? 0)
        var lines = ["step".padding(toLength: width, withPad: " ", startingAt: 0) + columns.map { $0.leftPadded(10) }.joined()]
        for (name, stats) in result.steps {
            let summary = stats.summary
            let cells = [String(stats.count), String(format: "%.1f", Double(stats.count) / max(result.seconds, 0.001))]
                + [summary.p50, summary.p90, summary.p99, summary.p999, summary.max].map(Self.milliseconds) + [String(stats.errors)]
            lines.append(name.padding(toLength: width, withPad: " ", startingAt: 0) + cells.map { $0.leftPadded(10) }.joined())
            let statuses = stats.statuses.sorted { $0.key < $1.key }.map { "\($0.key == 0 ? "no answer" : String($0.key)): \($0.value)" }
            if !statuses.isEmpty { lines.append("    statuses: " + statuses.joined(separator: ", ")) }
        }
        lines += result.setupFailures.map { "✘ \($0)" }
        lines.append(String(format: "Bench: %d requests in %.2f s (%.1f req/s), %d errors", requests, result.seconds,
                            Double(requests) / max(result.seconds, 0.001), errors))
        if let hint = limitedHint { lines.append(hint) }
        return lines.joined(separator: "\n")
    }

    /// A hint when most answers were 429 or 503: the figures then measure the deployment's limits, not its speed.
    var limitedHint: String? {
        let statuses = result.steps.reduce(into: [Int: Int]()) { $0.merge($1.stats.statuses, uniquingKeysWith: +) }
        let limited = (statuses[429] ?? 0) + (statuses[503] ?? 0)
        guard requests > 0, limited * 2 > requests else { return nil }
        return "hint: \(limited * 100 / requests)% of the answers were 429 or 503: this load measured the deployment's rate limits "
            + "or busy answers, not its speed. For a load test, start the server with its limits off (this project's server: "
            + "RATE_LIMIT_CHAT_PER_MINUTE=0 RATE_LIMIT_AUTH_PER_MINUTE=0 swift run -c release server), or lower --connections and --rate."
    }

    func json() -> String {
        JSONValue.object([
            "baseURL": .string(baseURL), "scenario": .string(scenario), "connections": .integer(Int64(connections)),
            "rate": rate.map(JSONValue.number) ?? .null, "seconds": .number(result.seconds),
            "requests": .integer(Int64(requests)), "errors": .integer(Int64(errors)),
            "setupFailures": .array(result.setupFailures.map(JSONValue.string)),
            "steps": .array(result.steps.map { name, stats in
                let summary = stats.summary
                return .object([
                    "name": .string(name), "requests": .integer(Int64(stats.count)),
                    "perSecond": .number(Double(stats.count) / max(result.seconds, 0.001)), "errors": .integer(Int64(stats.errors)),
                    "latencyMs": .object([
                        "p50": .number(summary.p50 * 1000), "p90": .number(summary.p90 * 1000), "p99": .number(summary.p99 * 1000),
                        "p99.9": .number(summary.p999 * 1000), "max": .number(summary.max * 1000),
                    ]),
                    "statuses": .object(Dictionary(uniqueKeysWithValues: stats.statuses.map { (String($0.key), JSONValue.integer(Int64($0.value))) })),
                ])
            }),
        ]).jsonText + "\n"
    }

    private static func milliseconds(_ seconds: Double) -> String {
        String(format: seconds < 0.01 ? "%.2f ms" : "%.1f ms", seconds * 1000)
    }
}

extension String {
    func leftPadded(_ width: Int) -> String {
        count >= width ? " " + self : String(repeating: " ", count: width - count) + self
    }
}
