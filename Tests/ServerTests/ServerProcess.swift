import Foundation
import SharedTestSupport
import Testing

/// The real `server` binary as a child process, for tests that kill it or stop it with a signal.
final class ServerProcess: @unchecked Sendable {
    let process = Process()
    private(set) var port = 0
    private let errors = Pipe()

    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    /// The binary `product` (`server` unless named) that `swift build` made (the README's test command and CI build
    /// it before `swift test`); when it is missing, it is built here. After changing the server, build before
    /// testing so this is not a stale one.
    static func binary(_ product: String = "server") async throws -> URL {
        let candidates = [
            URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent().appendingPathComponent(product),
            root.appendingPathComponent(".build/debug/\(product)"),
        ]
        if let found = candidates.first(where: { FileManager.default.isExecutableFile(atPath: $0.path) }) { return found }
        let build = Process()
        build.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        build.arguments = ["swift", "build", "--product", product, "--package-path", root.path]
        try await ChildProcesses.run(build)
        _ = try await onOwnThread { build.waitUntilExit() }
        return try #require(candidates.first { FileManager.default.isExecutableFile(atPath: $0.path) }, "cannot build the \(product) binary")
    }

    /// Runs the binary (`product`, `server` unless named) with `arguments` to its end (in `directory`, if given), with
    /// this process's environment less its `DATABASE_` variables and with `environment`; its exit status and
    /// everything it printed.
    static func run(
        _ arguments: [String], environment: [String: String] = [:], in directory: URL? = nil, product: String = "server"
    ) async throws -> (status: Int32, output: String) {
        let process = Process()
        process.executableURL = try await binary(product)
        process.currentDirectoryURL = directory
        process.arguments = arguments
        process.environment = ProcessInfo.processInfo.environment.filter { !$0.key.hasPrefix("DATABASE_") }.merging(environment) { $1 }
        let output = Pipe()
        process.standardOutput = output
        process.standardError = output
        try await ChildProcesses.run(process)
        return try await onOwnThread {
            let text = String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
            process.waitUntilExit()
            return (process.terminationStatus, text)
        }
    }

    /// Starts the server on a free loopback port with `environment` and waits until it listens.
    init(environment: [String: String]) async throws {
        process.executableURL = try await Self.binary()
        process.environment = ProcessInfo.processInfo.environment.merging(
            ["HTTP_PORT": "0", "LOG_FORMAT": "logfmt", "LOG_LEVEL": "notice", "BCRYPT_COST": "10",
             "RATE_LIMIT_AUTH_PER_MINUTE": "0", "RATE_LIMIT_CHAT_PER_MINUTE": "0", "RATE_LIMIT_AUTH_FAILURES_PER_MINUTE": "0", "PASSWORD_HASH_MAX_WAIT": "60", "PASSWORD_HASH_NICE": "0", "JWT_SECRET": testSecret].merging(environment) { $1 }) { $1 }
        process.standardError = errors
        process.standardOutput = FileHandle.nullDevice
        try await ChildProcesses.run(process)
        let (listening, log) = try await onOwnThread { [handle = errors.fileHandleForReading] in Self.listeningPort(in: handle) }
        if let listening {
            port = listening
            return
        }
        process.terminate()
        Issue.record("the server did not start: \(log)")
        throw CancellationError()
    }

    /// Reads the server's log until it says where it listens (the port), it ends, or 30 s pass; and the log read.
    private static func listeningPort(in handle: FileHandle) -> (Int?, String) {
        var log = ""
        let deadline = Date().addingTimeInterval(30)
        while Date() < deadline {
            let data = handle.availableData
            if data.isEmpty { break }
            log += String(decoding: data, as: UTF8.self)
            if let range = log.range(of: #"address=http://127\.0\.0\.1:[0-9]+"#, options: .regularExpression) {
                return (Int(log[range].split(separator: ":").last!)!, log)
            }
        }
        return (nil, log)
    }

    var baseURL: String { "http://127.0.0.1:\(port)" }

    func signal(_ signal: Int32) {
        kill(process.processIdentifier, signal)
    }

    /// Waits up to `seconds` for the process to end; its exit status, or nil if it did not end.
    func waitForExit(seconds: Double) async -> Int32? {
        let deadline = Date().addingTimeInterval(seconds)
        while process.isRunning, Date() < deadline { try? await Task.sleep(for: .milliseconds(50)) }
        return process.isRunning ? nil : process.terminationStatus
    }

    /// What the server logged after it started listening; call once it has exited.
    func laterLog() -> String {
        String(decoding: errors.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
    }

    deinit {
        if process.isRunning { process.terminate() }
    }
}
