import Foundation

/// Renders documentation blocks as GitHub Markdown or as one self-contained HTML page (no network, no CDN).
enum DocRenderer {
    static func markdown(_ blocks: [DocBlock]) -> String {
        blocks.map { block -> String in
            switch block {
            case .heading(let level, let text, let id):
                return "<a id=\"\(id)\"></a>\n\n" + String(repeating: "#", count: level) + " " + text
            case .paragraph(let text):
                return text
            case .list(let items):
                return items.map { "- \($0)" }.joined(separator: "\n")
            case .table(let header, let rows):
                let escape = { (cell: String) in cell.replacingOccurrences(of: "|", with: "\\|").replacingOccurrences(of: "\n", with: " ") }
                return (["| " + header.map(escape).joined(separator: " | ") + " |", "|" + header.map { _ in "---|" }.joined()]
                    + rows.map { "| " + $0.map(escape).joined(separator: " | ") + " |" }).joined(separator: "\n")
            case .code(let language, let text):
                return "```\(language)\n\(text)\n```"
            }
        }.joined(separator: "\n\n") + "\n"
    }

    static func html(_ blocks: [DocBlock], title: String) -> String {
        let toc = blocks.compactMap { block -> String? in
            guard case .heading(let level, let text, let id) = block, level <= 3, level >= 2 else { return nil }
            return "<li class=\"toc\(level)\"><a href=\"#\(escape(id))\">\(inline(text))</a></li>"
        }.joined(separator: "\n")
        let body = blocks.map { block -> String in
            switch block {
            case .heading(let level, let text, let id):
                return "<h\(level) id=\"\(escape(id))\">\(inline(text))</h\(level)>"
            case .paragraph(let text):
                return "<p>\(inline(text))</p>"
            case .list(let items):
                return "<ul>\n" + items.map { "<li>\(inline($0))</li>" }.joined(separator: "\n") + "\n</ul>"
            case .table(let header, let rows):
                return "<table>\n<thead><tr>" + header.map { "<th>\(inline($0))</th>" }.joined() + "</tr></thead>\n<tbody>\n"
                    + rows.map { "<tr>" + $0.map { "<td>\(inline($0))</td>" }.joined() + "</tr>" }.joined(separator: "\n") + "\n</tbody>\n</table>"
            case .code(let language, let text):
                return "<pre><code class=\"language-\(escape(language))\">\(escape(text))</code></pre>"
            }
        }.joined(separator: "\n")
        return """
            <!DOCTYPE html>
            <html lang="en">
            <head>
            <meta charset="utf-8">
            <meta name="viewport" content="width=device-width, initial-scale=1">
            <title>\(escape(title))</title>
            <style>
            body { font: 15px/1.5 system-ui, -apple-system, "Segoe UI", sans-serif; margin: 0; color: #1f2328; display: flex; }
            nav { width: 18rem; flex: none; height: 100vh; overflow-y: auto; position: sticky; top: 0; border-right: 1px solid #d0d7de; padding: 1rem; box-sizing: border-box; background: #f6f8fa; }
            nav ul { list-style: none; padding: 0; margin: 0; } nav li.toc3 { padding-left: 1rem; font-size: 0.9em; }
            nav a { color: #0969da; text-decoration: none; } main { padding: 1rem 2rem 4rem; max-width: 60rem; min-width: 0; }
            code { font: 0.9em ui-monospace, SFMono-Regular, Menlo, monospace; background: #eff1f3; padding: 0.1em 0.3em; border-radius: 4px; }
            pre { background: #f6f8fa; border: 1px solid #d0d7de; border-radius: 6px; padding: 0.75rem; overflow-x: auto; }
            pre code { background: none; padding: 0; }
            table { border-collapse: collapse; margin: 0.5rem 0; } th, td { border: 1px solid #d0d7de; padding: 0.3rem 0.6rem; text-align: left; vertical-align: top; }
            th { background: #f6f8fa; } h2 { border-bottom: 1px solid #d0d7de; padding-bottom: 0.3rem; margin-top: 2.5rem; } h3 { margin-top: 2rem; }
            </style>
            </head>
            <body>
            <nav><strong>Contents</strong>
            <ul>
            \(toc)
            </ul>
            </nav>
            <main>
            \(body)
            </main>
            </body>
            </html>

            """
    }

    static func escape(_ text: String) -> String {
        text.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;")
            .replacingOccurrences(of: ">", with: "&gt;").replacingOccurrences(of: "\"", with: "&quot;")
    }

    /// Escapes text, then turns [text](#anchor) links, `code` spans and **bold** into HTML.
    static func inline(_ text: String) -> String {
        var html = ""
        var cursor = text.startIndex
        for match in link.matches(in: text, range: NSRange(text.startIndex..., in: text)) {
            let range = Range(match.range, in: text)!
            html += codeSpans(String(text[cursor..<range.lowerBound]))
            let label = String(text[Range(match.range(at: 1), in: text)!])
            let target = String(text[Range(match.range(at: 2), in: text)!])
            html += "<a href=\"\(escape(target))\">\(codeSpans(label))</a>"
            cursor = range.upperBound
        }
        return html + codeSpans(String(text[cursor...]))
    }

    private static func codeSpans(_ text: String) -> String {
        var html = ""
        var rest = Substring(text)
        while let tick = rest.firstIndex(of: "`"), let close = rest[rest.index(after: tick)...].firstIndex(of: "`") {
            html += bolded(String(rest[..<tick]))
            html += "<code>" + escape(String(rest[rest.index(after: tick)..<close])) + "</code>"
            rest = rest[rest.index(after: close)...]
        }
        return html + bolded(String(rest))
    }

    private static let link = try! NSRegularExpression(pattern: #"\[([^\]]+)\]\((#[^)\s]+)\)"#)
    private static let bold = try! NSRegularExpression(pattern: #"\*\*([^*]+)\*\*"#)

    private static func bolded(_ text: String) -> String {
        let html = escape(text)
        return bold.stringByReplacingMatches(in: html, range: NSRange(html.startIndex..., in: html), withTemplate: "<strong>$1</strong>")
    }
}
