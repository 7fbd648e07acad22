import Foundation
import Hummingbird
import Logging
import ServerSentEvents

extension Response {
    /// A `text/event-stream` answer that writes the events as they are produced (those that piled up during a
    /// write, together), and waits for each write before taking more (a slow reader slows its own stream), and
    /// after it for as long as the user's share of bandwidth says. When the client goes away (seen on the
    /// connection's inbound side, even while the model is silent) the writing is cancelled, and with it the request
    /// to the model. `slot`, the stream's place under the stream caps, is freed when the answer ends.
    static func eventStream(_ events: ProducedStream<ServerSentEvent>, slot: StreamSlot, request: Request, metrics: AppMetrics) -> Response {
        Response(
            status: .ok,
            // Watching the inbound side consumes the connection: it closes after the stream, and says so, so that no
            // client sends its next request on it.
            headers: [.contentType: "text/event-stream; charset=utf-8", .cacheControl: "no-store", .connection: "close"],
            body: ResponseBody { writer in
                let streams = metrics.activeStreams
                streams.increment()
                metrics.inFlight.streamStarted()
                var completed = false
                defer {
                    streams.decrement()
                    metrics.inFlight.streamEnded(completed: completed)
                    slot.permit.free()
                }
                do {
                    try await request.body.consumeWithCancellationOnInboundClose { _ in
                        // What has piled up since the last write goes out as one write.
                        var iterator = events.makeAsyncIterator()
                        while let batch = try await iterator.nextBatch() {
                            var buffer = ByteBuffer()
                            for event in batch { buffer.writeString(event.wireFormat) }
                            let written = buffer.readableBytes
                            try await writer.write(buffer)
                            try await slot.pace(written)
                        }
                    }
                } catch is CancellationError {
                    metrics.streamAbandoned()
                    throw CancellationError()
                }
                try await writer.finish(nil)
                completed = true
            })
    }
}
