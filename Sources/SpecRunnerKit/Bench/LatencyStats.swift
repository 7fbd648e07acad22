/// Latencies of one step under load: every sample kept (a bounded run on loopback makes at most a few million),
/// so percentiles are exact rather than bucketed.
struct LatencyStats: Sendable {
    private(set) var samples: [Double] = []
    /// Answers by status (0: no answer).
    private(set) var statuses: [Int: Int] = [:]
    /// Answers whose status the step does not expect.
    private(set) var errors = 0

    mutating func record(seconds: Double, status: Int, expected: Bool) {
        samples.append(seconds)
        statuses[status, default: 0] += 1
        if !expected { errors += 1 }
    }

    mutating func merge(_ other: LatencyStats) {
        samples += other.samples
        statuses.merge(other.statuses, uniquingKeysWith: +)
        errors += other.errors
    }

    var count: Int { samples.count }

    /// The `q`-quantile (0...1) by nearest rank, in seconds; 0 without samples.
    func percentile(_ q: Double, sorted: [Double]) -> Double {
        guard !sorted.isEmpty else { return 0 }
        let rank = Int((q * Double(sorted.count)).rounded(.up)) - 1
        return sorted[min(max(rank, 0), sorted.count - 1)]
    }

    /// p50, p90, p99, p99.9 and max, in seconds.
    var summary: (p50: Double, p90: Double, p99: Double, p999: Double, max: Double) {
        let sorted = samples.sorted()
        return (percentile(0.5, sorted: sorted), percentile(0.9, sorted: sorted), percentile(0.99, sorted: sorted),
                percentile(0.999, sorted: sorted), sorted.last ?? 0)
    }
}
