import Synchronization

/// A stream of values made by a producer task that cannot run far ahead of its reader: at most `capacity` values
/// wait between them, and `send` suspends while that many do. A slow client therefore slows its own stream (and,
/// through it, the read of the upstream's body) instead of piling the answer up in memory, while a fast one takes
/// what has piled up in one go (`nextBatch`), so a burst costs one wake-up and one write, not one per value.
/// The producer starts when iteration starts, at a low priority (streams share the machine with short requests
/// by yielding to them); it is cancelled when the reader stops early, is cancelled, or drops the iterator. What the
/// producer throws ends the stream with it.
struct ProducedStream<Element: Sendable>: AsyncSequence, Sendable {
    typealias Failure = any Error
    /// Hands a value to the reader; suspends while `capacity` values wait, and returns at once once the reader left.
    typealias Send = @Sendable (Element) async -> Void

    /// The most values waiting between producer and reader.
    static var capacity: Int { 64 }

    private let produce: @Sendable (_ send: @escaping Send) async throws -> Void

    init(_ produce: @escaping @Sendable (_ send: @escaping Send) async throws -> Void) {
        self.produce = produce
    }

    func makeAsyncIterator() -> Iterator {
        let buffer = Buffer()
        let produce = self.produce
        // Below the requests' priority: a burst of stream events does not queue ahead of short requests.
        let task = Task(priority: .low) {
            do {
                try await produce { await buffer.send($0) }
                buffer.finish(nil)
            } catch {
                buffer.finish(error)
            }
        }
        return Iterator(buffer: buffer, producer: Producer(task: task))
    }

    struct Iterator: AsyncIteratorProtocol {
        fileprivate let buffer: Buffer
        fileprivate let producer: Producer
        private var taken: [Element] = []
        private var next = 0

        fileprivate init(buffer: Buffer, producer: Producer) {
            self.buffer = buffer
            self.producer = producer
        }

        mutating func next() async throws -> Element? {
            if next == taken.count {
                guard let batch = try await nextBatch() else { return nil }
                taken = batch
                next = 0
            }
            defer { next += 1 }
            return taken[next]
        }

        /// Every value waiting now (at least one), or nil at the end.
        mutating func nextBatch() async throws -> [Element]? {
            if next < taken.count {
                defer { taken = []; next = 0 }
                return Array(taken[next...])
            }
            let buffer = self.buffer
            let producer = self.producer
            return try await withTaskCancellationHandler {
                try await buffer.take()
            } onCancel: {
                producer.task.cancel()
                buffer.leave()
            }
        }
    }

    /// The producer task, cancelled when the last iterator holding it goes.
    fileprivate final class Producer: Sendable {
        let task: Task<Void, Never>
        init(task: Task<Void, Never>) { self.task = task }
        deinit { task.cancel() }
    }

    /// The values between the producer and the reader, and whichever of them waits for the other.
    fileprivate final class Buffer: Sendable {
        private struct State {
            var values: [Element] = []
            /// The producer waiting for room, the reader waiting for a value.
            var sender: CheckedContinuation<Void, Never>?
            var reader: CheckedContinuation<[Element]?, any Error>?
            /// Set once the producer ended (nil: normally) or the reader left.
            var end: (any Error)?? = nil
            var readerLeft = false
        }

        private let state = Mutex(State())

        func send(_ value: Element) async {
            let reader = state.withLock { state -> CheckedContinuation<[Element]?, any Error>? in
                guard !state.readerLeft, state.end == nil else { return nil }
                state.values.append(value)
                guard let reader = state.reader else { return nil }
                state.reader = nil
                return reader
            }
            if let reader {
                reader.resume(returning: takeAll())
                return
            }
            // Wait while the buffer is full, until the reader takes some or leaves (or this task is cancelled).
            await withTaskCancellationHandler {
                await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
                    let waits = state.withLock { state -> Bool in
                        guard state.values.count >= ProducedStream.capacity, !state.readerLeft, !Task.isCancelled else { return false }
                        state.sender = continuation
                        return true
                    }
                    if !waits { continuation.resume() }
                }
            } onCancel: {
                state.withLock { $0.sender.take() }?.resume()
            }
        }

        /// The values waiting now, waking a producer that waited for room.
        private func takeAll() -> [Element] {
            let (values, sender) = state.withLock { state in
                defer { state.values = [] }
                return (state.values, state.sender.take())
            }
            sender?.resume()
            return values
        }

        /// Every value waiting (waking a producer that waited for room), or the end; waits while there is neither.
        func take() async throws -> [Element]? {
            try await withCheckedThrowingContinuation { continuation in
                let (ready, sender) = state.withLock { state -> (Result<[Element]?, any Error>?, CheckedContinuation<Void, Never>?) in
                    if !state.values.isEmpty {
                        defer { state.values = [] }
                        return (.success(state.values), state.sender.take())
                    }
                    if state.readerLeft { return (.success(nil), nil) }
                    if let end = state.end { return (end.map { .failure($0) } ?? .success(nil), nil) }
                    state.reader = continuation
                    return (nil, nil)
                }
                sender?.resume()
                if let ready { continuation.resume(with: ready) }
            }
        }

        /// The producer ended, normally (nil) or with an error; the reader gets what is left, then the end.
        func finish(_ error: (any Error)?) {
            let reader = state.withLock { state -> CheckedContinuation<[Element]?, any Error>? in
                state.end = .some(error)
                return state.reader.take()
            }
            guard let reader else { return }
            if let error { reader.resume(throwing: error) } else { reader.resume(returning: nil) }
        }

        /// The reader is gone: a producer waiting for room goes on (and finds itself cancelled).
        func leave() {
            let (sender, reader) = state.withLock { state in
                state.readerLeft = true
                state.values = []
                return (state.sender.take(), state.reader.take())
            }
            sender?.resume()
            reader?.resume(returning: nil)
        }
    }
}
