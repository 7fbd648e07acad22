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
        for line in data.split(separator: "\n", omittingEmptySubsequences: false) { text += "data: \(line)\n" }
        return text + "\n"
    }
}

/// Parses a `text/event-stream` incrementally: feed it bytes as they arrive and take the events it completes.
/// Shared by the server (reading upstream model streams) and SpecRunner (checking streamed answers).
public struct ServerSentEventParser: Sendable {
    private var buffer: [UInt8] = []
    private var event: String?
    private var data: [String] = []
    private var id: String?
    private var hasData = false

    public init() {}

    /// Adds bytes and returns the events they complete, in order.
    public mutating func feed(_ bytes: some Sequence<UInt8>) -> [ServerSentEvent] {
        buffer.append(contentsOf: bytes)
        var events: [ServerSentEvent] = []
        while let newline = buffer.firstIndex(where: { $0 == 0x0A || $0 == 0x0D }) {
            var line = Array(buffer[..<newline])
            var consumed = newline + 1
            if buffer[newline] == 0x0D {
                guard newline + 1 < buffer.count else { break }  // wait: a CR may be followed by LF
                if buffer[newline + 1] == 0x0A { consumed += 1 }
            }
            buffer.removeFirst(consumed)
            if line.first == 0xEF, line.starts(with: [0xEF, 0xBB, 0xBF]) { line.removeFirst(3) }
            if let completed = process(String(decoding: line, as: UTF8.self)) { events.append(completed) }
        }
        return events
    }

    /// The event left when the stream ends without a final blank line, if any.
    public mutating func finish() -> ServerSentEvent? {
        if !buffer.isEmpty {
            let line = String(decoding: buffer, as: UTF8.self)
            buffer.removeAll()
            if let event = process(line) { return event }
        }
        return process("")
    }

    private mutating func process(_ line: String) -> ServerSentEvent? {
        if line.isEmpty {
            defer { event = nil; data = []; hasData = false }
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
            data.append(String(value))
            hasData = true
        case "id": id = String(value)
        default: break
        }
        return nil
    }
}
