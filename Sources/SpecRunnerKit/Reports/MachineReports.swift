import Foundation
import JSONValues

/// Reports for CI systems: JUnit XML (a testsuite per scenario, a testcase per step) and JSON.
enum MachineReports {
    static func junit(_ run: RunResult) -> String {
        var xml = [#"<?xml version="1.0" encoding="UTF-8"?>"#]
        let steps = run.scenarios.flatMap(\.steps)
        xml.append(#"<testsuites name="specrunner" tests="\#(steps.count)" failures="\#(steps.filter { $0.outcome == .failed }.count)" time="\#(format(run.seconds))">"#)
        for scenario in run.scenarios {
            let failures = scenario.steps.filter { $0.outcome == .failed }.count
            let skipped = scenario.steps.filter { $0.outcome == .skipped }.count + (scenario.outcome == .skipped ? 1 : 0)
            xml.append(#"  <testsuite name="\#(escape(scenario.name))" file="\#(escape(scenario.file))" tests="\#(max(scenario.steps.count, 1))" failures="\#(failures)" skipped="\#(skipped)" time="\#(format(scenario.seconds))">"#)
            if scenario.steps.isEmpty {
                xml.append(#"    <testcase name="(scenario)" classname="\#(escape(scenario.name))">"#)
                let note = escape(scenario.note ?? "")
                xml.append(scenario.outcome == .skipped ? #"      <skipped message="\#(note)"/>"# : #"      <failure message="\#(note)"/>"#)
                xml.append("    </testcase>")
            }
            for step in scenario.steps {
                xml.append(#"    <testcase name="\#(escape(step.name))" classname="\#(escape(scenario.name))" time="\#(format(step.seconds))">"#)
                switch step.outcome {
                case .failed:
                    let detail = ([step.request.map { "\($0.method) \($0.url)" } ?? ""] + step.failures).joined(separator: "\n")
                    xml.append(#"      <failure message="\#(escape(step.failures.first ?? "failed"))">\#(escape(detail))</failure>"#)
                case .skipped:
                    xml.append(#"      <skipped message="\#(escape(step.failures.first ?? ""))"/>"#)
                case .passed:
                    if let deviation = step.deviation {
                        let reasons = deviation.entries.map { "\($0.label): \($0.reason)" }.joined(separator: "\n")
                        xml.append("      <system-out>known deviation:\n\(escape(reasons))</system-out>")
                    }
                    if !step.fixed.isEmpty {
                        let entries = step.fixed.map(\.label).joined(separator: "\n")
                        xml.append("      <system-out>fixed since the profile (the deployment now meets the contract):\n\(escape(entries))</system-out>")
                    }
                }
                if !step.notes.isEmpty { xml.append("      <system-out>\(escape(step.notes.joined(separator: "\n")))</system-out>") }
                xml.append("    </testcase>")
            }
            xml.append("  </testsuite>")
        }
        xml.append("</testsuites>")
        return xml.joined(separator: "\n") + "\n"
    }

    static func json(_ run: RunResult) -> String {
        func request(_ request: SentRequest?) -> JSONValue {
            guard let request else { return .null }
            return .object([
                "method": .string(request.method), "url": .string(request.url),
                "headers": .object(Dictionary(request.headers.map { ($0.name, JSONValue.string($0.value)) }, uniquingKeysWith: { $1 })),
                "body": request.body.map(JSONValue.string) ?? .null,
            ])
        }
        let scenarios = run.scenarios.map { scenario -> JSONValue in
            .object([
                "name": .string(scenario.name), "file": .string(scenario.file), "outcome": .string(scenario.outcome.rawValue),
                "tags": .array(scenario.tags.map(JSONValue.string)), "seconds": .number(scenario.seconds),
                "note": scenario.note.map(JSONValue.string) ?? .null,
                "steps": .array(scenario.steps.map { step in
                    .object([
                        "name": .string(step.name), "operation": step.operation.map(JSONValue.string) ?? .null,
                        "outcome": .string(step.outcome.rawValue), "finally": .bool(step.isFinally),
                        "status": step.status.map { .number(Double($0)) } ?? .null, "seconds": .number(step.seconds),
                        "failures": .array(step.failures.map(JSONValue.string)), "request": request(step.request),
                        "fixed": .array(step.fixed.map { .string($0.label) }), "notes": .array(step.notes.map(JSONValue.string)),
                    ])
                }),
            ])
        }
        let coverage = run.coverage.rows.map { row -> JSONValue in
            .object([
                "operation": .string(row.operation),
                "statuses": .object(Dictionary(uniqueKeysWithValues: row.cells.map { ($0.status, JSONValue.string($0.state.rawValue)) })),
                "undocumented": .array(row.undocumented.map { .number(Double($0)) }),
            ])
        }
        let counts = run.counts
        return JSONValue.object([
            "baseURL": .string(run.baseURL), "seconds": .number(run.seconds),
            "passed": .number(Double(counts.passed)), "failed": .number(Double(counts.failed)), "skipped": .number(Double(counts.skipped)),
            "scenarios": .array(scenarios), "coverage": .array(coverage),
            "profile": run.profile.map { .string($0.name) } ?? .null,
            "deviations": .array(run.deviations.map { deviation in
                .object([
                    "scenario": .string(deviation.scenario), "step": .string(deviation.step),
                    "contract": .array(deviation.contract.map(JSONValue.string)), "deployment": .string(deviation.deployment),
                    "entries": .array(deviation.entries.map { .string($0.label) }),
                ])
            }),
            "profileEntries": .array(run.entries.map { state in
                .object([
                    "entry": .string(state.entry.label), "reason": .string(state.entry.reason),
                    "observed": .number(Double(state.observed)), "fixed": .number(Double(state.fixed)),
                ])
            }),
        ]).jsonText + "\n"
    }

    private static func format(_ seconds: Double) -> String {
        String(format: "%.3f", seconds)
    }

    static func escape(_ text: String) -> String {
        text.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;")
            .replacingOccurrences(of: ">", with: "&gt;").replacingOccurrences(of: "\"", with: "&quot;")
            .unicodeScalars.filter { $0.value >= 0x20 || $0 == "\n" || $0 == "\t" }.map(String.init).joined()
    }
}
