import Foundation
import Testing
import JSONValues

@testable import SpecRunnerKit

@Suite("Fuzzer")
struct FuzzTests {
    static let credentials = ["sessionToken": "t.o.k", "apiKey": "sk-key", "apiKeyBearer": "sk-key"]

    static func fuzzer(seed: UInt64) throws -> Fuzzer {
        Fuzzer(spec: try ScenarioTests.spec(), baseURL: "http://127.0.0.1:8787", seed: seed, credentials: credentials)
    }

    @Test func theSameSeedMakesTheSameRequests() throws {
        let first = try Self.fuzzer(seed: 99)
        let second = try Self.fuzzer(seed: 99)
        for index in [0, 1, 17, 500] {
            let a = first.plan(index)
            let b = second.plan(index)
            #expect(a.request.url == b.request.url && a.request.body == b.request.body && a.fuzzCase == b.fuzzCase)
        }
    }

    @Test func everyCaseIsJudgedAsTheSpecSays() throws {
        let spec = try ScenarioTests.spec()
        let fuzzer = try Self.fuzzer(seed: 1)
        let plans = (0..<3_000).map(fuzzer.plan)
        for fuzzCase in Fuzzer.Case.allCases {
            #expect(plans.contains { $0.fuzzCase == fuzzCase }, "\(fuzzCase) never generated")
        }
        for plan in plans {
            let pointer = Fuzzer.jsonBody(of: plan.operation, in: spec.document)
            let body = plan.request.body.flatMap { try? JSONValue.parse($0) }
            switch plan.fuzzCase {
            case .valid where pointer != nil && plan.expectation == .allowed:
                #expect(spec.validator.validate(try #require(body), schemaAt: pointer!).isEmpty, "a valid plan's body must validate: \(plan.request.body ?? "")")
            case .schemaViolation where plan.expectation == .forbidden && plan.detail.contains(" parameter "):
                // One parameter broken: the body, if any, stays valid so that only the parameter is at fault.
                if let pointer, let body { #expect(spec.validator.validate(body, schemaAt: pointer).isEmpty, "\(plan.detail): \(plan.request.body ?? "")") }
            case .schemaViolation where plan.expectation == .forbidden:
                #expect(!spec.validator.validate(try #require(body), schemaAt: pointer!).isEmpty, "\(plan.detail) must break the schema")
            case .invalidJSON, .invalidUTF8, .wrongContentType, .hugeNumber, .otherScheme:
                #expect(plan.expectation == .forbidden)
            case .noCredentials, .garbageCredentials, .forgedToken:
                #expect(plan.expectation == .unauthenticated)
                #expect(!plan.request.headers.contains { $0.value.contains("t.o.k") || $0.value.contains("sk-key") })
            case .unlistedMethod:
                #expect(!fuzzer.listedMethods(plan.operation).contains(plan.request.method))
            default:
                break
            }
        }
    }

    @Test func violationsCoverEveryKeywordOfTheRegistrationSchema() throws {
        let spec = try ScenarioTests.spec()
        var sampler = SchemaSampler(document: spec.document, validator: spec.validator, random: SeededRandom(seed: 5))
        let pointer = try #require(JSONPointer("/components/schemas/Registration"))
        let sampled = sampler.valid(at: pointer)
        let valid = try #require(sampled)
        #expect(spec.validator.validate(valid, schemaAt: pointer).isEmpty)
        let keywords = Set(sampler.violations(of: valid, at: pointer).map { "\($0.keyword) at \($0.at)" })
        for expected in ["required at ", "type at /email", "maxLength at /email", "pattern at /email", "minLength at /password", "maxLength at /password", "pattern at /password"] {
            #expect(keywords.contains(expected), "no violation of \(expected): \(keywords.sorted())")
        }
    }

    @Test func credentialsArePlacedAsTheirSchemesSay() throws {
        let fuzzer = try Self.fuzzer(seed: 2)
        var headers: [(name: String, value: String)] = []
        var query: [(String, String)] = []
        fuzzer.place("apiKey", into: &headers, query: &query)
        fuzzer.place("sessionToken", into: &headers, query: &query)
        #expect(headers.map { "\($0.name): \($0.value)" } == ["X-API-Key: sk-key", "Authorization: Bearer t.o.k"])
        let listKeys = try #require(fuzzer.spec.operations["listApiKeys"])
        #expect(fuzzer.otherSchemes(for: listKeys) == ["apiKey", "apiKeyBearer"])
    }

    @Test func eachExpectationHasItsFindingClass() throws {
        let fuzzer = try Self.fuzzer(seed: 3)
        let plans = (0..<2_000).map(fuzzer.plan)
        // With the headers the spec requires on every answer, so that only the finding under test is found.
        func response(_ status: Int, _ body: String = "{}", headers: [(String, String)] = [("Content-Type", "application/json")]) -> ReceivedResponse {
            let always = [("X-Request-Id", "r1"), ("X-Content-Type-Options", "nosniff"), ("Cache-Control", "no-store")]
            return ReceivedResponse(status: status, headers: headers + always, body: Data(body.utf8))
        }
        func kinds(_ plan: Fuzzer.Plan, _ answer: ReceivedResponse, get: ReceivedResponse? = nil) -> Set<Fuzzer.FindingClass> {
            Set(fuzzer.check(answer, for: plan, get: get).map(\.0))
        }
        let forbidden = try #require(plans.first { $0.expectation == .forbidden && $0.operation.id == "register" })
        #expect(kinds(forbidden, response(200, #"{"message":"User created","token":"a.b.c"}"#)) == [.acceptedInvalidRequest])
        #expect(kinds(forbidden, response(500, "boom", headers: [("Content-Type", "text/plain")])).contains(.serverError))
        let allowed = try #require(plans.first { $0.expectation == .allowed && $0.operation.id == "createApiKey" })
        #expect(kinds(allowed, response(400, #"{"error":"no","code":"invalid_field"}"#)) == [.rejectedValidRequest])
        #expect(kinds(allowed, response(400, #"{"error":"no","code":"invalid_name"}"#)).contains(.undocumentedResponse), "a code the response's enum does not list")
        #expect(kinds(allowed, response(418, #"{"error":"no","code":"teapot"}"#)).contains(.undocumentedResponse))
        let unauthenticated = try #require(plans.first { $0.expectation == .unauthenticated && $0.operation.id == "listApiKeys" })
        #expect(kinds(unauthenticated, response(200, "[]")) == [.credentialsNotRefused])
        let method = try #require(plans.first { if case .methodNotAllowed = $0.expectation { true } else { false } })
        #expect(kinds(method, response(404, #"{"error":"x","code":"not_found"}"#)) == [.methodNotRefused])
        #expect(kinds(method, response(405, "{}", headers: [("Allow", "PUT")])) == [.methodNotRefused])
        let head = try #require(plans.first { $0.expectation == .likeGet })
        #expect(kinds(head, response(405, ""), get: response(200)) == [.headUnlikeGet])
        #expect(kinds(head, response(200, ""), get: response(200)).isEmpty)
    }

    @Test func aFindingIsSavedAsAScenarioThatExpectsWhatTheSpecPromises() throws {
        let spec = try ScenarioTests.spec()
        let fuzzer = try Self.fuzzer(seed: 4)
        let plan = try #require((0..<500).map(fuzzer.plan).first { $0.fuzzCase == .schemaViolation && $0.operation.id == "createApiKey" })
        let finding = Fuzzer.Finding(plan: plan, status: 200, problems: [(.acceptedInvalidRequest, "accepted")])
        let writer = FailureScenario(spec: spec, setupSteps: [.object(["operation": .string("register")])], credentials: Self.credentials)
        let (name, text) = try writer.render(finding, kind: .acceptedInvalidRequest, seed: 4).get()
        #expect(name.hasPrefix("fuzz-accepted-invalid-request-createApiKey-"))
        let scenario = try ScenarioLoader.load(text: text, file: name).scenario
        let step = try #require(scenario.steps.last)
        #expect(step.operation == "createApiKey")
        #expect(step.headers["Authorization"] == nil && step.auth?.scheme == "sessionToken" && step.auth?.value == "{{ sessionToken }}")
        #expect(step.expect.status == [400, 401, 403, 408, 409, 413, 415, 429])
        #expect(!text.contains("t.o.k"))
    }

    @Test func anAlteredCredentialIsSavedAsATemplateOfItsVariableNeverAsText() throws {
        let spec = try ScenarioTests.spec()
        let fuzzer = try Self.fuzzer(seed: 4)
        let plans = (0..<2_000).map(fuzzer.plan).filter { $0.fuzzCase == .alteredCredential }
        #expect(Set(plans.map { $0.detail.components(separatedBy: " with ").last ?? "" }).count == CredentialVariant.allCases.count)
        let writer = FailureScenario(spec: spec, setupSteps: [], credentials: Self.credentials)
        for plan in plans.prefix(40) {
            let finding = Fuzzer.Finding(plan: plan, status: 200, problems: [(.alteredCredentialAccepted, "accepted")])
            let (name, text) = try writer.render(finding, kind: .alteredCredentialAccepted, seed: 4).get()
            let step = try #require(try ScenarioLoader.load(text: text, file: name).scenario.steps.last)
            let auth = try #require(step.auth)
            let rendered = try Template(runId: "r", variables: Self.credentials.mapValues(JSONValue.string)).renderString(auth.value ?? "")
            #expect(rendered == plan.credentials.first { $0.scheme == auth.scheme }?.value, "\(plan.detail)")
            for credential in Self.credentials.values { #expect(!text.contains(credential.prefix(4)), "\(text)") }
            #expect(step.expect.status == [401])
        }
    }
}
