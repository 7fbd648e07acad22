import Synchronization

/// A place held in something bounded (an admission gate, the open streams): `free()` gives it back once, and
/// dropping the last reference frees it too, so a place cannot leak when an answer ends in an unforeseen way.
final class Permit: Sendable {
    private let release: Mutex<(@Sendable () -> Void)?>

    init(release: @escaping @Sendable () -> Void) {
        self.release = Mutex(release)
    }

    /// Gives the place back; later calls do nothing.
    func free() {
        release.withLock { $0.take() }?()
    }

    deinit { free() }
}
