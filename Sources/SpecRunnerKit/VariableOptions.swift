import ArgumentParser

/// `--var NAME=VALUE`, shared by every command that runs scenarios: values for their variables (in `fuzz`, also
/// credentials named after the spec's security schemes).
struct VariableOptions: ParsableArguments {
    @Option(
        name: .customLong("var"),
        help: "A variable for the scenarios, NAME=VALUE (repeatable), e.g. --var jwtSecret=...; for fuzz, also a credential named after a security scheme.")
    var assignments: [String] = []

    func validate() throws {
        for assignment in assignments where !assignment.contains("=") {
            throw ValidationError("--var takes NAME=VALUE, not '\(assignment)'")
        }
    }

    /// The values by name; a later `--var` of the same name wins.
    var values: [String: String] {
        Dictionary(assignments.map { assignment in
            let parts = assignment.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false).map(String.init)
            return (parts[0], parts[1])
        }, uniquingKeysWith: { $1 })
    }

    /// The names given, for a command line that repeats a run without its secrets.
    var names: [String] {
        assignments.map { String($0.split(separator: "=", maxSplits: 1).first ?? "") }
    }
}
