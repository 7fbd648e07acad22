import ArgumentParser
import Foundation

/// How the command ends when it does not pass.
enum Failure: Error, CustomStringConvertible {
    case invalidInput(String)
    case unreachable(String)
    case conformance

    var description: String {
        switch self {
        case .invalidInput(let message): "specrunner: \(message)"
        case .unreachable(let message): "specrunner: \(message)"
        case .conformance: "specrunner: conformance failures"
        }
    }

    var exitCode: ExitCode {
        switch self {
        case .conformance: ExitCode(1)
        case .invalidInput: ExitCode(2)
        case .unreachable: ExitCode(3)
        }
    }

    /// Runs a command's work, ending any failure the way `exit` does.
    static func reporting(_ work: () async throws -> Void) async throws {
        do {
            try await work()
        } catch {
            try exit(error)
        }
    }

    /// Prints the message (if any) on standard error and exits with the failure's code.
    static func exit(_ error: any Error) throws -> Never {
        guard let failure = error as? Failure else { throw error }
        if case .conformance = failure {} else {
            FileHandle.standardError.write(Data((failure.description + "\n").utf8))
        }
        throw failure.exitCode
    }
}
