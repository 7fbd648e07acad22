import Foundation
import Hummingbird
import Logging
import ServerSentEvents

extension Response {
    /// A `text/event-stream` answer that writes each event as it is produced, and waits for each write before
    /// taking the next (a slow reader slows its own stream). When the client goes away (seen on the connection's
    /// inbound side, even while the model is silent) the writing is cancelled, and with it the request to the
    /// model. `slot`, the stream's place under the stream caps, is freed when the answer ends.
    static func eventStream<Events: AsyncSequence & Sendable>(
        _ events: Events, slot: Permit, request: Request, metrics: AppMetrics
    ) -> Response where Events.Element == ServerSentEvent {
        Response(
            status: .ok,
            headers: [.contentType: "text/event-stream; charset=utf-8", .cacheControl: "no-store"],
            body: ResponseBody { writer in
                let streams = metrics.activeStreams
                streams.increment()
                defer {
                    streams.decrement()
                    slot.free()
                }
                do {
                    try await request.body.consumeWithCancellationOnInboundClose { _ in
                        for try await event in events {
                            try await writer.write(ByteBuffer(string: event.wireFormat))
                        }
                    }
                } catch is CancellationError {
                    metrics.streamAbandoned()
                    throw CancellationError()
                }
                try await writer.finish(nil)
            })
    }
}
