import Foundation

extension HTMLReport {
    /// A bench run as one page: the run's settings, per step requests/s and latency percentiles (requests counted in
    /// `data-count`), answers by status, and a latency histogram per step drawn as inline SVG by the page itself.
    static func bench(_ report: BenchReport) -> String {
        let result = report.result
        var body = ["<header>", "<h1>Load on \(escape(report.baseURL))</h1>", #"<dl class="summary">"#]
        body.append("<dt>Target</dt><dd>\(escape(report.baseURL))</dd>")
        body.append("<dt>Scenario</dt><dd>\(escape(report.scenario))</dd>")
        body.append("<dt>Connections</dt><dd>\(report.connections)</dd>")
        body.append("<dt>Rate</dt><dd>\(report.rate.map { String(format: "%.0f requests/s", $0) } ?? "as fast as answers come")</dd>")
        body.append(#"<dt>Requests</dt><dd id="requests" class="count" data-count="\#(report.requests)">\#(report.requests)</dd>"#)
        body.append(#"<dt>Errors</dt><dd id="errors" class="count\#(report.errors > 0 ? " failed" : "")" data-count="\#(report.errors)">\#(report.errors)</dd>"#)
        body.append("<dt>Time</dt><dd>\(String(format: "%.2f", result.seconds)) s</dd>")
        body += ["</dl>", "</header>", "<main>"]
        if let hint = report.limitedHint { body.append(#"<p class="note">\#(escape(hint))</p>"#) }
        body += result.setupFailures.map { #"<p class="failed">✘ \#(escape($0))</p>"# }
        body += ["<section>", "<h2>Steps</h2>", #"<div class="scroll"><table><thead><tr><th scope="col">Step</th>"#
            + ["requests", "req/s", "p50", "p90", "p99", "p99.9", "max", "errors", "statuses"].map { #"<th scope="col">\#($0)</th>"# }.joined()
            + "</tr></thead><tbody>"]
        for (name, stats) in result.steps {
            let summary = stats.summary
            let cells = [String(stats.count), String(format: "%.1f", Double(stats.count) / max(result.seconds, 0.001))]
                + [summary.p50, summary.p90, summary.p99, summary.p999, summary.max].map { String(format: "%.2f ms", $0 * 1000) }
                + [String(stats.errors), stats.statuses.sorted { $0.key < $1.key }.map { "\($0.key == 0 ? "no answer" : String($0.key)) × \($0.value)" }.joined(separator: ", ")]
            body.append(#"<tr><th scope="row">\#(escape(name))</th>"# + cells.map { "<td>\(escape($0))</td>" }.joined() + "</tr>")
        }
        body += ["</tbody></table></div>", "</section>", "<section>", "<h2>Latency</h2>"]
        for (name, stats) in result.steps where stats.count > 0 {
            body += ["<h3>\(escape(name))</h3>", histogram(stats.samples)]
        }
        body += ["</section>", "</main>"]
        return page(title: "SpecRunner bench: \(report.baseURL): \(report.requests) requests", body: body)
    }

    /// Latencies in 30 buckets from 0 to the 99.9th percentile (slower ones in the last), as an SVG bar chart.
    static func histogram(_ samples: [Double]) -> String {
        let sorted = samples.sorted()
        let top = max(sorted[min(sorted.count - 1, Int(Double(sorted.count) * 0.999))], 0.000_001)
        let bucketCount = 30
        var buckets = [Int](repeating: 0, count: bucketCount)
        for sample in sorted { buckets[min(bucketCount - 1, Int(sample / top * Double(bucketCount)))] += 1 }
        let (width, height, left, bottom) = (600.0, 180.0, 40.0, 30.0)
        let barWidth = (width - left) / Double(bucketCount)
        let highest = Double(buckets.max() ?? 1)
        var svg = [#"<svg class="histogram" role="img" viewBox="0 0 \#(Int(width)) \#(Int(height))" width="600" height="180">"#]
        svg.append("<title>\(sorted.count) latencies from 0 to \(String(format: "%.2f", top * 1000)) ms in \(bucketCount) buckets</title>")
        for (index, count) in buckets.enumerated() where count > 0 {
            let barHeight = Double(count) / highest * (height - bottom - 10)
            svg.append(String(format: ##"<rect x="%.1f" y="%.1f" width="%.1f" height="%.1f" fill="#3a6ea5"><title>%d requests</title></rect>"##,
                              left + Double(index) * barWidth + 1, height - bottom - barHeight, barWidth - 2, barHeight, count))
        }
        svg.append(String(format: ##"<line x1="%.0f" y1="%.0f" x2="%.0f" y2="%.0f" stroke="#595959"/>"##, left, height - bottom, width, height - bottom))
        svg.append(String(format: #"<text x="%.0f" y="%.0f" font-size="11">0 ms</text>"#, left, height - 12))
        svg.append(String(format: #"<text x="%.0f" y="%.0f" font-size="11" text-anchor="end">%.2f ms</text>"#, width, height - 12, top * 1000))
        svg.append(String(format: #"<text x="4" y="14" font-size="11">%d</text>"#, Int(highest)))
        svg.append("</svg>")
        return svg.joined()
    }
}
