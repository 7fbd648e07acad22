import Crypto
import Foundation
import Testing
import JSONValues

@testable import SpecRunnerKit

@Suite("Templates and token forgery")
struct TemplateTests {
    let template = Template(runId: "run1", variables: ["name": .string("alice"), "count": .number(3), "body": .object(["a": .bool(true)])])

    @Test func wholeExpressionKeepsItsType() throws {
        #expect(try template.render("{{ count }}") == .number(3))
        #expect(try template.render("{{ body }}") == .object(["a": .bool(true)]))
        #expect(try template.render(.object(["x": .string("{{name}}")])) == .object(["x": .string("alice")]))
    }

    @Test func expressionsInsideTextAreSpliced() throws {
        #expect(try template.render("hi {{ name }}, {{ count }} times in {{ $runId }}") == .string("hi alice, 3 times in run1"))
    }

    @Test func generatorsMakeFreshValuesPerUse() throws {
        let first = try template.renderString("{{ $randomEmail }}")
        #expect(first.hasPrefix("spec-run1-") && first.hasSuffix("@example.com"))
        #expect(try template.renderString("{{ $randomEmail }}") != first)
        #expect(try template.renderString("{{ $uuid }}").count == 36)
        #expect(try template.renderString("{{ $randomPassword }}").count >= 20)
    }

    @Test func repeatBuildsLongValues() throws {
        #expect(try template.renderString("{{ 'ab' | repeat: 3 }}") == "ababab")
    }

    @Test func undefinedVariableAndUnknownFilterAreErrors() {
        #expect(throws: TemplateError.self) { try template.render("{{ missing }}") }
        #expect(throws: TemplateError.self) { try template.render("{{ name | shout }}") }
    }

    @Test func referencesListVariablesButNotGeneratorsOrLiterals() {
        #expect(Template.references(in: "{{ token | resign: jwtSecret }} {{ $uuid }} {{ 'x' | repeat: 3 }} {{ name }}") == ["token", "jwtSecret", "name"])
    }

    static func token(_ payload: String, secret: String) -> String {
        let input = JWTForgery.encode(try! JSONValue.parse(#"{"alg":"HS256","typ":"JWT"}"#)) + "." + JWTForgery.encode(try! JSONValue.parse(payload))
        let mac = HMAC<SHA256>.authenticationCode(for: Data(input.utf8), using: SymmetricKey(data: Data(secret.utf8)))
        return input + "." + JWTForgery.base64URL(Data(mac))
    }

    @Test func forgeryFiltersChangeWhatTheyClaim() throws {
        let secret = "a-secret-that-is-long-enough-0123456789"
        let token = Self.token(#"{"sub":"u1","userId":"u1","exp":4102444800}"#, secret: secret)
        let forge = Template(runId: "r", variables: ["token": .string(token), "secret": .string(secret)])

        let tampered = try forge.renderString("{{ token | tamper }}").split(separator: ".", omittingEmptySubsequences: false)
        #expect(JWTForgery.decode(String(tampered[1]))?["userId"] == .string("someone-else"))
        #expect(tampered[2] == token.split(separator: ".")[2])

        let none = try forge.renderString("{{ token | algNone }}")
        #expect(none.hasSuffix("."))
        #expect(JWTForgery.decode(String(none.split(separator: ".")[0]))?["alg"] == .string("none"))

        #expect(try forge.renderString("{{ token | resign: secret }}") == token)

        let expired = try forge.renderString("{{ token | expire: secret }}")
        let exp = try #require(JWTForgery.decode(String(expired.split(separator: ".")[1]))?["exp"]?.numberValue)
        #expect(exp < Date().timeIntervalSince1970)
        #expect(throws: TemplateError.self) { try forge.render("{{ 'not-a-jwt' | tamper }}") }
    }
}
