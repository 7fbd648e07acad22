import Foundation

/// The readable report on the terminal: a line per scenario as it finishes, the failing steps with their
/// request and what came back, a summary line and the coverage matrix. Colour only on a terminal.
struct ConsoleReport: Sendable {
    let colour: Bool

    init(colour: Bool = isatty(STDOUT_FILENO) == 1 && ProcessInfo.processInfo.environment["NO_COLOR"] == nil) {
        self.colour = colour
    }

    private func paint(_ text: String, _ code: String) -> String {
        colour ? "\u{1B}[\(code)m\(text)\u{1B}[0m" : text
    }

    /// The line printed as a scenario finishes, followed by details when it failed.
    func scenarioFinished(_ result: ScenarioResult) -> String {
        let mark = switch result.outcome {
        case .passed: paint("✔", "32")
        case .failed: paint("✘", "31")
        case .skipped: paint("○", "33")
        }
        let steps = result.steps.filter { $0.outcome == .passed }.count
        let deviations = result.steps.filter { $0.deviation != nil }.count
        let fixed = result.steps.filter { !$0.fixed.isEmpty }.count
        var lines = ["\(mark) \(result.name) (\(steps)/\(result.steps.count) steps, \(String(format: "%.2f", result.seconds)) s)"
            + (deviations > 0 ? paint(" \(deviations) known deviation\(deviations == 1 ? "" : "s")", "33") : "")
            + (fixed > 0 ? paint(" \(fixed) fixed since the profile", "32") : "")
            + (result.note.map { " — \($0)" } ?? "")]
        for step in result.steps where step.outcome == .failed {
            lines.append("    \(paint("✘", "31")) step '\(step.name)'" + (step.isFinally ? " (finally)" : ""))
            if let request = step.request {
                lines.append("      request: \(request.method) \(request.url)")
                for header in request.headers { lines.append("        \(header.name): \(header.value)") }
                if let body = request.body { lines.append("        \(body)") }
            }
            if let status = step.status {
                lines.append("      response: \(status) \(step.responseExcerpt ?? "")")
            }
            for failure in step.failures { lines.append("      - \(failure)") }
        }
        for step in result.steps {
            for note in step.notes { lines.append("    note: step '\(step.name)': \(note)") }
        }
        return lines.joined(separator: "\n")
    }

    /// The table of the profile's entries: each with its reason and what the run made of it (observed, with one
    /// example of the contract's expectation and the deployment's answer; fixed; or not observed).
    func deviations(_ run: RunResult) -> String? {
        guard let profile = run.profile else { return nil }
        let observed = run.entries.filter { $0.observed > 0 }.count
        let fixed = run.entries.filter { $0.fixed > 0 }.count
        var lines = ["Known deviations of '\(profile.name)' from the contract: \(run.entries.count) entries, \(observed) observed, "
            + "\(fixed) fixed, \(run.entries.count - observed - fixed) not observed in this run"]
        for state in run.entries {
            if state.fixed > 0 {
                lines.append("  \(paint("✓", "32")) \(state.entry.label): fixed in \(state.fixed) step\(state.fixed == 1 ? "" : "s"): the deployment now meets the contract here")
            } else if state.observed > 0 {
                lines.append("  \(paint("≠", "33")) \(state.entry.label) (\(state.observed)×)")
            } else {
                lines.append("  · \(state.entry.label): not observed in this run")
            }
            lines.append("      reason:     \(state.entry.reason)")
            if let example = state.example {
                lines.append("      e.g.        \(example.scenario) / \(example.step)")
                lines.append("      contract:   \(example.contract.joined(separator: "; "))")
                lines.append("      deployment: \(example.deployment)")
            }
        }
        return lines.joined(separator: "\n")
    }

    /// The closing lines; the last is `Scenarios: N passed, N failed[, N skipped]` alone, as CI systems read it.
    func summary(_ run: RunResult) -> String {
        let counts = run.counts
        let text = "\(counts.passed) passed, \(counts.failed) failed" + (counts.skipped > 0 ? ", \(counts.skipped) skipped" : "")
        let line = "Scenarios: \(text)"
        var lines = ["Ran \(run.scenarios.count) scenarios in \(String(format: "%.2f", run.seconds)) s against \(run.baseURL)"]
        let steps = run.scenarios.flatMap(\.steps)
        let waited = steps.filter { !$0.waits.isEmpty }
        if !waited.isEmpty {
            lines.append("\(waited.count) step\(waited.count == 1 ? "" : "s") met a busy answer (429 or 503 with Retry-After), waited as asked and sent the request again")
        }
        if let hint = Self.hint(failing: steps.filter { $0.outcome == .failed }) { lines.append(paint(hint, "33")) }
        lines.append(counts.failed > 0 ? paint(line, "31") : paint(line, "32"))
        return lines.joined(separator: "\n")
    }

    /// One line on what to do when most failing steps share one cause: the deployment stayed busy (429 or 503) for
    /// longer than a step may wait, or could not be reached.
    static func hint(failing: [StepResult]) -> String? {
        guard failing.count >= 3 else { return nil }
        let busy = failing.filter { [429, 503].contains($0.status ?? 0) }
        if busy.count * 2 >= failing.count {
            let statuses = Set(busy.compactMap(\.status)).sorted().map(String.init).joined(separator: " and ")
            return "hint: \(busy.count) of \(failing.count) failing steps were answered \(statuses): the deployment was busy or limiting for longer "
                + "than a step may wait. Run fewer scenarios at once (--jobs 1), give steps longer (--timeout 30), or start the server "
                + "with its limits raised for a test run."
        }
        let unreachable = failing.filter { $0.status == nil && $0.failures.contains { $0.hasPrefix("cannot reach") } }
        if unreachable.count * 2 >= failing.count {
            return "hint: \(unreachable.count) of \(failing.count) failing steps could not reach the deployment: is it still running?"
        }
        return nil
    }

    /// Operation × documented status: ✔ exercised and passed, ✘ exercised and failed, · not exercised;
    /// statuses received that the spec does not document are listed after.
    func coverage(_ matrix: CoverageMatrix) -> String {
        var lines = ["Coverage (✔ passed, ✘ failed, · not exercised):"]
        let width = (matrix.rows.map(\.operation.count).max() ?? 10) + 2
        for row in matrix.rows {
            let cells = row.cells.map { cell -> String in
                let mark = switch cell.state {
                case .passed: paint("✔", "32")
                case .failed: paint("✘", "31")
                case .notExercised: "·"
                }
                return "\(cell.status) \(mark)"
            }
            lines.append("  " + row.operation.padding(toLength: width, withPad: " ", startingAt: 0) + cells.joined(separator: "  "))
            if !row.undocumented.isEmpty {
                lines.append("  " + String(repeating: " ", count: width) + paint("undocumented statuses seen: \(row.undocumented.map(String.init).joined(separator: ", "))", "31"))
            }
        }
        lines.append("  \(matrix.exercised) of \(matrix.total) documented responses exercised")
        return lines.joined(separator: "\n")
    }
}
