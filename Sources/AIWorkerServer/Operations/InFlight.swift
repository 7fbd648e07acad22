import Synchronization

/// What the server is answering at this moment, for the shutdown log: requests being handled, and streamed
/// answers being written (a stream outlives its handler), with the streams that ended before their end.
final class InFlight: Sendable {
    private let requests = Atomic<Int>(0)
    private let streams = Atomic<Int>(0)
    private let cut = Atomic<Int>(0)

    /// Requests being handled and streams being written now, and the streams cut short so far.
    var counts: (requests: Int, streams: Int, cutStreams: Int) {
        (requests.load(ordering: .relaxed), streams.load(ordering: .relaxed), cut.load(ordering: .relaxed))
    }

    /// Runs `body`, a request's handling, counted while it runs.
    func handling<Value>(_ body: () async throws -> Value) async rethrows -> Value {
        requests.add(1, ordering: .relaxed)
        defer { requests.subtract(1, ordering: .relaxed) }
        return try await body()
    }

    func streamStarted() { streams.add(1, ordering: .relaxed) }

    /// A stream ended; `completed` is false when it was cut short (its client left, or shutdown's grace ran out).
    func streamEnded(completed: Bool) {
        streams.subtract(1, ordering: .relaxed)
        if !completed { cut.add(1, ordering: .relaxed) }
    }
}
