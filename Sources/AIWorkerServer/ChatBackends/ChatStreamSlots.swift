import Synchronization

/// The streamed answers open now, held against two caps: `CHAT_MAX_CONCURRENT_STREAMS_PER_PRINCIPAL` for one user
/// (all their sessions and API keys together, so more keys do not buy more streams; 429 past it) and
/// `CHAT_MAX_CONCURRENT_STREAMS` for the whole instance (503 past it). A slot is taken before the model is asked
/// and given back when the answer ends, however it ends.
final class ChatStreamSlots: Sendable {
    let perPrincipal: Int
    let total: Int
    /// What a refused client is told to wait, in seconds: streams end at their own pace, so a short guess.
    static let retryAfterSeconds = 2
    private let open = Mutex<(total: Int, byUser: [String: Int])>((0, [:]))

    init(perPrincipal: Int, total: Int) {
        self.perPrincipal = perPrincipal
        self.total = total
    }

    /// A slot for a stream of `userId`'s, or the refusal when either cap is reached.
    func take(userId: String) throws -> Permit {
        try open.withLock { open in
            if open.byUser[userId, default: 0] >= perPrincipal { throw APIError.tooManyStreams(limit: perPrincipal) }
            if open.total >= total { throw APIError.streamsBusy }
            open.total += 1
            open.byUser[userId, default: 0] += 1
        }
        return Permit { [self] in
            self.open.withLock { open in
                open.total -= 1
                let left = open.byUser[userId, default: 1] - 1
                open.byUser[userId] = left > 0 ? left : nil
            }
        }
    }
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
