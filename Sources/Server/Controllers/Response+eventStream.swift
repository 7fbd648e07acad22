import Foundation
import Hummingbird
import Logging
import ServerSentEvents

extension Response {
    /// A `text/event-stream` answer that writes each event as it is produced. When the client goes away the
    /// write fails, the iteration stops, and the stream's producer (the request to the model) is cancelled.
    static func eventStream<Events: AsyncSequence & Sendable>(_ events: Events, metrics: AppMetrics) -> Response
    where Events.Element == ServerSentEvent {
        Response(
            status: .ok,
            headers: [.contentType: "text/event-stream; charset=utf-8", .cacheControl: "no-store"],
            body: ResponseBody { writer in
                let streams = metrics.activeStreams
                streams.increment()
                defer { streams.decrement() }
                for try await event in events {
                    try await writer.write(ByteBuffer(string: event.wireFormat))
                }
                try await writer.finish(nil)
            })
    }
}
