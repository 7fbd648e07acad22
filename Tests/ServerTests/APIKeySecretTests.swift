import Testing

@testable import AIWorkerServer

@Suite("API key generator")
struct APIKeySecretTests {
    @Test func theHashIsTheLowerCaseHexSHA256OfTheKey() {
        // FIPS 180-2's test vector for "abc".
        #expect(APIKeySecret.hash("abc") == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
        let made = APIKeySecret.make()
        #expect(made.hash == APIKeySecret.hash(made.key) && made.hash.count == 64)
    }
}
