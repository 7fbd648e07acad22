import Foundation
import Testing

@testable import AIWorkerServer

/// The upstream chunk's plain reader (`OpenAICompatibleBackend.Chunk(plain:)`) reads what the decoder reads, and
/// leaves every other event to the decoder.
@Suite("Upstream chunk reading")
struct UpstreamChunkReadingTests {
    typealias Chunk = OpenAICompatibleBackend.Chunk

    static func decoded(_ data: some Sequence<UInt8>) -> Chunk? {
        try? JSONDecoder().decode(Chunk.self, from: Data(data))
    }

    /// Events as OpenAI, vLLM, llama.cpp's server, Ollama and reasoning models send them, and as JSON allows them
    /// to be written.
    static let plainChunks = [
        #"{"id":"chatcmpl-1","object":"chat.completion.chunk","created":1694268190,"model":"gpt-4o-mini","system_fingerprint":"fp_44709d6fcb","choices":[{"index":0,"delta":{"role":"assistant","content":"","refusal":null},"logprobs":null,"finish_reason":null}]}"#,
        #"{"id":"chatcmpl-1","object":"chat.completion.chunk","created":1694268190,"model":"gpt-4o-mini","service_tier":"default","choices":[{"index":0,"delta":{"content":"Hello"},"logprobs":null,"finish_reason":null}],"usage":null,"obfuscation":"x3"}"#,
        #"{"id":"chatcmpl-1","object":"chat.completion.chunk","created":1694268190,"model":"gpt-4o-mini","choices":[{"index":0,"delta":{},"logprobs":null,"finish_reason":"stop"}]}"#,
        #"{"id":"chat-2","object":"chat.completion.chunk","created":1,"model":"m","choices":[{"index":0,"delta":{"content":" world"},"logprobs":null,"finish_reason":null,"stop_reason":null}]}"#,
        #"{"choices":[{"finish_reason":null,"index":0,"delta":{"content":"Hi"}}],"created":1,"id":"chatcmpl-3","model":"m","system_fingerprint":"b1","object":"chat.completion.chunk","timings":{"prompt_n":1,"predicted_ms":1.5e1,"per_token":[0.5,-2,true,false,null,{},[]]}}"#,
        #"{"id":"chatcmpl-4","object":"chat.completion.chunk","created":1,"model":"llama3","system_fingerprint":"fp_ollama","choices":[{"index":0,"delta":{"role":"assistant","content":"Hi"},"finish_reason":null}]}"#,
        #"{"id":"x","choices":[{"index":1,"delta":{"reasoning_content":"think \"hard\" \\ \/ \b\f\n\r\t \u00e9\u65e5 \ud83d\ude00 é 日本 😀","reasoning":null}},{"index":0,"delta":{"reasoning":"r","refusal":"no","tool_calls":null}}]}"#,
        " \n{ \"id\" : null ,\t\"choices\" : [ ] , \"usage\" : null }\r\n",
        #"{"choices":[{},{"delta":null,"index":null,"finish_reason":null}]}"#,
        #"{"choices":[],"nested":{"a":{"b":{"c":[[[{"d":"e"}]]]}}}}"#,
    ]

    @Test func plainChunksAreReadAsTheDecoderReadsThem() throws {
        for data in Self.plainChunks {
            let decoded = try #require(Self.decoded(data.utf8), "\(data)")
            let plain = try #require(Chunk(plain: data), "the plain reader left \(data) to the decoder")
            #expect(plain == decoded, "\(data)")
        }
    }

    static let otherChunks = [
        "", "{}", "[]", "null", #"{"choices":null}"#, #"{"choices":{}}"#, #"{"id":"a"}"#,
        #"{"choices":[],"usage":{"prompt_tokens":1,"completion_tokens":2,"total_tokens":3}}"#,
        #"{"choices":[{"index":0,"delta":{"tool_calls":[{"index":0,"id":"call_1","type":"function","function":{"name":"f","arguments":""}}]}}]}"#,
        #"{"choices":[{"index":0,"delta":{"content":"a"},"logprobs":{"content":[]}}]}"#,
        #"{"id":"a","id":"b","choices":[]}"#,
        #"{"choices":[],"choices":[]}"#,
        #"{"choices":[{"index":0,"index":1}]}"#,
        #"{"choices":[{"delta":{"content":"a","content":"b"}}]}"#,
        #"{"id":5,"choices":[]}"#,
        #"{"choices":[{"index":1.0}]}"#,
        #"{"choices":[{"index":"0"}]}"#,
        #"{"choices":[{"index":99999999999999999999}]}"#,
        #"{"choices":[{"finish_reason":1}]}"#,
        #"{"choices":[{"delta":"a"}]}"#,
        #"{"choices":[{"delta":{"content":["a"]}}]}"#,
        #"{"choices":[{"delta":{"content":"\ud83d"}}]}"#,
        #"{"choices":[]}x"#,
        #"{"choices":[],}"#,
        #"{"choices":[1]}"#,
        #"{"choices":[],"created":0e7}"#,
        #"{"choices":[],"created":01}"#,
        #"{"choices":[],"x":[[[[[[[[[[[[[[[[[[]]]]]]]]]]]]]]]]]]}"#,
        #"{"choices":[],"x":{"a":}}"#,
        #"{"choices":[],"x":[1,]}"#,
        #"{"choices":[],"x":tru}"#,
        #"{"choices":[],"x":"\u00g0"}"#,
    ]

    @Test func everyOtherChunkIsLeftToTheDecoder() {
        for data in Self.otherChunks {
            #expect(Chunk(plain: data) == nil, "\(data)")
        }
    }

    /// Events a byte or two away from the plain ones: whatever the plain reader reads, the decoder reads the same.
    @Test func anyChunkThePlainReaderReadsTheDecoderReadsAlike() {
        var read = 0
        for bytes in NearbyBytes.random(near: Self.plainChunks, count: 5_000) {
            // The events come as strings (invalid UTF-8 already replaced), as the stream's parser makes them.
            let data = String(decoding: bytes, as: UTF8.self)
            guard let plain = Chunk(plain: data) else { continue }
            read += 1
            #expect(Self.decoded(data.utf8) == plain, "\(data)")
        }
        #expect(read > 100, "too few changed events were still plain to compare anything")
    }
}
