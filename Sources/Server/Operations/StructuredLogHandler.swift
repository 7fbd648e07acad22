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
            ("time", Date.now.formatted(.iso8601.time(includingFractionalSeconds: true).year().month().day())),
            ("level", event.level.rawValue), ("logger", label), ("message", event.message.description),
        ]
        let merged = metadata.merging(event.metadata ?? [:]) { $1 }
        fields += merged.sorted { $0.key < $1.key }.map { ($0.key, $0.value.description) }
        FileHandle.standardError.write(Data((render(fields) + "\n").utf8))
    }

    func render(_ fields: [(String, String)]) -> String {
        switch format {
        case .json:
            let object = Dictionary(fields, uniquingKeysWith: { $1 })
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
            return (try? encoder.encode(object)).map { String(decoding: $0, as: UTF8.self) } ?? ""
        case .logfmt, .text:
            return fields.map { key, value in
                let needsQuotes = value.isEmpty || value.contains { $0 == " " || $0 == "=" || $0 == "\"" }
                let escaped = value.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"")
                    .replacingOccurrences(of: "\n", with: "\\n")
                return "\(key)=\(needsQuotes ? "\"\(escaped)\"" : escaped)"
            }.joined(separator: " ")
        }
    }
}
