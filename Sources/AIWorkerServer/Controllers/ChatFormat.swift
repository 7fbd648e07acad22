/// How a chat answer is written.
enum ChatFormat: String, CaseIterable, Sendable {
    /// `{"response": "..."}` as the README documents.
    case json
    /// The bare text as `text/plain`, as the original worker sends it.
    case text
}
