import Foundation
import Testing

@testable import AIWorkerServer

/// The hand-written JSON of streamed events and of the chat answer is the encoder's, byte for byte.
@Suite("Compact JSON")
struct CompactJSONTests {
    @Test func aStringIsWrittenAsTheEncoderWritesIt() {
        let texts = (0..<128).map { String(UnicodeScalar(UInt8($0))) }
            + ["", "word ", "a/b", #"say "hi" \ bye"#, "line\nbreak\r\ttab", "é ü 日本 😀 \u{2028} \u{FEFF}", "\u{7F}\u{80}"]
        for text in texts {
            #expect(CompactJSON.string(text) == CompactJSON.encode([text]).dropFirst().dropLast(), "\(Array(text.unicodeScalars))")
        }
    }

    /// The `/v1` stream's text chunk, written by hand, is the encoder's chunk byte for byte, whatever the text, the
    /// choice, the id (adopted from the backend or not) and the model name.
    @Test func aTextChunkIsWrittenAsTheEncoderWritesIt() {
        var format = OpenAIController.ChunkEvents(id: "chatcmpl-abc", created: 1_765_000_000, model: #"@cf/meta/llama "3" \ é"#, includeUsage: true, choiceCount: 2)
        for adopted in [nil, "chatcmpl-upstream_1.2:3"] {
            if let adopted { format.adopt(completionId: adopted) }
            for (index, text) in [(0, ""), (0, "word "), (1, #"say "hi" \ bye"#), (12, "line\nbreak\u{1}\u{7F} 日本 😀 \u{2028}")] {
                let expected = CompactJSON.encode(OpenAIController.ChunkEvents.Chunk(
                    id: format.id, created: format.created, model: format.model,
                    choices: [.init(index: index, delta: .init(content: text), finish_reason: nil)], usage: nil))
                #expect(format.events(for: ChoiceDelta(index: index, content: text)).map(\.data) == [expected])
            }
        }
    }

    /// `/chat/completions`' answer, written by hand, is what the response encoder writes, whatever the text.
    @Test func theChatAnswerIsWrittenAsTheResponseEncoderWritesIt() throws {
        for text in ["", "[mock @cf/meta/llama-3-8b-instruct] You said: a/b", #"say "hi" \ bye"#, "line\nbreak\u{1}\u{7F} 日本 😀 \u{2028}"] {
            let encoded = try AppRequestContext.encoder.encode(["response": text])
            #expect(ChatController.ChatResponse(response: text).json == String(decoding: encoded, as: UTF8.self))
        }
    }
}
