import Foundation
import Logging

/// How log lines are written.
enum LogFormat: String, CaseIterable, Sendable {
    /// swift-log's default stream output, for people.
    case text
    /// One JSON object per line, for log pipelines.
    case json
    /// `key=value` pairs, one line per event.
    case logfmt

    /// Installs the format process-wide; call once, at start-up.
    func bootstrap(level: Logger.Level) {
        let format = self
        if format != .text { LogWriter.standardError.flushOnCrashAndExit() }
        LoggingSystem.bootstrap { label in
            var handler: any LogHandler = switch format {
            case .text: StreamLogHandler.standardError(label: label)
            case .json, .logfmt: StructuredLogHandler(label: label, format: format)
            }
            handler.logLevel = level
            return handler
        }
    }
}

/// Writes each event as one JSON or logfmt line on standard error, with its metadata (the request id arrives as
/// `hb.request.id`), through `LogWriter.standardError`: lines from concurrent requests neither wait for each other's
/// writes nor interleave.
struct StructuredLogHandler: LogHandler {
    let label: String
    let format: LogFormat
    var logLevel: Logger.Level = .info
    var metadata: Logger.Metadata = [:]

    subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    func log(event: LogEvent) {
        LogWriter.standardError.append(line(for: event))
    }

    /// The event's line, newline included: time, level, logger and message, then the handler's metadata and the
    /// event's (the event's value wins for a name in both), rendered in this handler's format.
    func line(for event: LogEvent) -> [UInt8] {
        let eventMetadata = event.metadata ?? [:]
        var fields: [(String, String)] = [
            ("time", Self.now()), ("level", event.level.rawValue), ("logger", label), ("message", event.message.description),
        ]
        fields.reserveCapacity(4 + metadata.count + eventMetadata.count)
        // The handler's metadata and the event's, the event's winning: appended side by side rather than merged
        // into a new dictionary (a copy and a rehash for every line).
        for (key, value) in metadata where eventMetadata[key] == nil { fields.append((key, value.description)) }
        for (key, value) in eventMetadata { fields.append((key, value.description)) }
        if format != .json { fields[4...].sort { $0.0 < $1.0 } }
        var line = render(fields)
        line.append(UInt8(ascii: "\n"))
        return line
    }

    /// The fields as one line's UTF-8: a JSON object (keys sorted; of two fields with one name, the later) or logfmt
    /// (in order). Written by hand, into bytes: a `JSONEncoder` and a date format style per line made logging a
    /// request cost more than answering it, and appending to a `String` was still a third of the line's cost.
    func render(_ fields: [(String, String)]) -> [UInt8] {
        switch format {
        case .json:
            var line: [UInt8] = [UInt8(ascii: "{")]
            line.reserveCapacity(fields.reduce(2) { $0 + $1.0.utf8.count + $1.1.utf8.count + 6 })
            // Positions sorted by name, and by position among equal names, so that the last of each name is kept.
            let order = fields.indices.sorted { fields[$0].0 < fields[$1].0 || (fields[$0].0 == fields[$1].0 && $0 < $1) }
            for (rank, index) in order.enumerated() where rank == order.count - 1 || fields[order[rank + 1]].0 != fields[index].0 {
                if line.count > 1 { line.append(UInt8(ascii: ",")) }
                CompactJSON.appendString(fields[index].0, to: &line, forLogs: true)
                line.append(UInt8(ascii: ":"))
                CompactJSON.appendString(fields[index].1, to: &line, forLogs: true)
            }
            line.append(UInt8(ascii: "}"))
            return line
        case .logfmt, .text:
            return Array(fields.map { key, value in
                let needsQuotes = value.isEmpty || value.contains { $0 == " " || $0 == "=" || $0 == "\"" }
                let escaped = value.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"")
                    .replacingOccurrences(of: "\n", with: "\\n")
                return "\(key)=\(needsQuotes ? "\"\(escaped)\"" : escaped)"
            }.joined(separator: " ").utf8)
        }
    }

    /// Now in UTC with milliseconds, e.g. `2026-12-01T23:40:12.345Z`.
    static func now() -> String {
        var time = timespec()
        clock_gettime(CLOCK_REALTIME, &time)
        var parts = tm()
        var seconds = time.tv_sec
        gmtime_r(&seconds, &parts)
        // Written digit by digit into one string: the interpolation of padded parts was a tenth of a log line.
        return String(unsafeUninitializedCapacity: 24) { buffer in
            var index = 0
            func put(_ value: Int32, width: Int, then separator: Unicode.Scalar) {
                var value = value
                for position in (index..<index + width).reversed() {
                    buffer[position] = UInt8(ascii: "0") + UInt8(value % 10)
                    value /= 10
                }
                buffer[index + width] = UInt8(ascii: separator)
                index += width + 1
            }
            put(parts.tm_year + 1900, width: 4, then: "-")
            put(parts.tm_mon + 1, width: 2, then: "-")
            put(parts.tm_mday, width: 2, then: "T")
            put(parts.tm_hour, width: 2, then: ":")
            put(parts.tm_min, width: 2, then: ":")
            put(parts.tm_sec, width: 2, then: ".")
            put(Int32(time.tv_nsec / 1_000_000), width: 3, then: "Z")
            return index
        }
    }
}
