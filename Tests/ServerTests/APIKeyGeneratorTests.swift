import Testing

@testable import Server

@Suite("API key generator")
struct APIKeyGeneratorTests {
    @Test func theHashIsTheLowerCaseHexSHA256OfTheKey() {
        // FIPS 180-2's test vector for "abc".
        #expect(APIKeyGenerator.hash("abc") == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
        let made = APIKeyGenerator.make()
        #expect(made.hash == APIKeyGenerator.hash(made.key) && made.hash.count == 64)
    }
}
