import Foundation
import SharedTestSupport

/// An example service under `examples/` (a Python app that prints `listening on URL`) as a child process on a free
/// loopback port, stopped when the body returns.
enum ExampleService {
    static func with<T: Sendable>(_ example: String, breaks: [String], _ body: (String) async throws -> T) async throws -> T {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        let script = ConformanceTests.root.appendingPathComponent("examples/\(example)/app.py")
        process.arguments = ["python3", script.path, "--port", "0"] + breaks.flatMap { ["--break", $0] }
        let output = Pipe()
        process.standardOutput = output
        process.standardError = FileHandle.nullDevice
        try await ChildProcesses.run(process)
        defer {
            process.terminate()
            process.waitUntilExit()
        }
        // The first line is `listening on http://127.0.0.1:PORT`, read on a thread of its own: a blocking read on
        // one of the two threads Swift concurrency shares with every test would stall the others.
        let line = await withCheckedContinuation { continuation in
            Thread { [handle = output.fileHandleForReading] in
                var line = ""
                while !line.contains("\n") {
                    let data = handle.availableData
                    if data.isEmpty { break }
                    line += String(decoding: data, as: UTF8.self)
                }
                continuation.resume(returning: String(line.prefix { $0 != "\n" }))
            }.start()
        }
        guard line.hasPrefix("listening on ") else { throw ExampleServiceError(message: "\(example) did not start: '\(line)'") }
        return try await body(String(line.dropFirst("listening on ".count)))
    }

    /// The names of the example's deliberate breaks, as its `BREAKS = {` table in `app.py` lists them.
    static func breaks(of example: String) throws -> [String] {
        let app = try String(contentsOf: ConformanceTests.root.appendingPathComponent("examples/\(example)/app.py"), encoding: .utf8)
        let listed = app.components(separatedBy: "BREAKS = {").last?.components(separatedBy: "\n}").first ?? ""
        return listed.split(separator: "\n").compactMap { $0.split(separator: "\"").dropFirst().first.map(String.init) }
    }
}

struct ExampleServiceError: Error, CustomStringConvertible {
    let message: String
    var description: String { message }
}
