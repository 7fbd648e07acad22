/// The pieces a reference page is made of, rendered to Markdown and to HTML alike.
enum DocBlock: Sendable {
    /// A heading with its anchor id.
    case heading(level: Int, text: String, id: String)
    /// Text in which `code spans` and [links](#anchor) are kept.
    case paragraph(String)
    case list([String])
    case table(header: [String], rows: [[String]])
    case code(language: String, text: String)
}
