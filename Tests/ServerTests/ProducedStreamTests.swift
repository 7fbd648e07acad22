import Synchronization
import Testing

@testable import AIWorkerServer

/// The stream between a chat backend and the client's writer: bounded, batched, cancelled with its reader.
@Suite("Produced streams")
struct ProducedStreamTests {
    struct Broken: Error {}

    @Test func theProducerRunsAtMostTheCapacityAheadOfItsReader() async throws {
        let sent = Mutex(0)
        let stream = ProducedStream<Int> { send in
            for value in 0..<1_000 {
                await send(value)
                sent.withLock { $0 = value + 1 }
            }
        }
        var iterator = stream.makeAsyncIterator()
        // The first batch is what the producer made before the reader came (one value, or more on a busy machine).
        let first = try #require(try await iterator.nextBatch())
        #expect(first == Array(0..<first.count))
        try await Task.sleep(for: .milliseconds(200))
        // What the reader took, a full buffer behind it, and the send that waits for room.
        #expect(sent.withLock { $0 } <= first.count + ProducedStream<Int>.capacity + 1)
        let batch = try #require(try await iterator.nextBatch())
        #expect(batch.count > 1 && batch.first == first.count, "what piled up comes in one batch")
        var all = first + batch
        while let value = try await iterator.next() { all.append(value) }
        #expect(all == Array(0..<1_000))
    }

    @Test func whatTheProducerThrowsEndsTheStreamAfterItsValues() async throws {
        let stream = ProducedStream<Int> { send in
            await send(1)
            await send(2)
            throw Broken()
        }
        var received: [Int] = []
        await #expect(throws: Broken.self) {
            for try await value in stream { received.append(value) }
        }
        #expect(received == [1, 2])
    }
}
