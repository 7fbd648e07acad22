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
        var lines = ["\(mark) \(result.name) (\(steps)/\(result.steps.count) steps, \(String(format: "%.2f", result.seconds)) s)"
            + (deviations > 0 ? paint(" \(deviations) known deviation\(deviations == 1 ? "" : "s")", "33") : "")
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
        return lines.joined(separator: "\n")
    }

    /// The deviation table: for each known deviation observed, what the contract says and what the deployment did.
    func deviations(_ run: RunResult) -> String? {
        guard let profile = run.profile else { return nil }
        var lines = ["Known deviations of '\(profile.name)' from the contract (\(run.deviations.count)):"]
        for deviation in run.deviations {
            lines.append("  \(paint("≠", "33")) \(deviation.scenario) / \(deviation.step)")
            lines.append("      contract:   \(deviation.contract.joined(separator: "; "))")
            lines.append("      deployment: \(deviation.deployment)")
            lines.append("      reason:     \(deviation.reason)")
        }
        for reason in run.unobservedDeviations {
            lines.append("  recorded but not observed (the deployment met the contract): \(reason)")
        }
        return lines.joined(separator: "\n")
    }

    /// The closing lines; the last is `Scenarios: N passed, N failed[, N skipped]` alone, as CI systems read it.
    func summary(_ run: RunResult) -> String {
        let counts = run.counts
        let text = "\(counts.passed) passed, \(counts.failed) failed" + (counts.skipped > 0 ? ", \(counts.skipped) skipped" : "")
        let line = "Scenarios: \(text)"
        return "Ran \(run.scenarios.count) scenarios in \(String(format: "%.2f", run.seconds)) s against \(run.baseURL)\n"
            + (counts.failed > 0 ? paint(line, "31") : paint(line, "32"))
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
