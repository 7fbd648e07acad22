extension HTMLReport {
    /// A fuzz run as one page: the seed and the command that repeats it, counts (in `data-count`), how often each
    /// operation was answered and reached its success path, and the findings grouped by class and operation, each
    /// with its request (redacted), what was wrong, the answer, a curl line, and the saved scenario with the command
    /// that replays it (the first `findingsShownInFull` of each group; the rest by request). Passing
    /// requests are only counted, so a run of ten thousand requests makes a page of its findings.
    static func fuzz(_ report: FuzzReport, seed: UInt64, baseURL: String, repeatCommand: String) -> String {
        var body = ["<header>", "<h1>Fuzzing \(escape(baseURL))</h1>", #"<dl class="summary">"#]
        body.append("<dt>Target</dt><dd>\(escape(baseURL))</dd>")
        body.append("<dt>Seed</dt><dd><code>\(seed)</code></dd>")
        for (name, count) in [("sent", report.sent), ("passed", report.passedCount), ("failed", report.failedCount)] {
            body.append(#"<dt>\#(name.capitalized)</dt><dd id="\#(name)" class="count \#(name)" data-count="\#(count)">\#(count)</dd>"#)
        }
        body.append("<dt>Statuses</dt><dd>" + report.statuses.sorted { $0.key < $1.key }
            .map { "\($0.key == 0 ? "no answer" : String($0.key)) × \($0.value)" }.joined(separator: ", ") + "</dd>")
        body += ["</dl>", "<h2>Repeat it</h2>", #"<pre class="curl">\#(escape(repeatCommand))</pre>"#, "</header>", "<main>"]
        body += ["<section>", "<h2>Findings</h2>"]
        if report.entries.isEmpty { body.append(#"<p class="passed">None.</p>"#) }
        for (kind, entries) in Dictionary(grouping: report.entries, by: \.kind).sorted(by: { $0.key < $1.key }) {
            body.append(#"<section class="finding-class"><h3>\#(escape(kind)) (\#(entries.count))</h3>"#)
            for (operation, group) in Dictionary(grouping: entries, by: \.operation).sorted(by: { $0.key < $1.key }) {
                body.append(#"<details class="scenario failed" open><summary><strong>\#(escape(operation))</strong> (\#(group.count))</summary><ol class="steps">"#)
                let sorted = group.sorted(by: { $0.index < $1.index })
                for entry in sorted.prefix(Self.findingsShownInFull) {
                    body.append(#"<li class="step failed">#\#(entry.index)<pre class="request">\#(escape(entry.request))</pre>"#
                        + #"<ul class="failures">"# + entry.problems.map { "<li>\(escape($0))</li>" }.joined() + "</ul>")
                    if let response = entry.response {
                        body.append(#"<p>The answer:</p><pre class="response">\#(escape(response))</pre>"#)
                    }
                    if let curl = entry.curl {
                        body.append(#"<p>Send it again (secrets masked: put yours back):</p><pre class="curl">\#(escape(curl))</pre>"#)
                    }
                    if let saved = entry.saved {
                        body.append(#"<p>Saved as <code>\#(escape(saved))</code>; replay it:</p><pre class="curl">"#
                            + escape("specrunner --base-url \(baseURL) --scenarios \(Self.folder(of: saved)) --filter \(Self.name(of: saved))") + "</pre>")
                    }
                    body.append("</li>")
                }
                if sorted.count > Self.findingsShownInFull {
                    // The rest by their request only: a run with hundreds of findings still opens at once.
                    body.append(#"<li class="step failed"><details><summary>\#(sorted.count - Self.findingsShownInFull) more of this kind (every one in full in --report json=PATH)</summary><ul>"#)
                    body += sorted.dropFirst(Self.findingsShownInFull).map { "<li>#\($0.index) <code>\(escape($0.request))</code></li>" }
                    body.append("</ul></details></li>")
                }
                body.append("</ol></details>")
            }
            body.append("</section>")
        }
        body.append("</section>")
        body += [#"<section class="coverage">"#, "<h2>What the fuzzer reached</h2>"]
        body.append(#"<div class="scroll"><table><thead><tr><th scope="col">Operation</th><th scope="col">Answered</th><th scope="col">2xx</th></tr></thead><tbody>"#)
        for (operation, counts) in report.reached.sorted(by: { $0.key < $1.key }) {
            let style = counts.succeeded == 0 ? "cell failed" : "cell passed"
            body.append(#"<tr><th scope="row">\#(escape(operation))</th><td>\#(counts.answered)</td><td class="\#(style)">\#(counts.succeeded)</td></tr>"#)
        }
        body += ["</tbody></table></div>", "</section>"]
        if !report.notes.isEmpty {
            body += ["<section>", "<h2>Notes</h2>", "<ul>"] + report.notes.map { "<li>\(escape($0))</li>" } + ["</ul>", "</section>"]
        }
        body.append("</main>")
        return page(title: "SpecRunner fuzz: \(baseURL): \(report.failedCount) with findings of \(report.sent)", body: body)
    }

    /// Findings of one class and operation shown with their answer and curl line; the rest are listed by request.
    static let findingsShownInFull = 10

    /// The folder and the scenario name of a saved finding's file.
    private static func folder(of path: String) -> String {
        path.split(separator: "/").dropLast().joined(separator: "/").ifEmpty(".")
    }

    private static func name(of path: String) -> String {
        String(path.split(separator: "/").last ?? "").replacingOccurrences(of: ".yaml", with: "")
    }
}
