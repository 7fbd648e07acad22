import ArgumentParser
import Foundation

/// One `--report FORMAT=PATH` of `run`, `fuzz` or `bench`: a report (machine-readable, or a page for people) and
/// where to write it.
/// Parsed once by ArgumentParser for all three (each says which formats it writes), and written the same way.
struct ReportOption: ExpressibleByArgument, CustomStringConvertible, Sendable {
    enum Format: String, CaseIterable, Sendable {
        case junit, json, html
    }

    let format: Format
    let path: String

    init?(argument: String) {
        let parts = argument.split(separator: "=", maxSplits: 1).map(String.init)
        guard parts.count == 2, let format = Format(rawValue: parts[0]), !parts[1].isEmpty else { return nil }
        self.format = format
        path = parts[1]
    }

    /// As written on the command line, `format=path` (the repeat command of `fuzz` prints it).
    var description: String { "\(format.rawValue)=\(path)" }

    static var defaultValueDescription: String { "FORMAT=PATH" }

    static var defaultCompletionKind: CompletionKind { .file() }

    /// Refuses a format the command does not write, naming those it does.
    static func check(_ reports: [ReportOption], formats: [Format]) throws {
        for report in reports where !formats.contains(report.format) {
            throw ValidationError("--report takes \(formats.map { "\($0.rawValue)=PATH" }.joined(separator: " or ")), not \(report.format.rawValue)")
        }
    }

    /// Writes `text` to the path, creating its folder.
    func write(_ text: String) throws {
        do {
            try FileManager.default.createDirectory(at: URL(fileURLWithPath: path).deletingLastPathComponent(), withIntermediateDirectories: true)
            try text.write(toFile: path, atomically: true, encoding: .utf8)
        } catch {
            throw SpecRunnerError.invalidInput("cannot write the report \(path): \(error.localizedDescription)")
        }
    }
}
