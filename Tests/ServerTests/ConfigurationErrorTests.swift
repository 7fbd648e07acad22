import Foundation
import Testing

/// Each configuration mistake a newcomer makes stops the real binary with one line that says what to change, and
/// exit code 2, as the README documents.
@Suite struct ConfigurationErrorTests {
    /// The one line printed, after checking that it is the only one and that the status is 2.
    private func oneLine(_ arguments: [String], environment: [String: String] = [:], in directory: URL? = nil) async throws -> String {
        let run = try await ServerProcess.run(arguments, environment: ["JWT_SECRET": testSecret].merging(environment) { $1 }, in: directory)
        let lines = run.output.split(separator: "\n")
        #expect(run.status == 2, "\(run.output)")
        #expect(lines.count == 1, "\(run.output)")
        return String(lines.first ?? "")
    }

    @Test func aPortInUseNamesTheAddressAndTheSettings() async throws {
        let folder = try temporaryFolder()
        // A port another socket listens on.
        try await ModelBackendTests.portThatAcceptsNothing { port in
            let line = try await oneLine(["--http-port", "\(port)", "--database-path", folder.appendingPathComponent("db.sqlite").path])
            #expect(line == "server: Cannot listen on 127.0.0.1:\(port): the port is in use by another process; stop it, or choose another port. "
                + "Set HTTP_HOST (--http-host) and HTTP_PORT (--http-port).")
        }
    }

    @Test func anUnresolvableHostSaysSo() async throws {
        let folder = try temporaryFolder()
        let line = try await oneLine(["--http-host", "no-such-host.invalid", "--http-port", "0", "--database-path", folder.appendingPathComponent("db.sqlite").path])
        #expect(line.hasPrefix("server: Cannot listen on no-such-host.invalid:0: the host name does not resolve."), "\(line)")
    }

    @Test func anUnreachablePostgreSQLGivesUpNamingHostAndPortButNoPassword() async throws {
        // Port 1 on loopback: nothing listens there, so every connection is refused until the bounded wait ends.
        let line = try await oneLine([], environment: ["DATABASE_URL": "postgres://app:hunter2-secret@127.0.0.1:1/ai"])
        #expect(line == "server: Cannot open the database at postgres://app@127.0.0.1:1/ai?sslmode=prefer (no connection to 127.0.0.1:1 within 15 s). "
            + "Check that PostgreSQL is running at that host and port, and DATABASE_URL.")
        #expect(!line.contains("hunter2"))
    }

    @Test func aMisspeltFlagGetsTheClosestSetting() async throws {
        let line = try await ServerProcess.run(["--htp-port", "8080"])
        #expect(line.status == 2)
        #expect(line.output.hasPrefix("Error: Unknown option '--htp-port'. Did you mean '--http-port'?"), "\(line.output)")
        let subcommand = try await ServerProcess.run(["migrate", "--databse-path", "x.sqlite"])
        #expect(subcommand.status == 2)
        #expect(subcommand.output.hasPrefix("Error: Unknown option '--databse-path'. Did you mean '--database-path'?"), "\(subcommand.output)")
    }

    @Test func aValueFromTheEnvironmentFileIsNamedAsSuch() async throws {
        let folder = try temporaryFolder()
        try "# local settings\nHTTP_PORT=eighty\n".write(to: folder.appendingPathComponent(".env"), atomically: true, encoding: .utf8)
        let line = try await oneLine([], in: folder)
        #expect(line == "server: Invalid setting HTTP_PORT (--http-port) = 'eighty': expected a whole number from 0 to 65535. "
            + "(the value is set in \(folder.resolvingSymlinksInPath().path)/.env)")
        // The same value from the environment is not blamed on the file.
        let fromEnvironment = try await oneLine([], environment: ["HTTP_PORT": "ninety"], in: folder)
        #expect(!fromEnvironment.contains(".env"), "\(fromEnvironment)")
    }
}
