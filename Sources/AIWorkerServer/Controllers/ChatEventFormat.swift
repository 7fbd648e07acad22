import Foundation
import Logging
import ServerSentEvents

/// How a chat route writes a streamed answer as server-sent events.
protocol ChatEventFormat: Sendable {
    /// Events before the first piece.
    func opening() -> [ServerSentEvent]
    /// The events for one piece of a choice (its finish reason taken out: `closing` writes it).
    func events(for delta: ChoiceDelta) -> [ServerSentEvent]
    /// Events after the last piece: each choice that had a piece (the first always) with the finish reason the
    /// backend gave it, in order, and the usage if the backend reported it.
    func closing(usage: TokenUsage?, finishReasons: [(index: Int, reason: String?)]) -> [ServerSentEvent]
    /// The event that ends a stream that failed part-way, in the route's error shape.
    func failure(_ error: APIError) -> ServerSentEvent
    /// Takes the backend's id of the completion, which comes before the first piece.
    mutating func adopt(completionId: String)
}

extension ChatEventFormat {
    /// Formats without an id ignore it.
    mutating func adopt(completionId: String) {}
}

extension ProducedStream where Element == ChatStreamEvent {
    /// The backend's pieces as server-sent events in `format`, then `data: [DONE]`; a failure part-way ends
    /// the stream with the format's `failure` event instead. Pieces are read from the backend as the client
    /// takes the events.
    func serverSentEvents<Format: ChatEventFormat>(_ format: Format, logger: Logger) -> ProducedStream<ServerSentEvent> {
        let source = self
        return ProducedStream<ServerSentEvent> { send in
            var format = format
            var opened = false
            // The opening waits for the first piece, so that it carries the backend's completion id.
            func open() async {
                guard !opened else { return }
                opened = true
                for event in format.opening() { await send(event) }
            }
            do {
                var usage: TokenUsage?
                var finishReasons: [Int: String?] = [0: nil]
                for try await item in source {
                    switch item {
                    case .id(let id): if !opened { format.adopt(completionId: id) }
                    case .choice(var delta):
                        await open()
                        if let reason = delta.finishReason {
                            finishReasons[delta.index] = .some(reason)
                        } else if finishReasons[delta.index] == nil {
                            finishReasons[delta.index] = .some(nil)
                        }
                        delta.finishReason = nil
                        if delta != ChoiceDelta(index: delta.index) {
                            for event in format.events(for: delta) { await send(event) }
                        }
                    case .usage(let reported): usage = reported
                    }
                }
                await open()
                let reasons = finishReasons.sorted { $0.key < $1.key }.map { (index: $0.key, reason: $0.value) }
                for event in format.closing(usage: usage, finishReasons: reasons) { await send(event) }
                await send(ServerSentEvent(data: "[DONE]"))
            } catch is CancellationError {
            } catch {
                let apiError = (error as? ChatBackendError)?.apiError ?? (error as? APIError) ?? .internalError
                logger.error("Stream failed part-way", metadata: ["code": "\(apiError.code)"])
                await send(format.failure(apiError))
            }
        }
    }
}
