/// Byte strings a byte or two away from valid JSON, for the tests that compare a plain reader with
/// `JSONDecoder`: each is a seed with one or two bytes removed, inserted or replaced at random, the new bytes drawn
/// from JSON's structure, digits, escapes, letters of its literals, a control character and bytes that are not UTF-8.
enum NearbyBytes {
    static let alphabet = Array(#"{}[]:,"\ u0123456789.eE+-aflnrstu/xé"#.utf8) + [0x00, 0x09, 0x0A, 0xC3, 0xFF]

    /// `count` byte strings near the `seeds`, new ones at each call.
    static func random(near seeds: [String], count: Int) -> [[UInt8]] {
        var generator = SystemRandomNumberGenerator()
        return (0..<count).map { _ in
            var bytes = Array(seeds.randomElement(using: &generator)!.utf8)
            for _ in 0...Int.random(in: 0...1, using: &generator) {
                let at = Int.random(in: 0..<bytes.count, using: &generator)
                switch Int.random(in: 0..<3, using: &generator) {
                case 0: bytes.remove(at: at)
                case 1: bytes.insert(alphabet.randomElement(using: &generator)!, at: at)
                default: bytes[at] = alphabet.randomElement(using: &generator)!
                }
            }
            return bytes
        }
    }
}
