/// An answer whose head came and whose body is still being read in the background (a `hold` step); releasing it
/// cancels the read, which closes the connection, as a client that leaves.
struct HeldAnswer: Sendable {
    let reader: Task<Void, Never>

    func release() {
        reader.cancel()
    }
}
