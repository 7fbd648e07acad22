import ArgumentParser
import Foundation

/// A configuration problem that stops the server at start-up with a message saying what to fix.
protocol StartupError: Error, CustomStringConvertible {
    /// Where the offending value came from, when the message does not say.
    var source: String? { get }
}

extension StartupError {
    var source: String? { nil }

    /// Writes the error as one line, `COMMAND: what to fix`, and gives the exit code of every configuration error.
    func reported(by command: String) -> ExitCode {
        FileHandle.standardError.write(Data("\(command): \(description)\(source.map { " (\($0))" } ?? "")\n".utf8))
        return ExitCode(2)
    }
}
