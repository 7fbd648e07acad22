import Foundation

/// A conformance run as one self-contained HTML page (`--report html=PATH`): no network, fonts or scripts from
/// elsewhere, readable without JavaScript (the little script only adds copy buttons and opens every scenario for
/// printing). A summary with counts the page's DOM carries as `data-count`, every scenario with its steps, the
/// coverage matrix as a heat map and the profile's known deviations; a failing step shows its request and response
/// (redacted as the console is), what was expected, and a curl command that repeats it.
enum HTMLReport {
    static func run(_ run: RunResult, spec: String) -> String {
        let counts = run.counts
        var body = ["<header>", "<h1>Conformance of \(escape(run.baseURL))</h1>"]
        body.append(#"<dl class="summary">"#)
        body.append("<dt>Target</dt><dd>\(escape(run.baseURL))</dd>")
        body.append("<dt>Spec</dt><dd>\(escape(spec))</dd>")
        if let profile = run.profile { body.append("<dt>Profile</dt><dd>\(escape(profile.name))</dd>") }
        for (name, count) in [("passed", counts.passed), ("failed", counts.failed), ("skipped", counts.skipped)] {
            body.append(#"<dt>\#(name.capitalized)</dt><dd id="\#(name)" class="count \#(name)" data-count="\#(count)">\#(count)</dd>"#)
        }
        body.append("<dt>Time</dt><dd>\(String(format: "%.2f", run.seconds)) s</dd>")
        body += ["</dl>", "</header>", "<main>"]
        // Scenarios first: a reviewer of a failed run wants the failing step, which opens by itself.
        body += ["<section>", "<h2>Scenarios</h2>"]
        for (index, scenario) in run.scenarios.enumerated() { body += self.scenario(scenario, index: index) }
        body.append("</section>")
        body += coverage(run.coverage)
        if run.profile != nil { body += deviations(run) }
        body.append("</main>")
        let title = "SpecRunner: \(run.baseURL): \(counts.passed) passed, \(counts.failed) failed"
        return page(title: title, body: body)
    }

    /// Operation × documented status, each cell passed, failed or never exercised.
    static func coverage(_ matrix: CoverageMatrix) -> [String] {
        let statuses = Array(Set(matrix.rows.flatMap { $0.cells.map(\.status) })).sorted()
        var html = [#"<section class="coverage">"#, "<h2>Coverage</h2>"]
        html.append("<p>\(matrix.exercised) of \(matrix.total) documented responses exercised. "
            + #"<span class="cell passed">✔ passed</span> <span class="cell failed">✘ failed</span> <span class="cell never">· never</span></p>"#)
        html.append(#"<div class="scroll"><table><thead><tr><th scope="col">Operation</th>"#
            + statuses.map { #"<th scope="col">\#(escape($0))</th>"# }.joined() + "</tr></thead><tbody>")
        for row in matrix.rows {
            let cells = statuses.map { status -> String in
                guard let cell = row.cells.first(where: { $0.status == status }) else { return "<td></td>" }
                let (style, mark) = switch cell.state {
                case .passed: ("passed", "✔")
                case .failed: ("failed", "✘")
                case .notExercised: ("never", "·")
                }
                return #"<td class="cell \#(style)" title="\#(escape(row.operation)) \#(escape(status)): \#(cell.state.rawValue)">\#(mark)</td>"#
            }
            let undocumented = row.undocumented.isEmpty ? "" : #" <span class="failed">undocumented: \#(row.undocumented.map(String.init).joined(separator: ", "))</span>"#
            html.append(#"<tr><th scope="row">\#(escape(row.operation))\#(undocumented)</th>\#(cells.joined())</tr>"#)
        }
        html += ["</tbody></table></div>", "</section>"]
        return html
    }

    /// The profile's entries: observed in this run, fixed (the deployment now meets the contract), or not observed.
    static func deviations(_ run: RunResult) -> [String] {
        var html = [#"<section class="deviations">"#, "<h2>Known deviations</h2>"]
        html.append(#"<div class="scroll"><table><thead><tr><th scope="col">Entry</th><th scope="col">State</th><th scope="col">Reason</th></tr></thead><tbody>"#)
        for state in run.entries {
            let (style, text): (String, String) =
                if state.fixed > 0 { ("passed", "fixed (\(state.fixed))") } else if state.observed > 0 { ("observed", "observed (\(state.observed))") } else { ("never", "not observed") }
            html.append(#"<tr><td>\#(escape(state.entry.label))</td><td class="\#(style)">\#(text)</td><td>\#(escape(state.entry.reason))</td></tr>"#)
        }
        html += ["</tbody></table></div>", "</section>"]
        return html
    }

    static func scenario(_ scenario: ScenarioResult, index: Int) -> [String] {
        let style = scenario.outcome.rawValue
        let passed = scenario.steps.filter { $0.outcome == .passed }.count
        let mark = switch scenario.outcome {
        case .passed: "✔"
        case .failed: "✘"
        case .skipped: "○"
        }
        var html = [#"<details class="scenario \#(style)" id="scenario-\#(index)"\#(scenario.outcome == .failed ? " open" : "")>"#]
        html.append(#"<summary><span class="\#(style)">\#(mark)</span> <strong>\#(escape(scenario.name))</strong> "#
            + "(\(passed)/\(scenario.steps.count) steps, \(String(format: "%.2f", scenario.seconds)) s)"
            + (scenario.tags.isEmpty ? "" : #" <span class="tags">\#(scenario.tags.map(escape).joined(separator: " · "))</span>"#) + "</summary>")
        if let note = scenario.note { html.append(#"<p class="note">\#(escape(note))</p>"#) }
        if !scenario.steps.isEmpty {
            html.append(#"<ol class="steps">"#)
            for step in scenario.steps { html += self.step(step) }
            html.append("</ol>")
        }
        html.append("</details>")
        return html
    }

    static func step(_ step: StepResult) -> [String] {
        let style = step.outcome.rawValue
        var line = #"<li class="step \#(style)"><span class="\#(style)">\#(step.outcome == .passed ? "✔" : step.outcome == .failed ? "✘" : "○")</span> "#
            + escape(step.name) + (step.isFinally ? " <em>(finally)</em>" : "")
        if let operation = step.operation { line += #" <code>\#(escape(operation))</code>"# }
        if let status = step.status { line += #" <span class="status">\#(status)</span>"# }
        var html = [line]
        if let deviation = step.deviation {
            html.append(#"<p class="note">Known deviation: \#(deviation.entries.map { escape("\($0.label): \($0.reason)") }.joined(separator: "; "))</p>"#)
        }
        for note in step.notes { html.append(#"<p class="note">\#(escape(note))</p>"#) }
        if step.outcome == .failed {
            html.append(#"<ul class="failures">"# + step.failures.map { "<li>\(escape($0))</li>" }.joined() + "</ul>")
            if let request = step.request {
                html.append(#"<div class="exchange"><div><h3>Request</h3><pre class="request">\#(escape(requestText(request)))</pre></div>"#)
                html.append(#"<div><h3>Response</h3><pre class="response">\#(escape(responseText(step)))</pre></div></div>"#)
                html.append(#"<h3>Repeat it</h3><pre class="curl">\#(escape(request.curlCommand()))</pre>"#)
            }
        } else if step.outcome == .skipped, let reason = step.failures.first {
            html.append(#"<p class="note">\#(escape(reason))</p>"#)
        }
        html.append("</li>")
        return html
    }

    static func requestText(_ request: SentRequest) -> String {
        ([request.method + " " + request.url] + request.headers.map { "\($0.name): \($0.value)" } + (request.body.map { ["", $0] } ?? []))
            .joined(separator: "\n")
    }

    static func responseText(_ step: StepResult) -> String {
        [step.status.map { "HTTP \($0)" } ?? "(no answer)", step.responseExcerpt.map { "\n" + $0 } ?? ""].joined()
    }

    /// Text for HTML, as the API reference escapes it (every attribute here is double-quoted).
    static func escape(_ text: String) -> String { DocRenderer.escape(text) }

    /// The page around `body`: its own style (screen and print) and the copy-button script.
    static func page(title: String, body: [String]) -> String {
        """
        <!doctype html>
        <html lang="en">
        <head>
        <meta charset="utf-8">
        <meta name="viewport" content="width=device-width, initial-scale=1">
        <title>\(escape(title))</title>
        <style>
        :root { color-scheme: light; --ok: #146c2e; --bad: #b3261e; --muted: #595959; --line: #d0d0d0; }
        body { font: 15px/1.45 system-ui, sans-serif; margin: 0 auto; max-width: 72rem; padding: 1rem 1.5rem; color: #1b1b1b; background: #fff; }
        h1 { font-size: 1.5rem; } h2 { font-size: 1.2rem; margin-top: 2rem; } .step h3 { margin: .5rem 0 .2rem; font-size: .9rem; }
        .summary { display: grid; grid-template-columns: max-content 1fr; gap: .2rem 1rem; }
        .summary dt { font-weight: 600; } .summary dd { margin: 0; }
        .passed { color: var(--ok); } .failed { color: var(--bad); } .skipped, .never, .note, .tags { color: var(--muted); }
        .observed { color: #7a4d00; }
        .scroll { overflow-x: auto; }
        table { border-collapse: collapse; font-size: .85rem; }
        th, td { border: 1px solid var(--line); padding: .2rem .45rem; text-align: left; vertical-align: top; }
        td.cell { text-align: center; font-weight: 700; min-width: 2.2rem; }
        td.cell.passed { background: #dcf2e1; } td.cell.failed { background: #fbdcd9; color: var(--bad); } td.cell.never { background: #f3f3f3; }
        span.cell { padding: 0 .3rem; }
        details.scenario { border-top: 1px solid var(--line); padding: .35rem 0; }
        summary { cursor: pointer; }
        ol.steps { margin: .3rem 0 .5rem; } li.step { margin: .25rem 0; }
        .status { font-family: ui-monospace, monospace; color: var(--muted); }
        .exchange { display: grid; grid-template-columns: 1fr 1fr; gap: .8rem; }
        pre { background: #f6f6f6; border: 1px solid var(--line); padding: .5rem; overflow-x: auto; white-space: pre-wrap; word-break: break-all; font-size: .8rem; margin: 0; }
        ul.failures { color: var(--bad); margin: .2rem 0; }
        button.copy { font-size: .75rem; margin-top: .2rem; }
        @media (max-width: 48rem) { .exchange { grid-template-columns: 1fr; } }
        @media print { body { max-width: none; font-size: 11px; } button.copy { display: none; } details.scenario { break-inside: avoid; } }
        </style>
        </head>
        <body>
        \(body.joined(separator: "\n"))
        <footer><p class="note">Made by SpecRunner. Secrets in requests and answers are shown as «redacted».</p></footer>
        <script>
        for (const pre of document.querySelectorAll("pre.curl")) {
          const button = document.createElement("button");
          button.className = "copy"; button.type = "button"; button.textContent = "Copy the command";
          button.addEventListener("click", () => navigator.clipboard.writeText(pre.textContent).then(() => { button.textContent = "Copied"; }));
          pre.after(button);
        }
        window.addEventListener("beforeprint", () => { for (const d of document.querySelectorAll("details")) d.open = true; });
        </script>
        </body>
        </html>

        """
    }
}
