import Foundation
import Testing

@testable import SpecRunner

@Suite("Fuzzer")
struct FuzzTests {
    static func fuzzer(seed: UInt64) throws -> Fuzzer {
        Fuzzer(spec: try ScenarioTests.spec(), baseURL: "http://127.0.0.1:8787", seed: seed, token: "t.o.k", apiKey: "sk-key")
    }

    @Test func theSameSeedMakesTheSameRequests() throws {
        let first = try Self.fuzzer(seed: 99)
        let second = try Self.fuzzer(seed: 99)
        for index in [0, 1, 17, 500] {
            let a = first.plan(index)
            let b = second.plan(index)
            #expect(a.request.url == b.request.url && a.request.body == b.request.body && a.mutation == b.mutation)
        }
        #expect(try Self.fuzzer(seed: 100).plan(17).request.body != first.plan(17).request.body || first.plan(17).request.body == nil)
    }

    @Test func brokenBodiesAreMarkedAsForbiddenBySpec() throws {
        let fuzzer = try Self.fuzzer(seed: 1)
        let plans = (0..<400).map(fuzzer.plan)
        for mutation in [Fuzzer.Mutation.invalidJSON, .invalidUTF8, .wrongContentType] {
            let withBody = plans.filter { $0.mutation == mutation && ($0.request.body != nil || $0.request.bytes != nil) }
            #expect(!withBody.isEmpty && withBody.allSatisfy { !$0.allowedBySpec }, "\(mutation)")
        }
        let unauthenticated = plans.filter { $0.mutation == .noCredentials && $0.operation.id == "listApiKeys" }
        #expect(unauthenticated.allSatisfy { !$0.allowedBySpec && !$0.request.headers.contains { $0.name == "Authorization" } })
    }

    @Test func aServerErrorOrAnAcceptedForbiddenRequestIsAFinding() throws {
        let fuzzer = try Self.fuzzer(seed: 3)
        let plan = try #require((0..<200).map(fuzzer.plan).first { !$0.allowedBySpec && $0.operation.id == "register" })
        let accepted = ReceivedResponse(status: 200, headers: [("Content-Type", "application/json")], body: Data(#"{"message":"User created","token":"a.b.c"}"#.utf8))
        #expect(fuzzer.check(accepted, for: plan).contains { $0.hasPrefix("accepted (200) a request the spec forbids") })
        let crashed = ReceivedResponse(status: 500, headers: [("Content-Type", "text/plain")], body: Data("boom".utf8))
        #expect(fuzzer.check(crashed, for: plan).contains { $0.hasPrefix("server error 500") })
    }
}
