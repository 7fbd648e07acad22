import Foundation
import NIOCore
import Testing

@testable import AIWorkerServer

/// The chat body's plain reader (`ChatCompletionRequest(plain:)`) reads what the decoder reads, and leaves every
/// other body to the decoder, which names what is wrong.
@Suite("Chat body reading")
struct ChatBodyReadingTests {
    /// What the decoder reads, or nil where it throws.
    static func decoded(_ body: String) -> ChatCompletionRequest? {
        try? JSONDecoder().decode(ChatCompletionRequest.self, from: Data(body.utf8))
    }

    static func plain(_ body: some Sequence<UInt8>) -> ChatCompletionRequest? {
        ChatCompletionRequest(plain: ByteBuffer(bytes: Array(body)))
    }

    static func same(_ left: ChatCompletionRequest, _ right: ChatCompletionRequest) -> Bool {
        left.messages == right.messages && left.model == right.model && left.maxTokens == right.maxTokens
            && left.temperature == right.temperature && left.stream == right.stream && left.includeUsage == right.includeUsage
    }

    static let plainBodies = [
        #"{"messages":[{"role":"user","content":"Hello there"}]}"#,
        " \n{ \"messages\" :\t[ { \"content\" : \"a\" , \"role\" : \"system\" } ,{\"role\":\"assistant\",\"content\":\"\"}, {\"role\":\"user\",\"content\":\"b\"} ] }\r\n",
        #"{"messages":[{"role":"user","content":"say \"hi\" \\ \/ \b\f\n\r\t \u00e9\u65e5 \ud83d\ude00 é 日本 😀"}],"model":"@cf/meta/llama-3-8b-instruct"}"#,
        #"{"model":null,"max_tokens":null,"temperature":null,"stream":null,"stream_options":null,"messages":[{"role":"user","content":"x"}]}"#,
        #"{"messages":[{"role":"user","content":"x"}],"max_tokens":8192,"temperature":0.7,"stream":true,"stream_options":{"include_usage":true}}"#,
        #"{"messages":[{"role":"user","content":"x"}],"max_tokens":1,"temperature":2,"stream":false,"stream_options":{}}"#,
        #"{"messages":[{"role":"user","content":"x"}],"temperature":1e0,"stream_options":{"include_usage":null}}"#,
        #"{"messages":[{"role":"user","content":"x"}],"temperature":0,"stream_options":{"include_usage":false}}"#,
        #"{"messages":[{"role":"user","content":"x"}],"temperature":-0.0}"#,
        #"{"messages":[{"role":"user","content":"x"}],"temperature":0.1234567890123456789,"model":"a/b.c_d-e"}"#,
    ]

    @Test func plainBodiesAreReadAsTheDecoderReadsThem() throws {
        for body in Self.plainBodies {
            let decoded = try #require(Self.decoded(body), "\(body)")
            let plain = try #require(Self.plain(body.utf8), "the plain reader left \(body) to the decoder")
            #expect(Self.same(plain, decoded), "\(body)")
        }
    }

