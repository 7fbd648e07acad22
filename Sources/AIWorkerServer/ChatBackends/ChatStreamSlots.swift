import Synchronization

/// The streamed answers open now, held against two caps: `CHAT_MAX_CONCURRENT_STREAMS_PER_PRINCIPAL` for one user
/// (all their sessions and API keys together, so more keys do not buy more streams; 429 past it) and
/// `CHAT_MAX_CONCURRENT_STREAMS` for the whole instance (503 past it). A slot is taken before the model is asked
/// and given back when the answer ends, however it ends.
///
/// A user's open streams also share `CHAT_MAX_STREAM_BYTES_PER_SECOND_PER_PRINCIPAL`: a token bucket of that many
/// bytes a second (and as many at once), which each stream draws from after each write and waits on when it is
/// empty. No model streams that fast (a fast one sends some 15 KB a second a stream), but an upstream that answers
/// at once, or the mock, would otherwise let one user's streams take every core the server has.
final class ChatStreamSlots: Sendable {
    let perPrincipal: Int
    let total: Int
    /// Bytes a second one user's streams may write together; nil: no limit.
    let bytesPerSecond: Int?
    /// What a refused client is told to wait, in seconds: streams end at their own pace, so a short guess.
    static let retryAfterSeconds = 2

    /// One user's open streams and their bucket of bytes.
    private struct Holder {
        var streams = 0
        var bytes: Double
        var filled: ContinuousClock.Instant
    }

    private let open = Mutex<(total: Int, byUser: [String: Holder])>((0, [:]))

    init(perPrincipal: Int, total: Int, bytesPerSecond: Int? = nil) {
        self.perPrincipal = perPrincipal
        self.total = total
        self.bytesPerSecond = bytesPerSecond
    }

    /// A slot for a stream of `userId`'s, or the refusal when either cap is reached.
    func take(userId: String) throws -> StreamSlot {
        try open.withLock { open in
            if open.byUser[userId]?.streams ?? 0 >= perPrincipal { throw APIError.tooManyStreams(limit: perPrincipal) }
            if open.total >= total { throw APIError.streamsBusy }
            open.total += 1
            open.byUser[userId, default: Holder(bytes: Double(bytesPerSecond ?? 0), filled: .now)].streams += 1
        }
        let permit = Permit { [self] in
            self.open.withLock { open in
                open.total -= 1
                open.byUser[userId]?.streams -= 1
                if open.byUser[userId]?.streams == 0 { open.byUser[userId] = nil }
            }
        }
        guard bytesPerSecond != nil else { return StreamSlot(permit: permit) { _ in } }
        return StreamSlot(permit: permit) { [self] written in
            if let wait = self.debit(userId: userId, bytes: written) { try await Task.sleep(for: wait) }
        }
    }

    /// Takes `bytes` from the user's bucket (refilled for the time since it was last); how long to wait before
    /// writing more when that leaves it in debt, nil when it does not.
    func debit(userId: String, bytes: Int, now: ContinuousClock.Instant = .now) -> Duration? {
        guard let rate = bytesPerSecond.map(Double.init) else { return nil }
        return open.withLock { open -> Duration? in
            guard var holder = open.byUser[userId] else { return nil }
            holder.bytes = min(rate, holder.bytes + max(0, (now - holder.filled).seconds) * rate) - Double(bytes)
            holder.filled = max(holder.filled, now)
            open.byUser[userId] = holder
            return holder.bytes < 0 ? .seconds(-holder.bytes / rate) : nil
        }
    }
}

/// A stream's place under the stream caps (`permit`, freed when the answer ends) and its share of its user's
/// bandwidth: `pace(bytes)` after each write waits as long as the user's streams have written more than their due.
struct StreamSlot: Sendable {
    let permit: Permit
    let pace: @Sendable (Int) async throws -> Void
}

extension APIError {
    static func tooManyStreams(limit: Int) -> APIError {
        APIError(
            status: .tooManyRequests, code: "too_many_streams",
            message: "You have \(limit) streamed answers open, the most one user may; wait for one to end.",
            headers: [.retryAfter: String(ChatStreamSlots.retryAfterSeconds)])
    }

    static let streamsBusy = APIError(
        status: .serviceUnavailable, code: "streams_busy",
        message: "This server holds as many streamed answers as it may right now. Retry shortly.",
        headers: [.retryAfter: String(ChatStreamSlots.retryAfterSeconds)])
}
