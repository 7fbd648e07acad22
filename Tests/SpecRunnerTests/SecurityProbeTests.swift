import Foundation
import Testing
import CommandLineSupport
import JSONValues

@testable import SpecRunnerKit

/// The pieces of the security probes: credential variants and how saved scenarios write them, the leak scan of
/// answers and tokens, and the `jwtClaims` matcher and filter.
@Suite("Security probes")
struct SecurityProbeTests {
    static func token(_ claims: [String: JSONValue]) -> String {
        JWTForgery.encode(.object(["alg": .string("HS256"), "typ": .string("JWT")])) + "." + JWTForgery.encode(.object(claims)) + ".c2ln"
    }

    @Test(arguments: CredentialVariant.allCases)
    func eachVariantDiffersAndItsTemplateRendersExactlyIt(_ variant: CredentialVariant) throws {
        for (value, basic) in [("sk-0123456789abcdef0123456789abcdef", false), ("eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJ4In0.c2lnbmF0dXJl", false),
                               ("admin:secret-password", true)] {
            guard let altered = variant.apply(to: value, basic: basic) else {
                #expect(basic && [.caseChanged, .withPrefix, .likeWildcardUnderscore].contains(variant), "\(variant) of \(value)")
                continue
            }
            #expect(altered != value)
            if basic { #expect(altered.hasPrefix("admin:"), "only the password is altered") }
            let rendered = try Template(runId: "r", variables: ["cred": .string(value)]).renderString(variant.template(variable: "cred", altered: altered))
            #expect(rendered == altered, "\(variant): \(variant.template(variable: "cred", altered: altered))")
        }
    }

    @Test func theUnderscoreVariantAlwaysDiffers() {
        #expect(CredentialVariant.underscored("ab_cd") == "ab__d", "the middle is _ already: the next one")
        #expect(CredentialVariant.underscored("abcd") == "ab_d")
        #expect(CredentialVariant.underscored("a___") == nil && CredentialVariant.underscored("") == nil)
    }

    @Test func passwordHashesAndThePasswordSentAreFoundInTheBody() {
        let hash = "$2b$12$" + String(repeating: "a", count: 53)
        let response = ReceivedResponse(
            status: 200, headers: [("Content-Type", "application/json")],
            body: Data(#"{"user": {"hash": "\#(hash)", "echo": "you sent hunter22!"}}"#.utf8))
        let leaks = SecretScan.leaks(in: response, sent: #"{"email": "a@b.c", "password": "hunter22!"}"#)
        #expect(leaks.map(\.description) == ["/user/echo holds the password the request sent", "/user/hash holds a bcrypt hash"])
        #expect(leaks.map(\.marker) == ["hunter22!", "$2b$12$"], "the hash's format prefix, never the hash")
        #expect(leaks[1].expectation == ["text": .object(["notContains": .string("$2b$12$")])])
    }

    @Test func aTokenThatCarriesTheUsersRowIsALeak() {
        let token = Self.token(["userId": .string("u1"), "email": .string("a@b.c"), "password": .string("5e884898da28047151d0e56f8dc6292773603d0d6aabbdd62a11ef721d1542d8")])
        let response = ReceivedResponse(status: 200, headers: [("Content-Type", "application/json")], body: Data(#"{"token": "\#(token)"}"#.utf8))
        let leaks = SecretScan.leaks(in: response, sent: nil)
        #expect(leaks.map(\.description) == ["the token at /token carries the claim password"])
        #expect(leaks[0].expectation == ["body": .object(["/token": .object(["jwtClaims": .object(["notContains": .string("\"password\"")])])])])
        let clean = ReceivedResponse(
            status: 200, headers: [("Content-Type", "application/json")], body: Data(#"{"token": "\#(Self.token(["sub": .string("u1")]))"}"#.utf8))
        #expect(SecretScan.leaks(in: clean, sent: #"{"password": "secret123"}"#).isEmpty)
    }

    @Test func theJWTClaimsMatcherAndFilterReadThePayload() throws {
        let token = Self.token(["sub": .string("u1"), "password": .string("x")])
        let matcher = try JSONDecoder().decode(Matcher.self, from: Data(#"{"jwtClaims": {"notContains": "\"password\""}}"#.utf8))
        let template = Template(runId: "r", variables: [:])
        #expect(try matcher.failure(for: .string(token), render: template.render)?.hasPrefix("its claims: expected no") == true)
        #expect(try matcher.failure(for: .string(Self.token(["sub": .string("u1")])), render: template.render) == nil)
        #expect(try matcher.failure(for: .string("not a token"), render: template.render) == "expected a JWT, found \"not a token\"")
        let claims = try Template(runId: "r", variables: ["t": .string(token)]).render("{{ t | jwtClaims }}")
        #expect(claims == .object(["sub": .string("u1"), "password": .string("x")]))
    }
}

/// Strings made from a schema's `pattern` match it.
@Suite("Pattern sampler")
struct PatternSamplerTests {
    @Test(arguments: [
        "^itm_[a-z0-9]{12}$", "^[0-9]{13}$", "^[a-z0-9-]+$", #"^\d{3}-\d{4}$"#, "^(sk|pk)_(live|test)_[A-Za-z0-9]{8,24}$", "^[^@\\s]+@[^@\\s]+\\.[a-z]{2,}$",
        "^[A-Z][a-z]*( [A-Z][a-z]*)?$", "^\\$[0-9]+(\\.[0-9]{2})?$", "[.]x?", "^[\\w.-]{1,8}$", "^(?:a|bc)+$",
    ])
    func everySampleMatchesItsPattern(_ pattern: String) throws {
        let sampler = try #require(PatternSampler(pattern))
        var random = SeededRandom(seed: 11)
        for _ in 0..<50 {
            let sample = sampler.sample(using: &random)
            #expect(SchemaValidator.matches(sample, pattern: pattern), "\(sample) does not match /\(pattern)/")
        }
    }

    @Test func aFixedLengthPatternGivesTheCharactersEachPositionMayBe() throws {
        #expect(PatternSampler("^sk_[0-9a-f]{4}$")?.positionSizes == [1, 1, 1, 16, 16, 16, 16])
        #expect(PatternSampler(#"^\d{2}-[A-Z]$"#)?.positionSizes == [10, 10, 1, 26])
        #expect(PatternSampler("^[a-z]{2,4}$")?.positionSizes == nil, "lengths vary")
        #expect(PatternSampler("^(sk|pk)_x$")?.positionSizes == nil, "alternatives")
    }

    /// Random hex keys come close to what their pattern promises; keys whose first half is fixed do not.
    @Test func secretsAreJudgedByWhatTheirPatternPromises() {
        var random = SeededRandom(seed: 3)
        let hex = Array("0123456789abcdef")
        func key(fixed: Int) -> String { "k_" + String(repeating: "7", count: fixed) + String((fixed..<24).map { _ in hex.randomElement(using: &random)! }) }
        let sizes = PatternSampler("^k_[0-9a-f]{24}$")!.positionSizes!
        for count in [8, 40, 200] {
            var strong = SecretEntropy()
            var half = SecretEntropy()
            strong.record((0..<count).map { _ in SecretEntropy.Issued(place: "issue /key", value: key(fixed: 0), pattern: sizes) })
            half.record((0..<count).map { _ in SecretEntropy.Issued(place: "issue /key", value: key(fixed: 12), pattern: sizes) })
            let (good, bad) = (strong.estimates[0], half.estimates[0])
            #expect(good.promised != nil && !good.belowPattern, "\(count): \(good.line)")
            #expect(bad.belowPattern && bad.weak && bad.problem.contains("pattern"), "\(count): \(bad.line)")
        }
    }

    @Test func patternsItCannotReadAreLeftToTheOtherStrings() {
        #expect(PatternSampler("^(?=.*[A-Z]).{8,}$") == nil, "a look-ahead")
        #expect(PatternSampler("^(a)\\1$") == nil, "a back-reference")
        #expect(PatternSampler("[z-a]") == nil, "a reversed range")
    }
}

/// Lint suggests the name meant for a misspelt operation or key.
@Suite("Did you mean")
struct SuggestionTests {
    @Test func lintSuggestsTheNearestOperationAndKey() throws {
        let spec = try ScenarioTests.spec()
        let schema = try JSONValue.parse(Data(contentsOf: ScenarioTests.root.appendingPathComponent("spec/scenario.schema.json")))
        let linter = ScenarioLinter(spec: spec, scenarioSchema: SchemaValidator(document: schema))
        let loaded = try ScenarioLoader.load(text: """
            name: typos
            steps:
              - operation: getHelth
                expct: { status: 200 }
            """, file: "typos.yaml")
        let problems = linter.problems(in: loaded)
        #expect(problems.contains { $0.hasSuffix("operation 'getHelth' is not in the spec (did you mean getHealth?)") }, "\(problems)")
        #expect(problems.contains { $0.contains("'expct' is not allowed here (did you mean expect?)") }, "\(problems)")
        #expect(Suggestion.closest(to: "completely-different", in: ["getHealth"]) == nil)
    }
}
