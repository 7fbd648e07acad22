import Foundation
import Testing

@testable import AIWorkerServer

/// The hand-written JSON string of streamed events is the encoder's, byte for byte.
@Suite("Compact JSON")
struct CompactJSONTests {
    @Test func aStringIsWrittenAsTheEncoderWritesIt() {
        let texts = (0..<128).map { String(UnicodeScalar(UInt8($0))) }
            + ["", "word ", "a/b", #"say "hi" \ bye"#, "line\nbreak\r\ttab", "é ü 日本 😀 \u{2028} \u{FEFF}", "\u{7F}\u{80}"]
        for text in texts {
            #expect(CompactJSON.string(text) == CompactJSON.encode([text]).dropFirst().dropLast(), "\(Array(text.unicodeScalars))")
        }
    }
}
