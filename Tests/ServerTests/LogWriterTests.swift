import Foundation
import Testing

@testable import AIWorkerServer

/// The structured log's writer: lines written whole and in order from many threads, and none lost when the process
/// crashes or exits.
@Suite("Log writer")
struct LogWriterTests {
    /// Runs `body`, which hands lines to `writer` (writing to `pipe`), and returns what the pipe's reader got once the
    /// writer has written them all. `body`, the reader and the wait are each on a thread of their own: the pipe holds
    /// 64 KiB, so the writer waits for the reader. The pipe is closed only once everything is written, never before:
    /// the writer's thread keeps the descriptor's number, which any later `open` in this process may take.
    static func reading(_ pipe: Pipe, through writer: LogWriter, while body: @escaping @Sendable () -> Void) async throws -> String {
        async let text = onOwnThread { String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self) }
        let written = try await onOwnThread {
            body()
            return writer.flush(timeout: .seconds(600))
        }
        #expect(written, "the writer did not finish within ten minutes")
        try pipe.fileHandleForWriting.close()
        return try await text
    }

    @Test func linesFromConcurrentWritersArriveWholeAndEachWritersInOrder() async throws {
        let pipe = Pipe()
        let writer = LogWriter(fileDescriptor: pipe.fileHandleForWriting.fileDescriptor)
        @Sendable func line(_ task: Int, _ index: Int) -> String { "task \(task) line \(index) \(String(repeating: "x", count: index % 97))" }
        let text = try await Self.reading(pipe, through: writer) {
            DispatchQueue.concurrentPerform(iterations: 8) { task in
                for index in 0..<500 { writer.append(Array("\(line(task, index))\n".utf8)) }
            }
        }
        let lines = text.split(separator: "\n", omittingEmptySubsequences: false).dropLast()
        #expect(lines.count == 8 * 500)
        for task in 0..<8 {
            let own = lines.filter { $0.hasPrefix("task \(task) ") }.map(String.init)
            #expect(own == (0..<500).map { line(task, $0) }, "task \(task)'s lines, whole and in order")
        }
    }

    @Test func aLineLongerThanABatchIsWrittenWholeAfterTheLinesBeforeIt() async throws {
        let pipe = Pipe()
        let writer = LogWriter(fileDescriptor: pipe.fileHandleForWriting.fileDescriptor)
        let long = String(repeating: "y", count: LogWriter.capacity + 10)
        let text = try await Self.reading(pipe, through: writer) {
            writer.append(Array("first\n".utf8))
            writer.append(Array("\(long)\n".utf8))
            writer.append(Array("last\n".utf8))
        }
        #expect(text == "first\n\(long)\nlast\n")
    }

    /// A fatal signal after requests were answered whose lines the writer had not written: they are in the log,
    /// because the crash handler wrote out what was buffered before the process died. The test reads the server's
    /// log pipe only once the signal is sent, and the lines before it are more than the pipe holds (64 KiB), so the
    /// writer is stuck in a write and the last lines wait in its buffer until then, whatever the machine's load.
    /// Swift's backtracer is off here: after a signal that was sent rather than raised by a fault, it lets the
    /// process run on (a fault repeats and ends it), and only a sent signal can be had from outside the process.
    @Test(arguments: [SIGSEGV, SIGABRT, SIGILL])
    func aCrashLosesNoLineOfAnAnsweredRequest(signal: Int32) async throws {
        let server = try await ServerProcess(environment: [
            "DATABASE_PATH": try temporaryFolder().appendingPathComponent("crash-log.sqlite").path, "LOG_LEVEL": "info",
            "SWIFT_BACKTRACE": "enable=no",
        ])
        let probes = 0..<150
        let padding = String(repeating: "p", count: 600)
        let answered = try await onOwnThread {
            try probes.filter { probe in
                let request = "GET /health?probe=\(probe)&pad=\(padding) HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"
                return try ConnectionLimitTests.blockingExchange(port: server.port, send: Array(request.utf8), waitSeconds: 20).answer.hasPrefix("HTTP/1.1 200")
            }
        }
        server.signal(signal)
        let log = try await onOwnThread { server.laterLog() }
        #expect(await server.waitForExit(seconds: 60) == signal, "the server must end by the signal")
        #expect(answered.count == probes.count)
        let missing = answered.filter { !log.contains("/health?probe=\($0)&pad=") }
        #expect(missing.isEmpty, "answered but not in the log: \(missing)")
    }
}
