/// One event of a `text/event-stream` (the WHATWG HTML standard's server-sent events).
public struct ServerSentEvent: Sendable, Equatable {
    /// The `event:` field; nil for the default `message` type.
    public var event: String?
    /// The `data:` lines joined with newlines.
    public var data: String
    public var id: String?

    public init(event: String? = nil, data: String, id: String? = nil) {
        self.event = event
        self.data = data
        self.id = id
    }

    /// The event as it is written on the wire, ending with the blank line that dispatches it.
    public var wireFormat: String {
        var text = ""
        if let event { text += "event: \(event)\n" }
        if let id { text += "id: \(id)\n" }
        // Most events are one line: no split, no piece an event.
        guard data.utf8.contains(UInt8(ascii: "\n")) else { return text + "data: " + data + "\n\n" }
        for line in data.split(separator: "\n", omittingEmptySubsequences: false) { text += "data: \(line)\n" }
        return text + "\n"
    }
}

/// Parses a `text/event-stream` incrementally: feed it bytes as they arrive and take the events it completes.
/// Shared by the server (reading upstream model streams) and SpecRunner (checking streamed answers).
///
/// Linear in its input however the bytes are split (each byte is looked at once for a line end), and bounded: a
/// line longer than `maxLineBytes`, or an event whose data grows past `maxEventBytes`, throws `Overflow` instead of
/// buffering without end.
public struct ServerSentEventParser: Sendable {
    /// A line or an event past its bound.
    public struct Overflow: Error, CustomStringConvertible {
        public let limit: Int
        public var description: String { "a server-sent event or one of its lines is over \(limit) bytes" }
    }

    /// The default bounds: far above any model's event, far below what would hurt a server.
    public static let defaultMaxLineBytes = 1 << 20
    public static let defaultMaxEventBytes = 4 << 20

    public let maxLineBytes: Int
    public let maxEventBytes: Int
    private var buffer: [UInt8] = []
    /// Where the unread part of `buffer` starts, and how far it has been searched for a line end.
    private var start = 0
    private var scanned = 0
    private var event: String?
    private var data: [String] = []
    private var dataBytes = 0
    private var id: String?
    private var hasData = false

    public init(maxLineBytes: Int = defaultMaxLineBytes, maxEventBytes: Int = defaultMaxEventBytes) {
        self.maxLineBytes = maxLineBytes
        self.maxEventBytes = maxEventBytes
    }

    /// Adds bytes and returns the events they complete, in order.
    public mutating func feed(_ bytes: some Sequence<UInt8>) throws(Overflow) -> [ServerSentEvent] {
        buffer.append(contentsOf: bytes)
        var events: [ServerSentEvent] = []
        while let newline = nextLineEnd() {
            var consumed = newline + 1
            if buffer[newline] == 0x0D {
                guard newline + 1 < buffer.count else {
                    scanned = newline  // wait: a CR may be followed by LF
                    break
                }
                if buffer[newline + 1] == 0x0A { consumed += 1 }
            }
            var lineStart = start
            if buffer[lineStart...].starts(with: [0xEF, 0xBB, 0xBF]), lineStart + 3 <= newline { lineStart += 3 }
            let line = String(decoding: buffer[lineStart..<newline], as: UTF8.self)
            start = consumed
            scanned = consumed
            if let completed = try process(line) { events.append(completed) }
        }
        guard buffer.count - start <= maxLineBytes else { throw Overflow(limit: maxLineBytes) }
        // Drop what was read once it is at least half the buffer: amortised linear.
        if start > 0, start * 2 >= buffer.count {
            buffer.removeFirst(start)
            scanned -= start
            start = 0
        }
        return events
    }

    /// The first line end at or after `scanned`, if the buffer holds one.
    private mutating func nextLineEnd() -> Int? {
        guard let index = buffer[scanned...].firstIndex(where: { $0 == 0x0A || $0 == 0x0D }) else {
            scanned = buffer.count
            return nil
        }
        return index
    }

    /// The event left when the stream ends without a final blank line, if any.
    public mutating func finish() throws(Overflow) -> ServerSentEvent? {
        if start < buffer.count {
            let line = String(decoding: buffer[start...], as: UTF8.self)
            buffer.removeAll()
            start = 0
            scanned = 0
            if let event = try process(line) { return event }
        }
        return try process("")
    }

    private mutating func process(_ line: String) throws(Overflow) -> ServerSentEvent? {
        if line.isEmpty {
            defer { event = nil; data = []; dataBytes = 0; hasData = false }
            guard hasData else { return nil }
            return ServerSentEvent(event: event, data: data.joined(separator: "\n"), id: id)
        }
        if line.hasPrefix(":") { return nil }
        let field: Substring
        var value: Substring
        if let colon = line.firstIndex(of: ":") {
            field = line[..<colon]
            value = line[line.index(after: colon)...]
            if value.first == " " { value = value.dropFirst() }
        } else {
            field = Substring(line)
            value = ""
        }
        switch field {
        case "event": event = String(value)
        case "data":
            dataBytes += value.utf8.count + 1
            guard dataBytes <= maxEventBytes else { throw Overflow(limit: maxEventBytes) }
            data.append(String(value))
            hasData = true
        case "id": id = String(value)
        default: break
        }
        return nil
    }
}
