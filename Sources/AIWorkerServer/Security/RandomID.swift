/// Random identifiers and secrets from the system's cryptographic generator.
enum RandomID {
    /// The URL-safe alphabet of nanoid, which the original worker uses for its ids.
    static let alphabet = Array("useandom-26T198340PX75pxJACKVERYMINDBUSHWOLF_GQZbfghjklqvwyzrict")

    /// A 21-character id (126 bits), the shape of the original's nanoid ids.
    static func make(length: Int = 21) -> String {
        var generator = SystemRandomNumberGenerator()
        return String((0..<length).map { _ in alphabet[Int(generator.next(upperBound: UInt8(alphabet.count)))] })
    }

    /// `count` random bytes.
    static func bytes(_ count: Int) -> [UInt8] {
        var generator = SystemRandomNumberGenerator()
        return (0..<count).map { _ in generator.next() }
    }
}
