import AsyncAlgorithms
import Synchronization

/// A stream of values made by a producer task that waits for its reader: each `send` returns only once the reader
/// has taken the value, so a slow client slows its own stream (and, through it, the read of the upstream's body)
/// instead of piling the answer up in memory. The producer starts when iteration starts; it is cancelled when the
/// reader stops early, is cancelled, or drops the iterator. What the producer throws ends the stream with it.
struct ProducedStream<Element: Sendable>: AsyncSequence, Sendable {
    typealias Failure = any Error
    /// Hands values to the reader; `send` suspends until one is taken, and returns at once once the reader left.
    typealias Send = @Sendable (Element) async -> Void

    private let produce: @Sendable (_ send: @escaping Send) async throws -> Void

    init(_ produce: @escaping @Sendable (_ send: @escaping Send) async throws -> Void) {
        self.produce = produce
    }

    func makeAsyncIterator() -> Iterator {
        let channel = AsyncThrowingChannel<Element, any Error>()
        let produce = self.produce
        let task = Task {
            do {
                try await produce { await channel.send($0) }
                channel.finish()
            } catch {
                channel.fail(error)
            }
        }
        return Iterator(channel: channel.makeAsyncIterator(), producer: Producer(task: task))
    }

    struct Iterator: AsyncIteratorProtocol {
        fileprivate var channel: AsyncThrowingChannel<Element, any Error>.AsyncIterator
        fileprivate let producer: Producer

        mutating func next() async throws -> Element? {
            let producer = self.producer
            return try await withTaskCancellationHandler {
                try await channel.next()
            } onCancel: {
                producer.task.cancel()
            }
        }
    }

    /// The producer task, cancelled when the last iterator holding it goes.
    fileprivate final class Producer: Sendable {
        let task: Task<Void, Never>
        init(task: Task<Void, Never>) { self.task = task }
        deinit { task.cancel() }
    }
}
