import Configuration
import Foundation
import Hummingbird
import HummingbirdTesting
import SpecRunnerKit
import Synchronization
import Testing

@testable import AIWorkerServer

/// SpecRunnerKit as a library, through its public API only (this file imports it without `@testable`): what a team
/// that drives SpecRunner from its own Swift tests writes.
@Suite("SpecRunnerKit's public API")
struct ConformanceLibraryTests {
    /// The reference server on a new SQLite file, with limits off (the scenarios register users quickly).
    static func reference() async throws -> some ApplicationProtocol {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("library-\(UUID().uuidString)")
        return try await buildApplication(reader: ConfigReader(provider: InMemoryProvider(values: [
            "http.port": "0", "database.path": ConfigValue(.string(folder.appendingPathComponent("db.sqlite").path), isSecret: false),
            "jwt.secret": ConfigValue(.string("library-tests-secret-of-at-least-32-bytes-0123456789"), isSecret: true),
            "bcrypt.cost": "10", "log.level": "warning", "password.hashMaxWait": "60",
            "rateLimit.authPerMinute": "0", "rateLimit.chatPerMinute": "0", "rateLimit.authFailuresPerMinute": "0",
        ])))
    }

    @Test func aRunGivesEachScenarioItsOutcomeAndTheReports() async throws {
        try await Self.reference().test(.live) { client in
            var conformance = Conformance(baseURL: "http://127.0.0.1:\(try #require(client.port))")
            conformance.tag = "smoke"
            let lines = LogLines()
            let report = try await conformance.run { lines.append($0) }
            #expect(report.passed, "\(report.summary)")
            #expect(!report.scenarios.isEmpty && report.scenarios.allSatisfy { $0.outcome == "passed" && $0.failures.isEmpty })
            #expect(lines.all.first?.hasPrefix("Running \(report.scenarios.count) scenarios against http://127.0.0.1:") == true)
            #expect(report.summary.contains("\(report.scenarios.count) passed"))
            #expect(report.junit.contains("<testsuite") && report.html.hasPrefix("<!doctype html>"))
            #expect(report.json.contains(#""scenarios""#))
        }
    }

    @Test func aFailingScenarioIsInTheReportNotThrown() async throws {
        try await Self.reference().test(.live) { client in
            let folder = FileManager.default.temporaryDirectory.appendingPathComponent("library-scenarios-\(UUID().uuidString)")
            try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
            try """
                name: health-is-down
                steps:
                  - operation: getHealth
                    expect: { status: 200, body: { /status: down } }
                """.write(to: folder.appendingPathComponent("health-is-down.yaml"), atomically: true, encoding: .utf8)
            var conformance = Conformance(baseURL: "http://127.0.0.1:\(try #require(client.port))")
            conformance.scenarios = folder.path
            let report = try await conformance.run()
            #expect(!report.passed)
            let outcome = try #require(report.scenarios.first)
            #expect(outcome.name == "health-is-down" && outcome.outcome == "failed")
            #expect(outcome.failures.contains { $0.contains("/status") && $0.contains("down") }, "\(outcome.failures)")
        }
    }

    @Test func inputsThatCannotBeUsedAndAnAbsentServerAreErrors() async throws {
        var nothingMatches = Conformance(baseURL: "http://127.0.0.1:9")
        nothingMatches.tag = "no-such-tag"
        await #expect { try await nothingMatches.run() } throws: { error in
            guard case SpecRunnerError.invalidInput(let message) = error else { return false }
            return message.contains("no scenario matches")
        }
        var absent = Conformance(baseURL: "http://127.0.0.1:9")
        absent.tag = "smoke"
        await #expect { try await absent.run() } throws: { error in
            guard case SpecRunnerError.unreachable = error else { return false }
            return true
        }
    }
}

/// Lines a run logged, from whichever thread logged them.
final class LogLines: Sendable {
    private let lines = Mutex<[String]>([])

    func append(_ line: String) { lines.withLock { $0.append(line) } }

    var all: [String] { lines.withLock { $0 } }
}
