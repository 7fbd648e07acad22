import Logging

/// Asks the primary backend, and the fallback when the primary cannot answer (unreachable, timeout,
/// rate-limited, failed); never when the request itself was refused, which another backend would refuse too. A
/// stream falls back only before it starts.
struct FallbackChatBackend: ChatBackend {
    let primary: any ChatBackend
    let fallback: any ChatBackend
    let logger: Logger

    var name: String { "\(primary.name)+\(fallback.name)" }

    func complete(_ input: ChatCompletionInput) async throws -> ChatReply {
        do {
            return try await primary.complete(input)
        } catch let error as ChatBackendError where !error.isClientError {
            logger.warning("Primary model backend failed; using the fallback", metadata: ["backend": "\(primary.name)", "error": "\(error.apiError.code)"])
            return try await fallback.complete(input)
        }
    }

    /// The primary's list, or the fallback's when the primary cannot give one.
    func models() async throws -> [String]? {
        do {
            return try await primary.models()
        } catch let error as ChatBackendError where !error.isClientError {
            logger.warning("Primary model backend failed; listing the fallback's models", metadata: ["backend": "\(primary.name)", "error": "\(error.apiError.code)"])
            return try await fallback.models()
        }
    }

    func stream(_ input: ChatCompletionInput) async throws -> ProducedStream<ChatStreamEvent> {
        do {
            return try await primary.stream(input)
        } catch let error as ChatBackendError where !error.isClientError {
            logger.warning("Primary model backend failed; using the fallback", metadata: ["backend": "\(primary.name)", "error": "\(error.apiError.code)"])
            return try await fallback.stream(input)
        }
    }
}
