extension SentRequest {
    /// A shell command that sends the request again with curl, each value single-quoted; `showing` picks the
    /// headers to include and `transform` rewrites every part (the docs put placeholders in for ids and secrets).
    func curlCommand(showing: (String) -> Bool = { _ in true }, _ transform: (String) -> String = { $0 }) -> String {
        var parts = ["curl -s -X \(method) \(Self.quoted(transform(url)))"]
        for header in headers where showing(header.name) {
            parts.append("-H \(Self.quoted(transform("\(header.name): \(header.value)")))")
        }
        if let body { parts.append("-d \(Self.quoted(transform(body)))") }
        return parts.joined(separator: " \\\n  ")
    }

    /// `text` in single quotes for a POSIX shell, a quote inside written as `'\''`.
    static func quoted(_ text: String) -> String {
        "'" + text.replacingOccurrences(of: "'", with: #"'\''"#) + "'"
    }
}
