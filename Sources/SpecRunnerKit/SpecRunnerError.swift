import ArgumentParser
import Foundation

/// Why SpecRunner could not give a verdict, or (for the command line) that the verdict is a failure; each case is
/// also the exit code of `specrunner` (1 conformance failures, 2 invalid input, 3 nothing answers).
public enum SpecRunnerError: Error, CustomStringConvertible {
    /// A spec, scenario, profile, settings file or option that cannot be used, and why.
    case invalidInput(String)
    /// Nothing answers HTTP at the address given, and why.
    case unreachable(String)
    /// The run found failures (the command line's verdict; the library returns them in the report instead).
    case conformance

    public var description: String {
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
        guard let failure = error as? SpecRunnerError else { throw error }
        if case .conformance = failure {} else {
            FileHandle.standardError.write(Data((failure.description + "\n").utf8))
        }
        throw failure.exitCode
    }
}