    static let otherBodies = [
        "", "{}", "[]", "null", #"{"messages":[]}"#, #"{"messages":null}"#, #"{"messages":{}}"#,
        #"{"messages":[{"role":"user","content":"x"}],"extra":1}"#,
        #"{"messages":[{"role":"user","content":"x"}],"messages":[{"role":"user","content":"y"}]}"#,
        #"{"messages":[{"role":"user","content":"x"}]}x"#,
        #"{"messages":[{"role":"user","content":"x"}],}"#,
        #"{"messages":[{"role":"user","content":"x"},]}"#,
        #"{"messages":[{"role":"user","content":"x","name":"n"}]}"#,
        #"{"messages":[{"role":"user","content":"x","role":"user"}]}"#,
        #"{"messages":[{"role":"user"}]}"#,
        #"{"messages":[{"role":"user","content":null}]}"#,
        #"{"messages":[{"role":"user","content":["x"]}]}"#,
        #"{"messages":[{"role":"tool","content":"x"}]}"#,
        #"{"messages":[{"role":"User","content":"x"}]}"#,
        #"{"messages":[{"role":"user","content":"\ud83d"}]}"#,
        #"{"messages":[{"role":"user","content":"\ude00"}]}"#,
        #"{"messages":[{"role":"user","content":"\x"}]}"#,
        #"{"messages":[{"role":"user","content":"\u00g0"}]}"#,
        "{\"messages\":[{\"role\":\"user\",\"content\":\"tab\there\"}]}",
        #"{"messages":[{"role":"user","content":"x"}],"model":"../admin"}"#,
        #"{"messages":[{"role":"user","content":"x"}],"model":5}"#,
        #"{"messages":[{"role":"user","content":"x"}],"max_tokens":0}"#,
        #"{"messages":[{"role":"user","content":"x"}],"max_tokens":8193}"#,
        #"{"messages":[{"role":"user","content":"x"}],"max_tokens":1.0}"#,
        #"{"messages":[{"role":"user","content":"x"}],"max_tokens":"5"}"#,
        #"{"messages":[{"role":"user","content":"x"}],"max_tokens":99999999999999999999999}"#,
        #"{"messages":[{"role":"user","content":"x"}],"max_tokens":01}"#,
        #"{"messages":[{"role":"user","content":"x"}],"temperature":2.5}"#,
        #"{"messages":[{"role":"user","content":"x"}],"temperature":-1}"#,
        #"{"messages":[{"role":"user","content":"x"}],"temperature":1.}"#,
        #"{"messages":[{"role":"user","content":"x"}],"temperature":.5}"#,
        #"{"messages":[{"role":"user","content":"x"}],"temperature":1e}"#,
        #"{"messages":[{"role":"user","content":"x"}],"temperature":+1}"#,
        #"{"messages":[{"role":"user","content":"x"}],"temperature":0e7}"#,
        #"{"messages":[{"role":"user","content":"x"}],"temperature":0E7}"#,
        #"{"messages":[{"role":"user","content":"x"}],"stream":"true"}"#,
        #"{"messages":[{"role":"user","content":"x"}],"stream":tru}"#,
        #"{"messages":[{"role":"user","content":"x"}],"stream_options":{"include_usage":1}}"#,
        #"{"messages":[{"role":"user","content":"x"}],"stream_options":{"other":true}}"#,
        #"{"messages":[{"role":"user","content":"x"}],"stream_options":true}"#,
    ]

    @Test func everyOtherBodyIsLeftToTheDecoder() {
        for body in Self.otherBodies {
            #expect(Self.plain(body.utf8) == nil, "\(body)")
        }
        // Not UTF-8, and a byte order mark.
        #expect(Self.plain(Array(#"{"messages":[{"role":"user","content":""#.utf8) + [0xFF] + Array(#""}]}"#.utf8)) == nil)
        #expect(Self.plain([0xEF, 0xBB, 0xBF] + Array(Self.plainBodies[0].utf8)) == nil)
    }

    /// Every way to write a number that a changed byte could make, in both number fields: what the plain reader
    /// reads, the decoder reads the same (Foundation's decoder refuses `0e7` and `-0.0e7`, which JSON allows; found
    /// by this test and the one below).
    @Test func numbersAreReadAsTheDecoderReadsThem() {
        var read = 0
        for field in ["temperature", "max_tokens"] {
            for sign in ["", "-", "+"] {
                for whole in ["", "0", "1", "01", "10"] {
                    for fraction in ["", ".", ".0", ".5", ".05"] {
                        for exponent in ["", "e", "E", "e7", "E7", "e+7", "e-1", "E-0", "e07", "e+"] {
                            let bytes = Array(#"{"messages":[{"role":"user","content":"x"}],"\#(field)":\#(sign + whole + fraction + exponent)}"#.utf8)
                            guard let plain = Self.plain(bytes) else { continue }
                            read += 1
                            let decoded = try? JSONDecoder().decode(ChatCompletionRequest.self, from: Data(bytes))
                            #expect(decoded.map { Self.same(plain, $0) } == true, "\(String(decoding: bytes, as: UTF8.self))")
                        }
                    }
                }
            }
        }
        #expect(read > 20, "too few numbers were plain to compare anything")
    }

    /// Bodies a byte or two away from the plain ones: whatever the plain reader reads, the decoder reads the same.
    @Test func anyBodyThePlainReaderReadsTheDecoderReadsAlike() throws {
        var read = 0
        for bytes in NearbyBytes.random(near: Self.plainBodies, count: 5_000) {
            guard let plain = Self.plain(bytes) else { continue }
            read += 1
            let decoded = try? JSONDecoder().decode(ChatCompletionRequest.self, from: Data(bytes))
            #expect(decoded.map { Self.same(plain, $0) } == true, "\(String(decoding: bytes, as: UTF8.self))")
        }
        #expect(read > 100, "too few changed bodies were still plain to compare anything")
    }
}
