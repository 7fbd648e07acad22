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

/// Writes each event as one JSON or logfmt line on standard error, with its metadata
/// (the request id arrives as `hb.request.id`).
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
        var fields: [(String, String)] = [
            ("time", Self.now()), ("level", event.level.rawValue), ("logger", label), ("message", event.message.description),
        ]
        let merged = metadata.merging(event.metadata ?? [:]) { $1 }
        fields += merged.sorted { $0.key < $1.key }.map { ($0.key, $0.value.description) }
        var line = render(fields)
        line += "\n"
        // One write(2) per line, no lock: lines from concurrent requests neither wait for each other nor interleave
        // (each is written whole, as pipes and files do for one write).
        line.withUTF8 { bytes in
            var offset = 0
            while offset < bytes.count {
                let written = write(2, bytes.baseAddress! + offset, bytes.count - offset)
                if written <= 0 { if errno == EINTR { continue }; return }
                offset += written
            }
        }
    }

    /// The fields as one JSON object (keys sorted) or one logfmt line (in order). Written by hand: a
    /// `JSONEncoder` and a date format style per line made logging a request cost more than answering it.
    func render(_ fields: [(String, String)]) -> String {
        switch format {
        case .json:
            var line = "{"
            line.reserveCapacity(fields.reduce(2) { $0 + $1.0.utf8.count + $1.1.utf8.count + 6 })
            for (index, field) in Dictionary(fields, uniquingKeysWith: { $1 }).sorted(by: { $0.key < $1.key }).enumerated() {
                if index > 0 { line += "," }
                Self.appendJSONString(field.key, to: &line)
                line += ":"
                Self.appendJSONString(field.value, to: &line)
            }
            return line + "}"
        case .logfmt, .text:
            return fields.map { key, value in
                let needsQuotes = value.isEmpty || value.contains { $0 == " " || $0 == "=" || $0 == "\"" }
                let escaped = value.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"")
                    .replacingOccurrences(of: "\n", with: "\\n")
                return "\(key)=\(needsQuotes ? "\"\(escaped)\"" : escaped)"
            }.joined(separator: " ")
        }
    }

    /// Appends `text` as a JSON string: quotes, backslashes and control characters escaped, the rest as it is.
    /// Into the line, not a string of its own: a string a field made a tenth of a logged request's log line.
    static func appendJSONString(_ text: String, to out: inout String) {
        // Nearly every value (paths, ids, methods, numbers) is printable ASCII without a quote or a backslash: it is
        // written as it is, without the walk over its scalars below (which was half of a log line's cost).
        if text.utf8.allSatisfy({ (0x20...0x7E).contains($0) && $0 != UInt8(ascii: "\"") && $0 != UInt8(ascii: "\\") }) {
            out += "\""
            out += text
            out += "\""
            return
        }
        out += "\""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            case _ where scalar.value < 0x20 || (0x7F...0x9F).contains(scalar.value) || scalar == "\u{2028}" || scalar == "\u{2029}":
                let hex = String(scalar.value, radix: 16)
                out += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
            default: out.unicodeScalars.append(scalar)
            }
        }
        out += "\""
    }

    /// Now in UTC with milliseconds, e.g. `2026-12-01T23:40:12.345Z`.
    static func now() -> String {
        var time = timespec()
        clock_gettime(CLOCK_REALTIME, &time)
        var parts = tm()
        var seconds = time.tv_sec
        gmtime_r(&seconds, &parts)
        func pad(_ value: Int32, _ width: Int) -> String {
            let digits = String(value)
            return String(repeating: "0", count: max(0, width - digits.count)) + digits
        }
        return "\(pad(parts.tm_year + 1900, 4))-\(pad(parts.tm_mon + 1, 2))-\(pad(parts.tm_mday, 2))T\(pad(parts.tm_hour, 2)):\(pad(parts.tm_min, 2)):"
            + "\(pad(parts.tm_sec, 2)).\(pad(Int32(time.tv_nsec / 1_000_000), 3))Z"
    }
}
